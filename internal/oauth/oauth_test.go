package oauth_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cachelink/cachelink/internal/oauth"
)

// A login against each provider: the browser is redirected to the
// listener, the code is exchanged once, the token has a refresh token.
func TestLoginWithTheBrowser(t *testing.T) {
	t.Parallel()
	for _, provider := range []string{"polyscale", "upstash"} {
		t.Run(provider, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			stderr := newRecorder()
			b := newBrowser(t)
			cfg := e.config(provider, stderr)
			cfg.OpenBrowser = b.open

			tok, err := oauth.Login(context.Background(), cfg)
			if err != nil {
				t.Fatalf("Login: %v\nstderr:\n%s", err, stderr)
			}
			if tok.AccessToken == "" || tok.RefreshToken == "" {
				t.Errorf("token without access or refresh token: access %t, refresh %t", tok.AccessToken != "", tok.RefreshToken != "")
			}
			if c := e.sb.Counters.Snapshot(); c.CodeExchanges != 1 || c.Authorizations != 1 {
				t.Errorf("authorizations %d, code exchanges %d; want 1 and 1", c.Authorizations, c.CodeExchanges)
			}
			v := b.lastVisit(t)
			if v.status != http.StatusOK {
				t.Errorf("the browser ended on status %d: %s", v.status, v.body)
			}
			out := stderr.String()
			mustContain(t, "stderr", out, "Open this URL in your browser to connect "+cfg.ProviderName+":\n  http://")
			for name, secret := range map[string]string{"code": v.landedOn.Query().Get("code"), "access token": tok.AccessToken, "refresh token": tok.RefreshToken} {
				if secret != "" && strings.Contains(out, secret) {
					t.Errorf("stderr shows the %s", name)
				}
			}
			if strings.Contains(out, "paste") {
				t.Errorf("with a working browser there is no paste prompt:\n%s", out)
			}
			assertPortFree(t, e.port)
		})
	}
}

// The authorize URL carries PKCE S256 and a 32-byte state, both new on
// every login, and exactly the registered redirect URI and extra params.
func TestAuthorizeURLIsFreshEveryTime(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var seen []url.Values
	for range 2 {
		ctx, cancel := context.WithCancel(context.Background())
		cfg := e.config("upstash", newRecorder())
		cfg.OpenBrowser = func(u string) error {
			pu, err := url.Parse(u)
			if err != nil {
				t.Error(err)
			}
			seen = append(seen, pu.Query())
			cancel()
			return nil
		}
		if _, err := oauth.Login(ctx, cfg); !errors.Is(err, context.Canceled) {
			t.Fatalf("Login: %v, want context.Canceled", err)
		}
	}
	for _, q := range seen {
		if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
			t.Errorf("no PKCE S256: %v", q)
		}
		if raw, err := base64.RawURLEncoding.DecodeString(q.Get("state")); err != nil || len(raw) != 32 {
			t.Errorf("state %q is not 32 random bytes in base64url (%v)", q.Get("state"), err)
		}
		if q.Get("redirect_uri") != e.redirect("upstash") || q.Get("audience") != "upstash-api" {
			t.Errorf("redirect_uri %q audience %q", q.Get("redirect_uri"), q.Get("audience"))
		}
	}
	if seen[0].Get("state") == seen[1].Get("state") || seen[0].Get("code_challenge") == seen[1].Get("code_challenge") {
		t.Error("two logins share a state or a PKCE verifier")
	}
}

