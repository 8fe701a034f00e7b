package auth_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cachelink/cachelink/internal/cmdtest"
	"github.com/cachelink/cachelink/internal/sandbox"
)

// connect logs in to provider through the sandbox and fails the test
// otherwise.
func connect(t *testing.T, e *cmdtest.Env, provider string, args ...string) cmdtest.Result {
	t.Helper()
	r := e.Run(append([]string{"connect", provider}, args...)...)
	if r.Code != 0 {
		t.Fatalf("connect %s: exit %d\nstderr:\n%s", provider, r.Code, r.Stderr)
	}
	return r
}

func TestConnectPolyScaleStoresTheLoginInTheKeychain(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	r := connect(t, e, "polyscale")

	if r.Stdout != "" {
		t.Errorf("stdout = %q, want nothing: connect's chatter goes to stderr", r.Stdout)
	}
	for _, want := range []string{"Open this URL in your browser to connect PolyScale:", "/oauth2/auth?", "code_challenge_method=S256", "✓ Connected to PolyScale"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.Stderr)
		}
	}
	if n := e.BrowserOpened.Load(); n != 1 {
		t.Errorf("browser opened %d times, want 1", n)
	}
	if n := e.Sandbox.Counters.CodeExchanges.Load(); n != 1 {
		t.Errorf("code exchanges = %d, want exactly 1", n)
	}
	if _, ok := e.Keyring.Items("cachelink")["polyscale:default"]; !ok {
		t.Errorf("no keychain item polyscale:default; items: %v", keys(e.Keyring.Items("cachelink")))
	}
	if _, err := os.Stat(filepath.Join(e.ConfigDir, "credentials.json")); err == nil {
		t.Error("credentials.json written although the keychain works")
	}

	// The stored access token is one the provider accepts.
	tok := e.Run("token", "polyscale")
	if tok.Code != 0 {
		t.Fatalf("token: exit %d: %s", tok.Code, tok.Stderr)
	}
	p, err := e.Sandbox.PolyScaleAuth.VerifyAccessToken(context.Background(), strings.TrimSpace(tok.Stdout))
	if err != nil {
		t.Fatalf("the printed token is not valid at PolyScale: %v", err)
	}
	if len(p.Scopes) != 4 {
		t.Errorf("granted scopes = %v, want all four", p.Scopes)
	}
}

func TestConnectUpstashMintsADeveloperAPIKey(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	r := connect(t, e, "upstash")
	if !strings.Contains(r.Stderr, "✓ Connected to Upstash as "+e.Sandbox.Account.Email) {
		t.Errorf("stderr does not name the account:\n%s", r.Stderr)
	}
	if !strings.Contains(r.Stderr, "audience=upstash-api") {
		t.Errorf("authorize URL lacks audience=upstash-api:\n%s", r.Stderr)
	}
	if n := e.Sandbox.Counters.APIKeysMinted.Load(); n != 1 {
		t.Errorf("API keys minted = %d, want 1", n)
	}

	st := e.Run("status", "upstash", "-o", "json")
	var got struct {
		Connected bool   `json:"connected"`
		Source    string `json:"source"`
		Account   string `json:"account"`
		KeyName   string `json:"api_key_name"`
	}
	if err := json.Unmarshal([]byte(st.Stdout), &got); err != nil {
		t.Fatalf("status -o json: %v\n%s", err, st.Stdout)
	}
	if !got.Connected || got.Source != "keyring" || got.Account != e.Sandbox.Account.Email {
		t.Errorf("status = %+v", got)
	}
	if !regexp.MustCompile(`^cachelink_API_KEY_\d{10}$`).MatchString(got.KeyName) {
		t.Errorf("API key name = %q, want cachelink_API_KEY_<unix time>", got.KeyName)
	}

	// The key printed by token works with Basic email:key on /v2.
	key := strings.TrimSpace(e.Run("token", "upstash").Stdout)
	req, _ := http.NewRequest(http.MethodGet, e.Server.URL+"/v2/redis/databases", nil)
	req.SetBasicAuth(got.Account, key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /v2/redis/databases with the minted key: %s", resp.Status)
	}
}

