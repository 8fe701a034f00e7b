package auth_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cachelink/cachelink/internal/cmdtest"
	"github.com/cachelink/cachelink/internal/sandbox"
)

// page is what a browser (or a wrapper's HTTP client) ended on after the
// authorize URL's redirects: the loopback listener's answer.
type page struct {
	status int
	header http.Header
	body   string
	url    string
	err    error
}

// openURL GETs u following redirects, as a browser does.
func openURL(u string) page {
	resp, err := cmdtest.BrowserClient().Get(u)
	if err != nil {
		return page{err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, header: resp.Header, body: string(body), url: resp.Request.URL.String(), err: err}
}

// pageBrowser makes e's browser record the page it ends on.
func pageBrowser(e *cmdtest.Env) <-chan page {
	pages := make(chan page, 4)
	e.Browser = func(u string) error {
		pages <- openURL(u)
		return nil
	}
	return pages
}

func nextPage(t *testing.T, pages <-chan page) page {
	t.Helper()
	select {
	case p := <-pages:
		if p.err != nil {
			t.Fatalf("browser: %v", p.err)
		}
		return p
	case <-time.After(15 * time.Second):
		t.Fatal("the browser never got a page")
		return page{}
	}
}

// checkLoginPage checks what every page of the listener must be.
func checkLoginPage(t *testing.T, p page) {
	t.Helper()
	if p.header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("page without Referrer-Policy: no-referrer (%q)", p.header.Get("Referrer-Policy"))
	}
	if i := strings.Index(p.url, "code="); i < 0 {
		t.Errorf("the browser did not end on the callback: %s", p.url)
	} else if code, _, _ := strings.Cut(p.url[i+len("code="):], "&"); strings.Contains(p.body, code) {
		t.Error("the page echoes the code")
	}
	for _, ext := range []string{"src=", "href=", "http://", "https://", "@import", "url("} {
		if strings.Contains(p.body, ext) {
			t.Errorf("the page refers to something external (%q)", ext)
		}
	}
}

// printedURL is the authorize URL as connect prints it on stderr, on its
// own line after two spaces: what a wrapper script looks for.
var printedURL = regexp.MustCompile(`^\s+(https?://\S+)\s*$`)

// Item 2: no browser and no terminal on stdin is a wrapper's run (an
// editor extension, a script, a test harness): connect prints the URL,
// listens, and completes when the wrapper opens the URL it read on stderr.
func TestConnectNoBrowserWithoutATerminalWaitsForTheCallback(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		args   []string
		usable bool
	}{
		{"--no-browser", []string{"--no-browser"}, true},
		{"no usable browser", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := cmdtest.New(t, cmdtest.Options{})
			e.BrowserUsable = tc.usable
			pages := make(chan page, 1)
			wrapper := func(line string) string {
				if m := printedURL.FindStringSubmatch(line); m != nil {
					go func() { pages <- openURL(m[1]) }()
				}
				return ""
			}
			args := append([]string{"connect", "polyscale"}, tc.args...)
			r := cmdtest.CheckExit(t, e.RunWith(cmdtest.RunOptions{Stdin: "", OnStderrLine: wrapper}, args...), 0, args)

			if n := e.BrowserOpened.Load(); n != 0 {
				t.Errorf("browser opened %d times", n)
			}
			for _, want := range []string{"Waiting up to 5m0s for the browser to come back to http://localhost:" + e.Port + "/callback", "✓ Connected to PolyScale"} {
				if !strings.Contains(r.Stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, r.Stderr)
				}
			}
			if strings.Contains(r.Stderr, "paste") {
				t.Errorf("no terminal, yet a paste prompt:\n%s", r.Stderr)
			}
			p := nextPage(t, pages)
			checkLoginPage(t, p)
			if !strings.Contains(p.body, "Your PolyScale account is connected.") {
				t.Errorf("page:\n%s", p.body)
			}
			if n := e.Sandbox.Counters.CodeExchanges.Load(); n != 1 {
				t.Errorf("code exchanges = %d, want 1", n)
			}
			if _, ok := e.Keyring.Items("cachelink")["polyscale:default"]; !ok {
				t.Error("the login was not stored")
			}
			e.MustRun(t, "token", "polyscale")
		})
	}
}