// Any local process can reach the port: what is not the real callback, on
// the real path and Host, with the real state, gets an error and the login
// goes on.
func TestListenerRejectsAllButTheCallback(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := newBrowser(t)
	type forged struct {
		name, method, url, host string
		want                    int
	}
	var (
		mu  sync.Mutex
		got = map[string]int{}
	)
	b.before = func(authURL string) {
		au, _ := url.Parse(authURL)
		state := au.Query().Get("state")
		base := "http://127.0.0.1:" + e.port
		host := "localhost:" + e.port
		reqs := []forged{
			{"wrong state", "GET", base + "/callback?code=forged&state=wrong", host, 400},
			{"missing state", "GET", base + "/callback?code=forged", host, 400},
			{"right state, no code", "GET", base + "/callback?state=" + state, host, 400},
			{"wrong Host (DNS rebinding)", "GET", base + "/callback?code=forged&state=" + state, "evil.example:" + e.port, 400},
			{"IP literal Host for a localhost redirect", "GET", base + "/callback?code=forged&state=" + state, "127.0.0.1:" + e.port, 400},
			{"wrong path", "GET", base + "/other?code=forged&state=" + state, host, 404},
			{"root path", "GET", base + "/?code=forged&state=" + state, host, 404},
			{"POST", "POST", base + "/callback?code=forged&state=" + state, host, 405},
		}
		if hasIPv6Loopback() {
			reqs = append(reqs, forged{"wrong state on [::1]", "GET", "http://[::1]:" + e.port + "/callback?code=forged&state=wrong", host, 400})
		}
		for _, f := range reqs {
			req, _ := http.NewRequest(f.method, f.url, nil)
			req.Host = f.host
			resp, err := b.client.Do(req)
			if err != nil {
				t.Errorf("%s: %v", f.name, err)
				continue
			}
			resp.Body.Close()
			mu.Lock()
			got[f.name] = resp.StatusCode
			mu.Unlock()
			if resp.StatusCode != f.want {
				t.Errorf("%s: status %d, want %d", f.name, resp.StatusCode, f.want)
			}
			if resp.Header.Get("Referrer-Policy") != "no-referrer" {
				t.Errorf("%s: no Referrer-Policy", f.name)
			}
		}
	}
	cfg := e.config("polyscale", newRecorder())
	cfg.OpenBrowser = b.open

	tok, err := oauth.Login(context.Background(), cfg)
	if err != nil {
		t.Fatalf("a forged callback ended the login: %v", err)
	}
	if tok.AccessToken == "" {
		t.Error("no access token")
	}
	if c := e.sb.Counters.Snapshot(); c.CodeExchanges != 1 {
		t.Errorf("code exchanges %d, want 1 (the forged code must never be exchanged)", c.CodeExchanges)
	}
	if v := b.lastVisit(t); v.status != http.StatusOK {
		t.Errorf("real callback: status %d", v.status)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) < 8 {
		t.Errorf("only %d forged requests answered", len(got))
	}
}