// --no-input means "never wait for a person": connect refuses at once,
// with or without a browser, and names the CI way in. (Without --no-input,
// no browser and no terminal is a wrapper's run: see
// TestConnectNoBrowserWithoutATerminalWaitsForTheCallback.)
func TestConnectWithNoInputFailsAtOnce(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})

	r := e.Run("connect", "polyscale", "--no-input")
	if r.Code != 4 || !strings.Contains(r.Stderr, "POLYSCALE_API_KEY") {
		t.Errorf("--no-input: exit %d, want 4 naming POLYSCALE_API_KEY; stderr:\n%s", r.Code, r.Stderr)
	}

	e.BrowserUsable = false // no display, not a terminal, and told not to wait
	r = e.Run("connect", "upstash", "--no-input")
	if r.Code != 4 || !strings.Contains(r.Stderr, "UPSTASH_EMAIL and UPSTASH_API_KEY") {
		t.Errorf("no browser, no terminal, --no-input: exit %d, want 4 naming the env vars; stderr:\n%s", r.Code, r.Stderr)
	}
	if n := e.BrowserOpened.Load(); n != 0 {
		t.Errorf("browser opened %d times", n)
	}
	if n := e.Sandbox.Counters.Authorizations.Load(); n != 0 {
		t.Errorf("authorizations = %d, want 0", n)
	}
}

func TestConnectFailsBeforeTheBrowserWhenThePortIsTaken(t *testing.T) {
	t.Parallel()
	for _, host := range []string{"127.0.0.1", "::1"} {
		t.Run(host, func(t *testing.T) {
			t.Parallel()
			e := cmdtest.New(t, cmdtest.Options{})
			e.ReleasePort() // for another program to take
			l, err := net.Listen("tcp", net.JoinHostPort(host, e.Port))
			if err != nil {
				t.Skipf("cannot listen on %s here: %v", host, err)
			}
			defer l.Close()
			r := e.Run("connect", "polyscale")
			if r.Code != 1 {
				t.Errorf("exit %d, want 1", r.Code)
			}
			if want := "port " + e.Port + " is in use"; !strings.Contains(r.Stderr, want) || !strings.Contains(r.Stderr, "--port") {
				t.Errorf("stderr lacks %q and the --port way out:\n%s", want, r.Stderr)
			}
			if n := e.BrowserOpened.Load(); n != 0 {
				t.Errorf("browser opened %d times, want 0", n)
			}
		})
	}
}

func TestConnectAccessDeniedStoresNothing(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	e.Sandbox.PolyScaleAuth.DenyNext()
	r := e.Run("connect", "polyscale")
	if r.Code != 4 || !strings.Contains(r.Stderr, "access_denied") {
		t.Errorf("exit %d, want 4 with the provider's access_denied; stderr:\n%s", r.Code, r.Stderr)
	}
	if items := e.Keyring.Items("cachelink"); len(items) != 0 {
		t.Errorf("stored %v after a denial", keys(items))
	}
}

func TestForgedCallbackBeforeTheRealOneIsIgnored(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	e.Browser = func(u string) error {
		// Another local process guesses at the callback first.
		resp, err := http.Get("http://localhost:" + e.Port + "/callback?code=forged&state=forged-state")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("forged callback answered %s, want 400", resp.Status)
		}
		return e.Follow(u)
	}
	connect(t, e, "polyscale")
	if n := e.Sandbox.Counters.CodeExchanges.Load(); n != 1 {
		t.Errorf("code exchanges = %d, want 1", n)
	}
}

func TestConnectTimesOutWhenTheUserNeverReturns(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	e.Browser = func(string) error { return nil } // the tab is left open
	r := e.Run("connect", "polyscale", "--timeout", "300ms")
	if r.Code != 1 || !strings.Contains(r.Stderr, "timed out") || !strings.Contains(r.Stderr, "--timeout") {
		t.Errorf("exit %d, want 1 saying it timed out and how to wait longer; stderr:\n%s", r.Code, r.Stderr)
	}
	// The port is free again: the login closed its listeners.
	if e.LoginListening() {
		t.Error("the callback port stays taken after the timeout")
	}
}