// Item 2: --no-input ("never wait for a person") still refuses at once,
// before anything is bound, opened or read, naming the CI variables.
func TestConnectNoBrowserWithNoInputRefusesAtOnce(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	authorize := e.CountRequests(t, http.MethodGet, "/oauth2/auth")
	args := []string{"connect", "polyscale", "--no-browser", "--no-input"}
	start := time.Now()
	r := cmdtest.CheckExit(t, e.Run(args...), 4, args)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s to refuse", d)
	}
	if !strings.Contains(r.Stderr, "--no-input") || !strings.Contains(r.Stderr, "POLYSCALE_API_KEY") {
		t.Errorf("stderr should say --no-input and name POLYSCALE_API_KEY:\n%s", r.Stderr)
	}
	if strings.Contains(r.Stderr, "http://") {
		t.Errorf("printed a URL nobody will open:\n%s", r.Stderr)
	}
	if n := authorize(); n != 0 {
		t.Errorf("authorize requests = %d, want 0", n)
	}
	if n := e.Keyring.Calls.Load(); n != 0 {
		t.Errorf("the keychain was touched %d times", n)
	}
}

// Item 3: a good login's page says connected, after the exchange.
func TestConnectPageSaysConnected(t *testing.T) {
	t.Parallel()
	for _, provider := range []string{"polyscale", "upstash"} {
		t.Run(provider, func(t *testing.T) {
			t.Parallel()
			e := cmdtest.New(t, cmdtest.Options{})
			pages := pageBrowser(e)
			connect(t, e, provider)
			p := nextPage(t, pages)
			checkLoginPage(t, p)
			title := map[string]string{"polyscale": "PolyScale", "upstash": "Upstash"}[provider]
			if !strings.Contains(p.body, "Your "+title+" account is connected. You can close this window.") {
				t.Errorf("page:\n%s", p.body)
			}
		})
	}
}

// Item 3: a code the token endpoint refuses shows a failure page that says
// what failed (escaped), never "connected", and connect exits 4 storing
// nothing.
func TestConnectPageSaysWhatFailedWhenTheCodeIsRefused(t *testing.T) {
	t.Parallel()
	t.Run("invalid_grant", func(t *testing.T) {
		t.Parallel()
		e := cmdtest.New(t, cmdtest.Options{})
		var tokenRequests atomic.Int32
		tokenSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tokenRequests.Add(1)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":"invalid_grant","error_description":"The authorization code <b>was</b> already used & revoked"}`)
		}))
		t.Cleanup(tokenSrv.Close)
		e.Setenv("CACHELINK_POLYSCALE_TOKEN_URL", tokenSrv.URL+"/oauth2/token")
		pages := pageBrowser(e)

		args := []string{"connect", "polyscale"}
		r := cmdtest.CheckExit(t, e.Run(args...), 4, args)
		if !strings.Contains(r.Stderr, "invalid_grant") || !strings.Contains(r.Stderr, "cachelink connect polyscale") {
			t.Errorf("stderr should name invalid_grant and the way out:\n%s", r.Stderr)
		}
		p := nextPage(t, pages)
		checkLoginPage(t, p)
		for _, want := range []string{"PolyScale did not connect", "PolyScale refused the authorization code (invalid_grant: The authorization code &lt;b&gt;was&lt;/b&gt; already used &amp; revoked).", "Return to the terminal"} {
			if !strings.Contains(p.body, want) {
				t.Errorf("page lacks %q:\n%s", want, p.body)
			}
		}
		for _, never := range []string{"is connected", "<b>was", "window.close()"} {
			if strings.Contains(p.body, never) {
				t.Errorf("page contains %q:\n%s", never, p.body)
			}
		}
		if n := tokenRequests.Load(); n != 1 {
			t.Errorf("token requests = %d, want 1 (never retried)", n)
		}
		if items := e.Keyring.Items("cachelink"); len(items) != 0 {
			t.Errorf("stored %v after a refused code", keys(items))
		}
	})
	t.Run("the sandbox's token endpoint failing", func(t *testing.T) {
		t.Parallel()
		e := cmdtest.New(t, cmdtest.Options{})
		e.AddFault(t, sandbox.FaultRule{Kind: sandbox.FaultError, Status: http.StatusServiceUnavailable, Method: http.MethodPost, PathPrefix: "/oauth2/token"})
		pages := pageBrowser(e)
		args := []string{"connect", "polyscale"}
		cmdtest.CheckExit(t, e.Run(args...), 4, args)
		p := nextPage(t, pages)
		checkLoginPage(t, p)
		if !strings.Contains(p.body, "PolyScale did not connect") || !strings.Contains(p.body, "temporarily_unavailable") || strings.Contains(p.body, "is connected") {
			t.Errorf("page:\n%s", p.body)
		}
		if n := e.Sandbox.Counters.CodeExchanges.Load(); n != 0 {
			t.Errorf("code exchanges = %d, want 0", n)
		}
		if items := e.Keyring.Items("cachelink"); len(items) != 0 {
			t.Errorf("stored %v after a failed exchange", keys(items))
		}
	})
}

