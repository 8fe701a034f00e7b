package oauth_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/cachelink/cachelink/internal/oauth"
	"github.com/cachelink/cachelink/internal/sandbox"
)

// env is a sandbox serving both providers, whose clients have their
// redirect URIs on a loopback port free for this test.
type env struct {
	sb   *sandbox.Sandbox
	srv  *httptest.Server
	port string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{port: freePort(t)}
	clients := sandbox.DefaultClients()
	for i := range clients {
		switch clients[i].Provider {
		case "polyscale":
			clients[i].RedirectURIs = []string{e.redirect("polyscale")}
		case "upstash":
			clients[i].RedirectURIs = []string{e.redirect("upstash")}
		}
	}
	sb, err := sandbox.New(sandbox.Options{AutoApprove: true, Clients: clients})
	if err != nil {
		t.Fatal(err)
	}
	e.sb = sb
	e.srv = httptest.NewServer(sb.Handler())
	t.Cleanup(e.srv.Close)
	return e
}

// redirect is the redirect URI registered for provider: PolyScale has a
// callback path, Upstash the bare origin.
func (e *env) redirect(provider string) string {
	if provider == "upstash" {
		return "http://localhost:" + e.port
	}
	return "http://localhost:" + e.port + "/callback"
}

// config is a login to provider ("polyscale" or "upstash") as cachelink's
// providers will configure it, with stderr recorded and no browser.
func (e *env) config(provider string, stderr *recorder) oauth.Config {
	cfg := oauth.Config{Stderr: stderr, Timeout: 10 * time.Second}
	switch provider {
	case "polyscale":
		cfg.ProviderName = "PolyScale"
		cfg.OAuth2 = &oauth2.Config{
			ClientID:     "cachelink-sandbox",
			ClientSecret: "sandbox-polyscale-secret",
			RedirectURL:  e.redirect("polyscale"),
			Scopes:       []string{"caches:read", "caches:write", "cacheRules:read", "cacheRules:write"},
			Endpoint: oauth2.Endpoint{
				AuthURL:   e.srv.URL + "/oauth2/auth",
				TokenURL:  e.srv.URL + "/oauth2/token",
				AuthStyle: oauth2.AuthStyleInHeader,
			},
		}
	case "upstash":
		cfg.ProviderName = "Upstash"
		cfg.OAuth2 = &oauth2.Config{
			ClientID:    "cachelink-sandbox",
			RedirectURL: e.redirect("upstash"),
			Scopes:      []string{"offline_access", "openid", "email"},
			Endpoint: oauth2.Endpoint{
				AuthURL:   e.srv.URL + "/authorize",
				TokenURL:  e.srv.URL + "/oauth/token",
				AuthStyle: oauth2.AuthStyleInParams,
			},
		}
		cfg.AuthParams = []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("audience", "upstash-api")}
	default:
		panic(provider)
	}
	return cfg
}

// freePort returns a port nothing listens on (right now) on 127.0.0.1.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// hasIPv6Loopback reports whether [::1] can be bound here.
func hasIPv6Loopback() bool {
	l, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// assertPortFree checks that Login left nothing listening on port.
func assertPortFree(t *testing.T, port string) {
	t.Helper()
	hosts := []string{"127.0.0.1"}
	if hasIPv6Loopback() {
		hosts = append(hosts, "::1")
	}
	for _, h := range hosts {
		l, err := net.Listen("tcp", net.JoinHostPort(h, port))
		if err != nil {
			t.Errorf("port %s still taken on %s after Login returned: %v", port, h, err)
			continue
		}
		l.Close()
	}
}

// recorder is Config.Stderr: it keeps everything and hands over each
// authorize URL Login prints.
type recorder struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	urls chan string
}

var printedURL = regexp.MustCompile(`(?m)^  (http://\S+)$`)

func newRecorder() *recorder { return &recorder{urls: make(chan string, 4)} }

func (r *recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range printedURL.FindAllSubmatch(p, -1) {
		r.urls <- string(m[1])
	}
	return r.buf.Write(p)
}

func (r *recorder) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.buf.String()
}

// authorizeURL waits for the URL Login printed.
func (r *recorder) authorizeURL(t *testing.T) string {
	t.Helper()
	select {
	case u := <-r.urls:
		return u
	case <-time.After(5 * time.Second):
		t.Fatalf("Login printed no authorize URL; stderr:\n%s", r.String())
		return ""
	}
}

// visit is what the fake browser ended on.
type visit struct {
	status   int
	header   http.Header
	body     string
	landedOn *url.URL // the callback URL, with the code
	err      error
}

// browser is Config.OpenBrowser for tests: an HTTP client following
// redirects, from the authorize URL to the listener, in a goroutine as a
// real browser would.
type browser struct {
	calls  atomic.Int32
	visits chan visit
	client *http.Client
	before func(authURL string) // runs before the visit (forged requests)
}

func newBrowser(t *testing.T) *browser {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &browser{visits: make(chan visit, 1), client: &http.Client{Transport: tr, Timeout: 10 * time.Second}}
}

func (b *browser) open(authURL string) error {
	b.calls.Add(1)
	go func() {
		if b.before != nil {
			b.before(authURL)
		}
		resp, err := b.client.Get(authURL)
		if err != nil {
			b.visits <- visit{err: err}
			return
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		b.visits <- visit{status: resp.StatusCode, header: resp.Header, body: string(body), landedOn: resp.Request.URL, err: err}
	}()
	return nil
}

func (b *browser) lastVisit(t *testing.T) visit {
	t.Helper()
	select {
	case v := <-b.visits:
		if v.err != nil {
			t.Fatalf("browser: %v", v.err)
		}
		return v
	case <-time.After(5 * time.Second):
		t.Fatal("the browser never finished its visit")
		return visit{}
	}
}

// neverOpen is an OpenBrowser that must not be called.
func neverOpen(t *testing.T) func(string) error {
	return func(string) error {
		t.Error("OpenBrowser was called")
		return nil
	}
}

// redirectedTo follows authURL up to, not including, the redirect to the
// loopback listener, and returns that redirect: what the user copies from
// a browser on another machine.
func redirectedTo(t *testing.T, authURL string) *url.URL {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		t.Fatalf("authorize: status %d, no redirect: %v", resp.StatusCode, err)
	}
	return loc
}

// result is what Login returned.
type result struct {
	tok *oauth2.Token
	err error
}

// loginAsync runs Login in a goroutine.
func loginAsync(ctx context.Context, cfg oauth.Config) <-chan result {
	ch := make(chan result, 1)
	go func() {
		tok, err := oauth.Login(ctx, cfg)
		ch <- result{tok, err}
	}()
	return ch
}

func wait(t *testing.T, ch <-chan result) result {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(15 * time.Second):
		t.Fatal("Login did not return")
		return result{}
	}
}

// pipe is what the user types (Config.PasteInput reads it through a Terminal).
func pipe(t *testing.T) (*io.PipeReader, func(line string)) {
	pr, pw := io.Pipe()
	t.Cleanup(func() { pw.Close() })
	return pr, func(line string) {
		if _, err := io.WriteString(pw, line+"\n"); err != nil {
			t.Errorf("typing %q: %v", line, err)
		}
	}
}

func mustContain(t *testing.T, what, s, want string) {
	t.Helper()
	if !strings.Contains(s, want) {
		t.Errorf("%s does not contain %q:\n%s", what, want, s)
	}
}