func TestCtrlCDuringConnectExits130(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	e.Browser = func(string) error { cancel(); return nil }
	r := e.RunWith(cmdtest.RunOptions{Ctx: ctx}, "connect", "polyscale")
	if r.Code != 130 {
		t.Errorf("exit %d, want 130; stderr:\n%s", r.Code, r.Stderr)
	}
}

func TestConnectOverSSHTakesThePastedAddress(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	e.BrowserUsable = false // SSH session: the browser is on the user's laptop
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	paste := func(line string) string {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, e.Server.URL+"/authorize?") {
			return ""
		}
		// On the laptop: approve, and copy the address the browser lands on
		// (a page that does not load there).
		resp, err := noRedirect.Get(line)
		if err != nil {
			t.Error(err)
			return ""
		}
		resp.Body.Close()
		return "garbage that is not an address\n" + resp.Header.Get("Location") + "\n"
	}
	r := e.RunWith(cmdtest.RunOptions{StdinTTY: true, OnStderrLine: paste}, "connect", "upstash")
	if r.Code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", r.Code, r.Stderr)
	}
	if n := e.BrowserOpened.Load(); n != 0 {
		t.Errorf("browser opened %d times over SSH", n)
	}
	if !strings.Contains(r.Stderr, "paste") || !strings.Contains(r.Stderr, "That is not the address") {
		t.Errorf("stderr should prompt for the paste and reject the garbage line:\n%s", r.Stderr)
	}
}

func TestEnvironmentCredentialsNeverTouchTheKeychain(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	e.Setenv("POLYSCALE_API_KEY", "ps-key-from-ci")
	e.Setenv("UPSTASH_EMAIL", "ci@example.com")
	e.Setenv("UPSTASH_API_KEY", "up-key-from-ci")

	if r := e.Run("token", "polyscale"); r.Code != 0 || r.Stdout != "ps-key-from-ci\n" {
		t.Errorf("token polyscale = %q (exit %d)", r.Stdout, r.Code)
	}
	if r := e.Run("token", "upstash"); r.Code != 0 || r.Stdout != "up-key-from-ci\n" {
		t.Errorf("token upstash = %q (exit %d)", r.Stdout, r.Code)
	}
	r := e.Run("status")
	if r.Code != 0 || strings.Count(r.Stdout, "source:       env (") != 2 {
		t.Errorf("status (exit %d):\n%s", r.Code, r.Stdout)
	}
	if strings.Contains(r.Stdout, "ps-key-from-ci") || strings.Contains(r.Stdout, "up-key-from-ci") {
		t.Errorf("status shows a secret:\n%s", r.Stdout)
	}
	if n := e.Keyring.Calls.Load(); n != 0 {
		t.Errorf("the keychain was called %d times with env credentials set", n)
	}
}

func TestUpstashEnvironmentIsBothOrNeither(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	e.Setenv("UPSTASH_EMAIL", "ci@example.com")
	r := e.Run("token", "upstash")
	if r.Code != 2 || !strings.Contains(r.Stderr, "UPSTASH_API_KEY is not") {
		t.Errorf("exit %d, want 2 naming the missing UPSTASH_API_KEY; stderr:\n%s", r.Code, r.Stderr)
	}
}