// corruptStore is a store that connect must refuse before the login.
type corruptStore struct {
	name  string
	setup func(t *testing.T, e *cmdtest.Env) // puts the corruption in place
	says  []string                           // stderr must contain (after expansion of {file})
}

func writeCredentials(content string) func(t *testing.T, e *cmdtest.Env) {
	return func(t *testing.T, e *cmdtest.Env) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(e.ConfigDir, "credentials.json"), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func corruptFiles() []corruptStore {
	fileLevel := []string{"{file}", "Fix or remove it"}
	entry := []string{"{file}", `"polyscale:default"`, "not a login record", "cachelink disconnect polyscale"}
	invalid := []string{"{file}", `"polyscale:default"`, "not a valid login record", "cachelink disconnect polyscale"}
	return []corruptStore{
		{"file null", writeCredentials("null"), append(fileLevel, "holds null")},
		{"file []", writeCredentials("[]"), append(fileLevel, "holds an array")},
		{"file a string", writeCredentials(`"polyscale:default"`), append(fileLevel, "holds a string")},
		{"file a number", writeCredentials("3"), append(fileLevel, "holds a number")},
		{"file invalid JSON", writeCredentials(`{"polyscale:default": {`), append(fileLevel, "not valid JSON")},
		{"file a symlink", func(t *testing.T, e *cmdtest.Env) {
			if runtime.GOOS == "windows" {
				t.Skip("symlinks need privileges on Windows")
			}
			target := filepath.Join(t.TempDir(), "elsewhere.json")
			if err := os.WriteFile(target, []byte("{}"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(target, filepath.Join(e.ConfigDir, "credentials.json")); err != nil {
				t.Fatal(err)
			}
		}, []string{"{file}", "symbolic link", "remove it"}},
		{"file a directory", func(t *testing.T, e *cmdtest.Env) {
			if err := os.Mkdir(filepath.Join(e.ConfigDir, "credentials.json"), 0o700); err != nil {
				t.Fatal(err)
			}
		}, []string{"{file}", "not a regular file"}},
		{"entry null", writeCredentials(`{"polyscale:default": null}`), append(entry, "is null")},
		{"entry []", writeCredentials(`{"polyscale:default": []}`), append(entry, "is an array")},
		{"entry {}", writeCredentials(`{"polyscale:default": {}}`), invalid},
		{"entry a string", writeCredentials(`{"polyscale:default": "rt-123"}`), append(entry, "is a string")},
		{"entry another profile's record", writeCredentials(`{"polyscale:default": {"p":"polyscale","pr":"work"}}`), invalid},
		{"entry with wrong types", writeCredentials(`{"polyscale:default": {"p":"polyscale","pr":"default","s":"caches:read"}}`), invalid},
	}
}

// checkRefusedBeforeTheLogin runs connect and checks it exits 1 with says
// before any authorize request, browser or listener, and without panicking.
func checkRefusedBeforeTheLogin(t *testing.T, e *cmdtest.Env, says []string, args ...string) cmdtest.Result {
	t.Helper()
	authorize := e.CountRequests(t, http.MethodGet, "/oauth2/auth")
	args = append([]string{"connect", "polyscale"}, args...)
	r := cmdtest.CheckExit(t, e.Run(args...), 1, args)
	for _, want := range says {
		want = strings.ReplaceAll(want, "{file}", filepath.Join(e.ConfigDir, "credentials.json"))
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.Stderr)
		}
	}
	if strings.Contains(r.Stderr, "panic") || strings.Contains(r.Stderr, "nil map") {
		t.Errorf("panicked:\n%s", r.Stderr)
	}
	if n := authorize(); n != 0 {
		t.Errorf("authorize requests = %d, want 0", n)
	}
	if c := e.Sandbox.Counters.Snapshot(); c.Authorizations != 0 || c.CodeExchanges != 0 {
		t.Errorf("authorizations %d, code exchanges %d; want 0 and 0", c.Authorizations, c.CodeExchanges)
	}
	if n := e.BrowserOpened.Load(); n != 0 {
		t.Errorf("browser opened %d times", n)
	}
	if e.LoginListening() {
		t.Error("the callback port is still bound")
	}
	return r
}

// Item 6: a corrupt credentials file, of any shape, is a clear error (exit
// 1) naming the file and what to do, before any authorize request; the
// file is left as it was.
func TestConnectRefusesACorruptCredentialsFileBeforeTheLogin(t *testing.T) {
	t.Parallel()
	for _, tc := range corruptFiles() {
		for _, mode := range []string{"file", "auto"} {
			t.Run(tc.name+"/"+mode, func(t *testing.T) {
				t.Parallel()
				e := cmdtest.New(t, cmdtest.Options{})
				e.Setenv("CACHELINK_TOKEN_STORE", mode)
				tc.setup(t, e)
				path := filepath.Join(e.ConfigDir, "credentials.json")
				before, _ := os.ReadFile(path)
				checkRefusedBeforeTheLogin(t, e, tc.says)
				if after, _ := os.ReadFile(path); string(after) != string(before) {
					t.Errorf("the file changed from %q to %q", before, after)
				}
				if items := e.Keyring.Items("cachelink"); len(items) != 0 {
					t.Errorf("stored %v", keys(items))
				}
			})
		}
	}
}

// What the error says to do works: a broken entry goes with disconnect,
// and connect then logs in; the hint carries --profile.
func TestConnectAfterDisconnectingABrokenEntry(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	e.Setenv("CACHELINK_TOKEN_STORE", "file")
	writeCredentials(`{"polyscale:work": null, "upstash:default": {"p":"upstash","pr":"default","a":"dev@example.com","k":"key"}}`)(t, e)
	checkRefusedBeforeTheLogin(t, e, []string{"cachelink disconnect polyscale --profile work"}, "--profile", "work")

	e.MustRun(t, "disconnect", "polyscale", "--profile", "work")
	connect(t, e, "polyscale", "--profile", "work")
	e.MustRun(t, "token", "polyscale", "--profile", "work")
	data, _ := os.ReadFile(filepath.Join(e.ConfigDir, "credentials.json"))
	if !strings.Contains(string(data), "dev@example.com") {
		t.Errorf("the other login was lost:\n%s", data)
	}
}

// An empty object is an empty store, as disconnecting the last login
// leaves it: connect logs in.
func TestConnectWithAnEmptyCredentialsFile(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	e.Setenv("CACHELINK_TOKEN_STORE", "file")
	writeCredentials("{}\n")(t, e)
	connect(t, e, "polyscale")
	e.MustRun(t, "disconnect", "polyscale")
	connect(t, e, "polyscale")
}

// Item 6, keychain: an unreadable record for the profile in the keychain
// is refused the same way, naming the item and what to do; and a keychain
// that is down in keyring mode fails before the login.
func TestConnectRefusesAnUnreadableKeychainRecordBeforeTheLogin(t *testing.T) {
	t.Parallel()
	for _, value := range []string{"garbage", "null", "[]", "{}", `{"p":"polyscale","pr":"work"}`, `cachelink-chunked:{"chunks":3,"sha256":"` + strings.Repeat("ab", 32) + `"}`} {
		for _, mode := range []string{"keyring", "auto"} {
			t.Run(mode+"/"+value, func(t *testing.T) {
				t.Parallel()
				e := cmdtest.New(t, cmdtest.Options{})
				e.Setenv("CACHELINK_TOKEN_STORE", mode)
				if err := e.Keyring.Set("cachelink", "polyscale:default", value); err != nil {
					t.Fatal(err)
				}
				checkRefusedBeforeTheLogin(t, e, []string{`keychain item "polyscale:default"`, "cachelink disconnect polyscale"})
				if got := e.Keyring.Items("cachelink")["polyscale:default"]; got != value {
					t.Error("the keychain item was changed")
				}

				e.MustRun(t, "disconnect", "polyscale")
				connect(t, e, "polyscale")
				e.MustRun(t, "token", "polyscale")
			})
		}
	}
	t.Run("keyring mode, keychain down", func(t *testing.T) {
		t.Parallel()
		e := cmdtest.New(t, cmdtest.Options{})
		e.Setenv("CACHELINK_TOKEN_STORE", "keyring")
		e.Keyring.Fail.Store(true)
		checkRefusedBeforeTheLogin(t, e, []string{"keychain", "CACHELINK_TOKEN_STORE=file"})
	})
}

// Item 6: two connects of the same provider and profile cannot interleave:
// while one waits for its browser, the other fails at once (exit 1) saying
// so, and only one login happens.
func TestConcurrentConnectsOfOneProfileDoNotInterleave(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	release := make(chan struct{})
	e.Browser = func(u string) error {
		<-release // the person is still in the browser
		return e.Follow(u)
	}
	results := make(chan cmdtest.Result, 2)
	for range 2 {
		go func() { results <- e.Run("connect", "polyscale") }()
	}
	var first cmdtest.Result
	select {
	case first = <-results:
	case <-time.After(20 * time.Second):
		close(release)
		t.Fatal("neither connect finished while one waited for its browser: both are waiting, nothing serialised them")
	}
	close(release)
	second := <-results
	args := []string{"connect", "polyscale"}
	cmdtest.CheckExit(t, first, 1, args)
	if !strings.Contains(first.Stderr, "another 'cachelink connect polyscale' is in progress") {
		t.Errorf("the second connect should say another is in progress:\n%s", first.Stderr)
	}
	if strings.Contains(first.Stderr, "http://") {
		t.Errorf("the refused connect printed a URL:\n%s", first.Stderr)
	}
	cmdtest.CheckExit(t, second, 0, args)
	if n := e.BrowserOpened.Load(); n != 1 {
		t.Errorf("browser opened %d times, want 1", n)
	}
	if c := e.Sandbox.Counters.Snapshot(); c.Authorizations != 1 || c.CodeExchanges != 1 {
		t.Errorf("authorizations %d, code exchanges %d; want 1 and 1", c.Authorizations, c.CodeExchanges)
	}

	// Commands using the stored login are not held up by a new login of
	// the same profile waiting for its browser.
	release2 := make(chan struct{})
	e.Browser = func(u string) error { <-release2; return e.Follow(u) }
	done := make(chan cmdtest.Result, 1)
	go func() { done <- e.Run("connect", "polyscale") }()
	for deadline := time.Now().Add(10 * time.Second); !e.LoginListening(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			close(release2)
			t.Fatal("the second login never listened")
		}
	}
	if r := e.Run("token", "polyscale"); r.Code != 0 {
		t.Errorf("token during a login of the same profile: exit %d\n%s", r.Code, r.Stderr)
	}
	close(release2)
	if r := <-done; r.Code != 0 {
		t.Errorf("connect: exit %d\n%s", r.Code, r.Stderr)
	}
}