// The page after the redirect: says the account is connected, carries no
// code and no external resource, leaks nothing through Referer, is never
// cached, and does not redirect.
func TestSuccessPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := newBrowser(t)
	cfg := e.config("polyscale", newRecorder())
	cfg.OpenBrowser = b.open
	if _, err := oauth.Login(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	v := b.lastVisit(t)
	if v.landedOn.Host != "localhost:"+e.port || v.landedOn.Path != "/callback" {
		t.Errorf("the browser ended on %s, want the callback (no redirect away)", v.landedOn.Redacted())
	}
	for h, want := range map[string]string{
		"Referrer-Policy":         "no-referrer",
		"Content-Security-Policy": "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'",
		"Cache-Control":           "no-store",
		"Content-Type":            "text/html; charset=utf-8",
	} {
		if got := v.header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	mustContain(t, "page", v.body, "Your PolyScale account is connected. You can close this window.")
	mustContain(t, "page", v.body, "window.close()")
	code := v.landedOn.Query().Get("code")
	if code == "" || strings.Contains(v.body, code) {
		t.Errorf("the page echoes the code (or the browser got none: %q)", code)
	}
	for _, ext := range []string{"src=", "href=", "http://", "https://", "@import", "url("} {
		if strings.Contains(v.body, ext) {
			t.Errorf("the page refers to something external (%q)", ext)
		}
	}
}

// A port taken on one loopback family is as bad as taken on both: fail
// before the browser opens, name the port and the way out, and leave the
// other family free.
func TestPortInUse(t *testing.T) {
	t.Parallel()
	for _, family := range []string{"127.0.0.1", "::1"} {
		t.Run(family, func(t *testing.T) {
			t.Parallel()
			if family == "::1" && !hasIPv6Loopback() {
				t.Skip("no IPv6 loopback on this machine: [::1] cannot be taken")
			}
			e := newEnv(t)
			taken := net.JoinHostPort(family, e.port)
			l, err := net.Listen("tcp", taken)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			cfg := e.config("polyscale", newRecorder())
			cfg.OpenBrowser = neverOpen(t)

			_, err = oauth.Login(context.Background(), cfg)
			if !errors.Is(err, oauth.ErrPortInUse) {
				t.Fatalf("Login: %v, want ErrPortInUse", err)
			}
			var pe *oauth.PortError
			if !errors.As(err, &pe) || pe.Addr != taken {
				t.Fatalf("PortError for %v, want %s", pe, taken)
			}
			mustContain(t, "message", err.Error(), "port "+e.port)
			mustContain(t, "message", err.Error(), "--port")
			l.Close()
			assertPortFree(t, e.port)
		})
	}
}

// Without IPv6 the [::1] half of localhost is skipped; the login works on
// 127.0.0.1. And nothing is ever bound off loopback.
func TestLocalhostWithoutIPv6(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := newBrowser(t)
	var (
		mu    sync.Mutex
		addrs []string
	)
	cfg := e.config("polyscale", newRecorder())
	cfg.OpenBrowser = b.open
	cfg.Listen = func(network, addr string) (net.Listener, error) {
		mu.Lock()
		addrs = append(addrs, addr)
		mu.Unlock()
		if strings.HasPrefix(addr, "[::1]") {
			return nil, &net.OpError{Op: "listen", Net: network, Err: os.NewSyscallError("socket", syscall.EAFNOSUPPORT)}
		}
		return net.Listen(network, addr)
	}
	if _, err := oauth.Login(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if want := []string{"127.0.0.1:" + e.port, "[::1]:" + e.port}; !slices.Equal(addrs, want) {
		t.Errorf("bound %q, want %q", addrs, want)
	}
}

// Redirect URLs that would listen off loopback, on a random port or over
// https are refused before anything is bound.
func TestRedirectURLMustBeLoopbackWithAPort(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, redirect := range []string{
		"http://0.0.0.0:3000/callback",
		"http://:3000/callback",
		"http://example.com:3000/callback",
		"http://localhost/callback",
		"http://localhost:0/callback",
		"https://localhost:3000/callback",
		"http://127.0.0.2:3000/callback",
	} {
		cfg := e.config("polyscale", newRecorder())
		cfg.OAuth2.RedirectURL = redirect
		cfg.OpenBrowser = neverOpen(t)
		cfg.Listen = func(_, addr string) (net.Listener, error) {
			t.Errorf("%s: Listen(%q) called", redirect, addr)
			return nil, errors.New("no")
		}
		if _, err := oauth.Login(context.Background(), cfg); err == nil || errors.Is(err, oauth.ErrPortInUse) {
			t.Errorf("%s: Login: %v, want a redirect URL error", redirect, err)
		}
	}
}

// The user clicks Deny: the login ends with the provider's message and no
// code is exchanged.
func TestAccessDenied(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.sb.PolyScaleAuth.DenyNext()
	b := newBrowser(t)
	cfg := e.config("polyscale", newRecorder())
	cfg.OpenBrowser = b.open

	_, err := oauth.Login(context.Background(), cfg)
	if !errors.Is(err, oauth.ErrAccessDenied) {
		t.Fatalf("Login: %v, want ErrAccessDenied", err)
	}
	var pe *oauth.ProviderError
	if !errors.As(err, &pe) || pe.Code != "access_denied" || pe.Description == "" {
		t.Errorf("ProviderError %+v", pe)
	}
	mustContain(t, "message", err.Error(), "PolyScale")
	if c := e.sb.Counters.Snapshot(); c.CodeExchanges != 0 || c.Denials != 1 {
		t.Errorf("denials %d, code exchanges %d; want 1 and 0", c.Denials, c.CodeExchanges)
	}
	v := b.lastVisit(t)
	mustContain(t, "page", v.body, "PolyScale did not connect")
	assertPortFree(t, e.port)
}

// A user who never comes back: ErrTimeout, and the port is free again.
func TestTimeout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cfg := e.config("polyscale", newRecorder())
	cfg.Timeout = 300 * time.Millisecond

	start := time.Now()
	_, err := oauth.Login(context.Background(), cfg)
	if !errors.Is(err, oauth.ErrTimeout) {
		t.Fatalf("Login: %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("gave up after %s", d)
	}
	assertPortFree(t, e.port)
}

// Ctrl-C: context.Canceled, and the port is free again.
func TestCancel(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := e.config("polyscale", newRecorder())
	cfg.OpenBrowser = func(string) error { cancel(); return nil } // the user hits Ctrl-C instead

	if _, err := oauth.Login(ctx, cfg); !errors.Is(err, context.Canceled) {
		t.Fatalf("Login: %v, want context.Canceled", err)
	}
	assertPortFree(t, e.port)
}

// Over SSH the browser is on another machine: its redirect to localhost
// fails there, and the user pastes the address (or "code state") here.
func TestPaste(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		provider string
		typed    func(landed *url.URL) []string
		stderr   string // must appear
	}{
		{"full URL", "polyscale", func(u *url.URL) []string { return []string{u.String()} }, ""},
		{"full URL without path", "upstash", func(u *url.URL) []string { return []string{u.String()} }, ""},
		{"code and state", "polyscale", func(u *url.URL) []string {
			return []string{u.Query().Get("code") + " " + u.Query().Get("state")}
		}, ""},
		{"blank line and junk first", "polyscale", func(u *url.URL) []string { return []string{"", "yes", u.String()} }, "not the address"},
		{"wrong state, then the right one", "polyscale", func(u *url.URL) []string {
			wrong := *u
			q := wrong.Query()
			q.Set("state", "someone-elses-login")
			wrong.RawQuery = q.Encode()
			return []string{wrong.String(), u.String()}
		}, "state mismatch"},
		{"another provider's callback path", "polyscale", func(u *url.URL) []string {
			other := *u
			other.Path = "/elsewhere"
			return []string{other.String(), u.String()}
		}, "not the address"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			stderr := newRecorder()
			in, typeLine := pipe(t)
			cfg := e.config(tc.provider, stderr)
			cfg.NoBrowser = true
			cfg.OpenBrowser = neverOpen(t)
			cfg.PasteInput = oauth.NewTerminal(in)

			done := loginAsync(context.Background(), cfg)
			landed := redirectedTo(t, stderr.authorizeURL(t))
			for _, line := range tc.typed(landed) {
				typeLine(line)
			}
			r := wait(t, done)
			if r.err != nil {
				t.Fatalf("Login: %v\nstderr:\n%s", r.err, stderr)
			}
			if r.tok.AccessToken == "" {
				t.Error("no access token")
			}
			if c := e.sb.Counters.Snapshot(); c.CodeExchanges != 1 {
				t.Errorf("code exchanges %d, want 1", c.CodeExchanges)
			}
			out := stderr.String()
			mustContain(t, "stderr", out, "paste here the full address")
			mustContain(t, "stderr", out, e.redirect(tc.provider)+"?code=...&state=...")
			if tc.stderr != "" {
				mustContain(t, "stderr", out, tc.stderr)
			}
			if strings.Contains(out, landed.Query().Get("code")) {
				t.Error("stderr echoes the code")
			}
			assertPortFree(t, e.port)
		})
	}
}