func TestStatusOfAProviderNotConnectedExits4(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	r := e.Run("status", "polyscale")
	if r.Code != 4 || !strings.Contains(r.Stdout, "connected:    no") || !strings.Contains(r.Stderr, "cachelink connect polyscale") {
		t.Errorf("exit %d, want 4\nstdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
	}
	if r := e.Run("status"); r.Code != 0 {
		t.Errorf("status of all providers: exit %d, want 0 (it only reports)", r.Code)
	}
	if r := e.Run("token", "upstash"); r.Code != 4 {
		t.Errorf("token of a provider not connected: exit %d, want 4", r.Code)
	}
}

func TestTokenRefreshesAndStoresTheRotatedRefreshToken(t *testing.T) {
	t.Parallel()
	// Access tokens live two seconds; each run below comes after it expired.
	e := polyscaleShortTokens(t)
	connect(t, e, "polyscale")
	before := e.Keyring.Dump()

	time.Sleep(2100 * time.Millisecond)
	first := e.Run("token", "polyscale")
	time.Sleep(2100 * time.Millisecond)
	second := e.Run("token", "polyscale")
	if first.Code != 0 || second.Code != 0 {
		t.Fatalf("token: exit %d, %d\n%s%s", first.Code, second.Code, first.Stderr, second.Stderr)
	}
	if first.Stdout == second.Stdout {
		t.Error("the second run printed the same access token: no refresh happened")
	}
	if n := e.Sandbox.Counters.Refreshes.Load(); n != 2 {
		t.Errorf("refreshes = %d, want 2", n)
	}
	// Had the first rotation not been stored, the second refresh would have
	// reused a refresh token and revoked the family.
	if n := e.Sandbox.Counters.ReuseDetections.Load(); n != 0 {
		t.Errorf("reuse detections = %d, want 0", n)
	}
	if e.Keyring.Dump() == before {
		t.Error("the keychain item did not change after refreshing")
	}
}

func TestRevokedLoginAsksToConnectAgain(t *testing.T) {
	t.Parallel()
	e := polyscaleShortTokens(t)
	connect(t, e, "polyscale")
	time.Sleep(2100 * time.Millisecond) // expired: the next use must refresh
	// Revoke at the provider behind cachelink's back (the user removed the app).
	rec := e.Keyring.Items("cachelink")["polyscale:default"]
	var stored struct {
		RT string `json:"rt"`
	}
	if err := json.Unmarshal([]byte(rec), &stored); err != nil || stored.RT == "" {
		t.Fatalf("stored record has no refresh token: %v", err)
	}
	revoke(t, e, stored.RT)

	r := e.Run("token", "polyscale")
	if r.Code != 4 || !strings.Contains(r.Stderr, "cachelink connect polyscale") {
		t.Errorf("exit %d, want 4 asking to connect again; stderr:\n%s", r.Code, r.Stderr)
	}
	if _, ok := e.Keyring.Items("cachelink")["polyscale:default"]; !ok {
		t.Error("the record was deleted; a token we did not send is never thrown away")
	}
}

func TestKeychainUnavailableFallsBackToAFile(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	e.Keyring.Fail.Store(true)
	r := connect(t, e, "polyscale")
	if !strings.Contains(r.Stderr, "stored in plain text in") {
		t.Errorf("no warning about the file:\n%s", r.Stderr)
	}
	path := filepath.Join(e.ConfigDir, "credentials.json")
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("%s mode %04o, want 0600", path, info.Mode().Perm())
	}
	if r := e.Run("token", "polyscale"); r.Code != 0 {
		t.Errorf("token after the fallback: exit %d: %s", r.Code, r.Stderr)
	}
	st := e.Run("status", "polyscale")
	if !strings.Contains(st.Stdout, "credentials file") {
		t.Errorf("status does not say the file:\n%s", st.Stdout)
	}
}

func TestKeyringModeRefusesTheFile(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	e.Keyring.Fail.Store(true)
	e.Setenv("CACHELINK_TOKEN_STORE", "keyring")
	r := e.Run("connect", "polyscale")
	if r.Code != 1 || !strings.Contains(r.Stderr, "CACHELINK_TOKEN_STORE=file") {
		t.Errorf("exit %d, want 1 naming CACHELINK_TOKEN_STORE=file; stderr:\n%s", r.Code, r.Stderr)
	}
	if _, err := os.Stat(filepath.Join(e.ConfigDir, "credentials.json")); err == nil {
		t.Error("credentials.json written in keyring mode")
	}
}