// Item 3 in a real browser: the person approves, the token endpoint then
// refuses the code; the browser shows that the login failed, and why.
func TestConnectRefusedCodeInARealBrowser(t *testing.T) {
	e := cmdtest.New(t, cmdtest.Options{Consent: true})
	e.AddFault(t, sandbox.FaultRule{Kind: sandbox.FaultError, Status: http.StatusServiceUnavailable, Method: http.MethodPost, PathPrefix: "/oauth2/token"})
	r, v := connectInChromium(t, e, "polyscale", consentClick{Button: "approve", PickWorkspace: true, WaitFor: "did not connect"})

	if r.Code != 4 {
		t.Errorf("connect: exit %d, want 4; stderr:\n%s", r.Code, r.Stderr)
	}
	for _, want := range []string{"PolyScale did not connect", "PolyScale refused the authorization code (temporarily_unavailable", "Return to the terminal"} {
		if !strings.Contains(v.Text, want) {
			t.Errorf("the browser shows %q, want it to say %q", v.Text, want)
		}
	}
	if strings.Contains(v.Text, "is connected") {
		t.Errorf("the browser says connected for a failed login: %q", v.Text)
	}
	checkLoopbackPage(t, e, v, "/callback")
	if items := e.Keyring.Items("cachelink"); len(items) != 0 {
		t.Errorf("stored %v after a refused code", keys(items))
	}
}