// A browser that cannot be opened is said so on stderr, and the paste
// path takes over.
func TestBrowserFailureFallsBackToPaste(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	stderr := newRecorder()
	in, typeLine := pipe(t)
	cfg := e.config("polyscale", stderr)
	cfg.OpenBrowser = func(string) error { return errors.New("xdg-open: no method available") }
	cfg.PasteInput = oauth.NewTerminal(in)

	done := loginAsync(context.Background(), cfg)
	typeLine(redirectedTo(t, stderr.authorizeURL(t)).String())
	if r := wait(t, done); r.err != nil {
		t.Fatalf("Login: %v\nstderr:\n%s", r.err, stderr)
	}
	mustContain(t, "stderr", stderr.String(), "Could not open a browser (xdg-open: no method available)")
}

// CheckRedirect (doctor's check) binds what Login binds and says which
// address is taken.
func TestCheckRedirect(t *testing.T) {
	t.Parallel()
	port := freePort(t)
	results, err := oauth.CheckRedirect("http://localhost:"+port+"/callback", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Err != nil {
			t.Errorf("%s: %v, want free", r.Addr, r.Err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	results, _ = oauth.CheckRedirect("http://localhost:"+port+"/callback", nil)
	if len(results) == 0 || !errors.Is(results[0].Err, oauth.ErrPortInUse) || results[0].Addr != "127.0.0.1:"+port {
		t.Errorf("results = %+v, want 127.0.0.1:%s in use", results, port)
	}
	if _, err := oauth.CheckRedirect("http://example.com:3000/", nil); err == nil {
		t.Error("a redirect URL off loopback was accepted")
	}
}

// After a login that took the browser's redirect while the paste path was
// listening, the next line typed at the terminal goes to the caller's next
// prompt, not to the paste reader of a login that has ended.
func TestALineTypedAfterTheLoginIsNotLost(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	stderr := newRecorder()
	in, typeLine := pipe(t)
	term := oauth.NewTerminal(in)
	cfg := e.config("polyscale", stderr)
	cfg.NoBrowser = true
	cfg.OpenBrowser = neverOpen(t)
	cfg.PasteInput = term

	done := loginAsync(context.Background(), cfg)
	landed := redirectedTo(t, stderr.authorizeURL(t))
	resp, err := http.Get(landed.String()) // the browser reaches the listener after all
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if r := wait(t, done); r.err != nil {
		t.Fatalf("Login: %v", r.err)
	}

	go typeLine("dev@example.com")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if line, ok := term.Next(ctx); !ok || line != "dev@example.com" {
		t.Errorf("next line = %q (%v), want the email typed after the login", line, ok)
	}
}

// While the browser is out, a terminal is told that the login waits for it
// and how to give up; a pipe's stderr gets no such line (scripts and
// wrappers read it as before).
func TestWaitingLineOnATerminalOnly(t *testing.T) {
	t.Parallel()
	for _, tty := range []bool{true, false} {
		t.Run(fmt.Sprintf("tty=%t", tty), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			stderr := newRecorder()
			b := newBrowser(t)
			cfg := e.config("polyscale", stderr)
			cfg.OpenBrowser = b.open
			cfg.StderrTTY = tty
			if _, err := oauth.Login(context.Background(), cfg); err != nil {
				t.Fatalf("Login: %v\nstderr:\n%s", err, stderr)
			}
			out := stderr.String()
			if got := strings.Count(out, oauth.WaitingLine+"\n"); got != map[bool]int{true: 1, false: 0}[tty] {
				t.Fatalf("the waiting line appears %d times on stderr:\n%s", got, out)
			}
			if tty && !strings.Contains(out, "\n  http://") {
				t.Fatalf("the URL is still shown:\n%s", out)
			}
		})
	}
}