func TestDisconnectRevokesAndForgets(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	connect(t, e, "polyscale")
	r := e.Run("disconnect", "polyscale")
	if r.Code != 0 || !strings.Contains(r.Stderr, "Revoked") || !strings.Contains(r.Stderr, "Disconnected PolyScale") {
		t.Errorf("exit %d; stderr:\n%s", r.Code, r.Stderr)
	}
	if n := e.Sandbox.Counters.Revocations.Load(); n != 1 {
		t.Errorf("revocations = %d, want 1", n)
	}
	if items := e.Keyring.Items("cachelink"); len(items) != 0 {
		t.Errorf("left in the keychain: %v", keys(items))
	}
	if r := e.Run("disconnect", "polyscale"); r.Code != 4 {
		t.Errorf("second disconnect: exit %d, want 4 (not connected)", r.Code)
	}
}

func TestDisconnectForgetsEvenWhenRevokingFails(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	connect(t, e, "polyscale")
	e.Setenv("CACHELINK_POLYSCALE_REVOKE_URL", "http://127.0.0.1:"+cmdtest.FreePort(t)+"/oauth2/revoke")
	r := e.Run("disconnect", "polyscale")
	if r.Code != 0 || !strings.Contains(r.Stderr, "could not revoke") || !strings.Contains(r.Stderr, "Disconnected PolyScale") {
		t.Errorf("exit %d, want 0 reporting both; stderr:\n%s", r.Code, r.Stderr)
	}
	if items := e.Keyring.Items("cachelink"); len(items) != 0 {
		t.Errorf("left in the keychain: %v", keys(items))
	}
}

func TestDisconnectUpstashNamesTheKeyToDelete(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	connect(t, e, "upstash")
	r := e.Run("disconnect", "upstash")
	if r.Code != 0 || !strings.Contains(r.Stderr, "cachelink_API_KEY_") {
		t.Errorf("exit %d; stderr should name the API key to delete:\n%s", r.Code, r.Stderr)
	}
}

func TestProfilesKeepSeparateLogins(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	connect(t, e, "polyscale", "--profile", "work", "--scopes", "caches:read")
	items := e.Keyring.Items("cachelink")
	if _, ok := items["polyscale:work"]; !ok {
		t.Fatalf("no item polyscale:work; items %v", keys(items))
	}
	if r := e.Run("status", "polyscale"); r.Code != 4 {
		t.Errorf("profile default: exit %d, want 4", r.Code)
	}
	r := e.Run("status", "polyscale", "--profile", "work")
	if r.Code != 0 || !strings.Contains(r.Stdout, "scopes:       caches:read\n") {
		t.Errorf("profile work: exit %d\n%s", r.Code, r.Stdout)
	}
}

func TestConnectRejectsBadFlagsBeforeListening(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	for _, args := range [][]string{
		{"connect", "polyscale", "--scopes", "caches:everything"},
		{"connect", "upstash", "--scopes", "caches:read"},
		{"connect", "polyscale", "--email", "a@b.c"},
		{"connect", "polyscale", "--port", "70000"},
		{"connect", "nosuch"},
	} {
		if r := e.Run(args...); r.Code != 2 {
			t.Errorf("%v: exit %d, want 2; stderr:\n%s", args, r.Code, r.Stderr)
		}
	}
	if n := e.BrowserOpened.Load(); n != 0 {
		t.Errorf("browser opened %d times", n)
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestSecretsNeverReachStderrEvenWithDebug(t *testing.T) {
	t.Parallel()
	e := polyscaleShortTokens(t)
	var stderr strings.Builder
	run := func(args ...string) cmdtest.Result {
		r := e.Run(append(args, "--debug")...)
		stderr.WriteString(r.Stderr)
		return r
	}
	if r := run("connect", "polyscale"); r.Code != 0 {
		t.Fatalf("connect polyscale: %s", r.Stderr)
	}
	if r := run("connect", "upstash"); r.Code != 0 {
		t.Fatalf("connect upstash: %s", r.Stderr)
	}
	time.Sleep(2100 * time.Millisecond) // the PolyScale access token expires: token refreshes it
	secrets := []string{
		strings.TrimSpace(run("token", "polyscale").Stdout),
		strings.TrimSpace(run("token", "upstash").Stdout),
	}
	for _, item := range e.Keyring.Items("cachelink") {
		var rec struct {
			AT string `json:"at"`
			RT string `json:"rt"`
			K  string `json:"k"`
		}
		if err := json.Unmarshal([]byte(item), &rec); err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, rec.AT, rec.RT, rec.K)
	}
	run("status")
	run("disconnect", "polyscale")

	out := stderr.String()
	if !strings.Contains(out, "[debug] POST ") || !strings.Contains(out, "/oauth2/token → 200") {
		t.Errorf("--debug traced no token request:\n%s", out)
	}
	for _, s := range secrets {
		if s == "" {
			continue
		}
		if strings.Contains(out, s) {
			t.Errorf("a secret (%.6s...) appears on stderr", s)
		}
	}
	if strings.Contains(out, "code=") && !strings.Contains(out, "code=REDACTED") {
		t.Errorf("an authorization code may appear on stderr:\n%s", out)
	}
}

// On a machine without a keychain (no D-Bus), auto mode stores logins in
// the file; with nothing there, commands say "not connected" (exit 4, the
// way CI scripts expect) and mention the keychain, rather than failing
// with a keychain error.
func TestWithoutAKeychainNothingStoredIsNotConnected(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	e.Keyring.Fail.Store(true)
	for _, args := range [][]string{{"status", "polyscale"}, {"token", "polyscale"}, {"disconnect", "upstash"}} {
		r := e.Run(args...)
		if r.Code != 4 || !strings.Contains(r.Stderr, "not connected") || !strings.Contains(r.Stderr, "keychain could not be checked") {
			t.Errorf("%v: exit %d, want 4 saying not connected and that the keychain was not checked; stderr:\n%s", args, r.Code, r.Stderr)
		}
	}
	connect(t, e, "polyscale") // falls back to the file
	if r := e.Run("disconnect", "polyscale"); r.Code != 0 {
		t.Errorf("disconnect after a file login: exit %d: %s", r.Code, r.Stderr)
	}
	if r := e.Run("disconnect", "polyscale"); r.Code != 4 {
		t.Errorf("second disconnect: exit %d, want 4", r.Code)
	}
}

// A token endpoint that fails (5xx) is the provider being unreachable, not
// the login being invalid: exit 5, and the stored login is kept.
func TestARefreshTheProviderCannotAnswerExits5AndKeepsTheLogin(t *testing.T) {
	t.Parallel()
	e := polyscaleShortTokens(t)
	connect(t, e, "polyscale")
	time.Sleep(2100 * time.Millisecond) // expired: the next use refreshes
	e.AddFault(t, sandbox.FaultRule{Kind: sandbox.FaultError, Status: 503, Count: 1, Method: "POST", PathPrefix: "/oauth2/token"})
	r := e.Run("token", "polyscale")
	if r.Code != 5 || !strings.Contains(r.Stderr, "answered 503") {
		t.Errorf("exit %d, want 5 saying the token endpoint answered 503; stderr:\n%s", r.Code, r.Stderr)
	}
	if r := e.Run("token", "polyscale"); r.Code != 0 {
		t.Errorf("the next try, with the endpoint back: exit %d: %s", r.Code, r.Stderr)
	}
}

// Upstash commands use the Developer API key, which does not expire: an
// expired OAuth access token is not refreshed for them.
func TestUpstashCommandsDoNotRefreshTheOAuthLogin(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	connect(t, e, "upstash")
	// The stored access token expired long ago.
	var rec map[string]any
	if err := json.Unmarshal([]byte(e.Keyring.Items("cachelink")["upstash:default"]), &rec); err != nil {
		t.Fatal(err)
	}
	rec["e"] = "2000-01-01T00:00:00Z"
	b, _ := json.Marshal(rec)
	if err := e.Keyring.Set("cachelink", "upstash:default", string(b)); err != nil {
		t.Fatal(err)
	}
	if r := e.Run("list", "upstash"); r.Code != 0 {
		t.Fatalf("list upstash: exit %d: %s", r.Code, r.Stderr)
	}
	if r := e.Run("token", "upstash"); r.Code != 0 {
		t.Fatalf("token upstash: exit %d: %s", r.Code, r.Stderr)
	}
	if n := e.Sandbox.Counters.Refreshes.Load(); n != 0 {
		t.Errorf("refreshes = %d, want 0", n)
	}
}
