package acme

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cachelink/cachelink/internal/app"
	"github.com/cachelink/cachelink/internal/cmdtest"
	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/httpx"
	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/registry"
)

const clientID = "cachelink-acme-test"

// harness runs cachelink's real command tree with Acme registered after
// the real providers, against a fake Acme, with an in-memory keychain and
// an environment of its own (a map: no t.Setenv, so tests run in
// parallel).
type harness struct {
	t       *testing.T
	acme    *fakeAcme
	keyring *cmdtest.Keyring
	listen  func(network, addr string) (net.Listener, error)
	// Env is what f.Getenv reads; change it between runs.
	Env map[string]string
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	port, listen := holdLoopbackPort(t)
	redirect := "http://localhost:" + port + "/callback"
	acme := newFakeAcme(t, clientID, redirect)
	return &harness{t: t, acme: acme, keyring: cmdtest.NewKeyring(), listen: listen, Env: map[string]string{
		"CACHELINK_CONFIG_DIR":        t.TempDir(),
		"CACHELINK_ACME_API_URL":      acme.URL + "/acme",
		"CACHELINK_ACME_AUTH_URL":     acme.URL + acmeSpec.AuthPath,
		"CACHELINK_ACME_TOKEN_URL":    acme.URL + acmeSpec.TokenPath,
		"CACHELINK_ACME_REVOKE_URL":   acme.URL + acmeSpec.RevokePath,
		"CACHELINK_ACME_CLIENT_ID":    clientID,
		"CACHELINK_ACME_REDIRECT_URL": redirect,
	}}
}

type result struct {
	Code           int
	Stdout, Stderr string
}

// run runs `cachelink args...` in-process, as app.Main would.
func (h *harness) run(args ...string) result {
	h.t.Helper()
	env := maps.Clone(h.Env)
	ios, _, out, errOut := iostreams.Test()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code := app.RunWith(ctx, ios, args, func(f *cmdutil.Factory) {
		// The one registration a provider needs, here added by the test
		// rather than in internal/registry.
		f.Registry = append(registry.Providers(), cmdutil.Registration{Provider: Provider, Commands: Commands})
		f.Getenv = func(k string) string { return env[k] }
		f.Keyring = h.keyring
		f.OpenBrowser = follow
		f.BrowserUsable = func() bool { return true }
		f.Listen = h.listen
		f.Retry = httpx.Retry{BaseDelay: 10 * time.Millisecond, MaxDelay: 50 * time.Millisecond}
	})
	return result{Code: code, Stdout: out.String(), Stderr: errOut.String()}
}

// must runs args and fails the test unless it exits with code.
func (h *harness) must(code int, args ...string) result {
	h.t.Helper()
	r := h.run(args...)
	if r.Code != code {
		h.t.Fatalf("cachelink %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.Code, code, r.Stdout, r.Stderr)
	}
	return r
}

// follow is the browser: it GETs the authorize URL and follows the
// redirects, which the sandbox's auto-approve ends on connect's loopback
// listener.
func follow(url string) error {
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("browser landed on %s with %s", resp.Request.URL, resp.Status)
	}
	return nil
}

// holdLoopbackPort binds a port on 127.0.0.1 and, where there is IPv6, the
// same port on [::1], and returns it with a Listen func for the factory
// that hands connect those listeners: no other process can take the port
// between choosing it and the login listening on it.
func holdLoopbackPort(t *testing.T) (string, func(network, addr string) (net.Listener, error)) {
	t.Helper()
	for range 20 {
		l4, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		_, port, _ := net.SplitHostPort(l4.Addr().String())
		held := map[string]net.Listener{l4.Addr().String(): l4}
		l6, err := net.Listen("tcp", net.JoinHostPort("::1", port))
		switch {
		case err == nil:
			held[l6.Addr().String()] = l6
		case errors.Is(err, syscall.EADDRINUSE):
			l4.Close() // taken on [::1]: try another port
			continue
		} // any other error: no IPv6 here, and the login goes without [::1]
		var mu sync.Mutex
		t.Cleanup(func() {
			mu.Lock()
			defer mu.Unlock()
			for _, l := range held {
				l.Close()
			}
		})
		return port, func(network, addr string) (net.Listener, error) {
			mu.Lock()
			defer mu.Unlock()
			if l, ok := held[addr]; ok && network == "tcp" {
				delete(held, addr) // the login closes it when done
				return l, nil
			}
			return net.Listen(network, addr)
		}
	}
	t.Fatal("no port free on both 127.0.0.1 and [::1]")
	return "", nil
}

// statusJSON is the part of `status -o json` the test reads.
type statusJSON struct {
	Provider  string   `json:"provider"`
	Profile   string   `json:"profile"`
	Connected bool     `json:"connected"`
	Source    string   `json:"source"`
	Scopes    []string `json:"scopes"`
	EnvVars   []string `json:"env_vars"`
}

func decodeStatus(t *testing.T, r result) statusJSON {
	t.Helper()
	var st statusJSON
	if err := json.Unmarshal([]byte(r.Stdout), &st); err != nil {
		t.Fatalf("status -o json is not JSON: %v\n%s", err, r.Stdout)
	}
	return st
}

// oneLine returns stdout's only line, failing unless there is exactly one.
func oneLine(t *testing.T, r result) string {
	t.Helper()
	line, ok := strings.CutSuffix(r.Stdout, "\n")
	if !ok || line == "" || strings.Contains(line, "\n") {
		t.Fatalf("stdout is not one line:\n%q", r.Stdout)
	}
	return line
}

// TestAcmeLifecycle registers Acme next to the real providers and takes it
// through connect, status, token, create, connstr, the CI token and
// disconnect, with the real command tree.
func TestAcmeLifecycle(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	acme := h.acme

	// Not connected yet: exit 4, with both ways in.
	r := h.must(app.ExitAuth, "status", "acme")
	for _, want := range []string{"Acme (profile default)", "connected:    no"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("status acme before connect: stdout lacks %q:\n%s", want, r.Stdout)
		}
	}
	for _, want := range []string{"Acme is not connected", "cachelink connect acme", "ACME_TOKEN"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("status acme before connect: stderr lacks %q:\n%s", want, r.Stderr)
		}
	}

	// connect: the browser login against the sandbox's generic server.
	r = h.must(app.ExitOK, "connect", "acme", "--timeout", "30s")
	if !strings.Contains(r.Stderr, "Connected to Acme") {
		t.Errorf("connect acme: stderr lacks the confirmation:\n%s", r.Stderr)
	}
	if r.Stdout != "" {
		t.Errorf("connect acme wrote on stdout: %q", r.Stdout)
	}
	if n := acme.Counters.CodeExchanges.Load(); n != 1 {
		t.Errorf("code exchanges = %d, want 1", n)
	}

	// status, in text and JSON: the keychain holds the login.
	r = h.must(app.ExitOK, "status", "acme")
	for _, want := range []string{"Acme (profile default)", "source:       keyring (system keychain)", "scopes:       widgets:read widgets:write", "expires_at:"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("status acme: stdout lacks %q:\n%s", want, r.Stdout)
		}
	}
	st := decodeStatus(t, h.must(app.ExitOK, "status", "acme", "-o", "json"))
	if st.Provider != "acme" || st.Profile != "default" || !st.Connected || st.Source != "keyring" {
		t.Errorf("status acme -o json = %+v, want acme, default, connected, keyring", st)
	}

	// token prints the access token, which the API accepts.
	token := oneLine(t, h.must(app.ExitOK, "token", "acme"))
	if !acme.Accepts(t, token) {
		t.Fatalf("the API refuses the token `token acme` printed")
	}
	if !strings.Contains(h.keyring.Dump(), token) {
		t.Errorf("the printed token is not the one stored in the keychain")
	}

	// create: stdout is exactly the URL; the request carried the login.
	r = h.must(app.ExitOK, "create", "acme", "--name", "w1")
	url := oneLine(t, r)
	ws := acme.Widgets()
	if len(ws) != 1 || ws[0].Name != "w1" || ws[0].URL != url {
		t.Fatalf("create acme --name w1 printed %q; the API holds %+v", url, ws)
	}
	if !strings.Contains(r.Stderr, "Created Acme widget w1") {
		t.Errorf("create acme: stderr lacks the confirmation:\n%s", r.Stderr)
	}
	if by := acme.AuthBy(); len(by) < 2 || by[len(by)-1] != "oauth:acct-0001" {
		t.Errorf("create was authenticated by %v, want the OAuth login", by)
	}
	h.must(app.ExitUsage, "create", "acme", "--name", "w1") // a name taken: the API's 409

	// connstr prints the same URL, by name and by id.
	if got := oneLine(t, h.must(app.ExitOK, "connstr", "acme", "w1")); got != url {
		t.Errorf("connstr acme w1 = %q, want %q", got, url)
	}
	if got := oneLine(t, h.must(app.ExitOK, "connstr", "acme", ws[0].ID)); got != url {
		t.Errorf("connstr acme %s = %q, want %q", ws[0].ID, got, url)
	}
	r = h.must(app.ExitNotFound, "connstr", "acme", "nope")
	if r.Stdout != "" || !strings.Contains(r.Stderr, `"nope"`) {
		t.Errorf("connstr acme nope: stdout %q, stderr:\n%s", r.Stdout, r.Stderr)
	}

	// A 401 to a token that looked valid: account.Transport lets the
	// provider Recover (one forced refresh) and sends the request again.
	acme.RejectNext.Store(true)
	if got := oneLine(t, h.must(app.ExitOK, "connstr", "acme", "w1")); got != url {
		t.Errorf("connstr acme w1 after a 401 = %q, want %q", got, url)
	}
	if n := acme.Counters.Refreshes.Load(); n != 1 {
		t.Errorf("refreshes after a 401 = %d, want 1", n)
	}
	refreshed := oneLine(t, h.must(app.ExitOK, "token", "acme"))
	if refreshed == token || !acme.Accepts(t, refreshed) {
		t.Errorf("after the forced refresh, token acme = %q (before: %q); want a new token the API accepts", refreshed, token)
	}

	// ACME_TOKEN wins over the stored login, and the keychain is not read.
	h.Env[EnvToken] = acme.CIToken
	calls := h.keyring.Calls.Load()
	if got := oneLine(t, h.must(app.ExitOK, "token", "acme")); got != acme.CIToken {
		t.Errorf("token acme with %s set = %q, want its value", EnvToken, got)
	}
	r = h.must(app.ExitOK, "status", "acme")
	if !strings.Contains(r.Stdout, "source:       env (ACME_TOKEN)") {
		t.Errorf("status acme with %s set:\n%s", EnvToken, r.Stdout)
	}
	st = decodeStatus(t, h.must(app.ExitOK, "status", "acme", "-o", "json"))
	if st.Source != "env" || len(st.EnvVars) != 1 || st.EnvVars[0] != EnvToken {
		t.Errorf("status acme -o json with %s set = %+v, want source env", EnvToken, st)
	}
	if url2 := oneLine(t, h.must(app.ExitOK, "create", "acme", "--name", "w2")); !strings.HasSuffix(url2, "/w2") {
		t.Errorf("create acme --name w2 with %s = %q", EnvToken, url2)
	}
	if by := acme.AuthBy(); by[len(by)-1] != "env" {
		t.Errorf("create with %s set was authenticated by %v", EnvToken, by)
	}
	if n := h.keyring.Calls.Load(); n != calls {
		t.Errorf("commands with %s set made %d keychain calls, want none", EnvToken, n-calls)
	}
	// A CI token Acme refuses: exit 4 naming the variable, no recovery.
	h.Env[EnvToken] = "wrong"
	r = h.must(app.ExitAuth, "connstr", "acme", "w1")
	if !strings.Contains(r.Stderr, "Acme rejected the credentials in ACME_TOKEN") {
		t.Errorf("connstr acme with a wrong %s:\n%s", EnvToken, r.Stderr)
	}
	delete(h.Env, EnvToken)

	// disconnect revokes at Acme, once, and forgets the login.
	r = h.must(app.ExitOK, "disconnect", "acme")
	for _, want := range []string{"Revoked the Acme tokens", "Disconnected Acme (profile default)"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("disconnect acme: stderr lacks %q:\n%s", want, r.Stderr)
		}
	}
	if n := acme.Counters.Revocations.Load(); n != 1 {
		t.Errorf("revocations = %d, want 1", n)
	}
	if acme.Accepts(t, refreshed) {
		t.Errorf("the API still accepts the access token after disconnect")
	}
	if d := h.keyring.Dump(); strings.Contains(d, "acme") {
		t.Errorf("the keychain still holds an Acme login:\n%s", d)
	}
	r = h.must(app.ExitAuth, "status", "acme")
	if !strings.Contains(r.Stderr, "cachelink connect acme") {
		t.Errorf("status acme after disconnect: stderr lacks the way back:\n%s", r.Stderr)
	}
	h.must(app.ExitAuth, "token", "acme")
	h.must(app.ExitAuth, "disconnect", "acme")
}

// TestAcmeInTheCommandTree checks that the registration is all it takes
// for help and completion to know Acme, and that the real providers still
// work in the same tree.
func TestAcmeInTheCommandTree(t *testing.T) {
	t.Parallel()
	h := newHarness(t)

	r := h.must(app.ExitOK, "--help")
	for _, want := range []string{"Create a cache, database or widget", "Print the connection string of a cache, database or widget"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("cachelink --help lacks %q:\n%s", want, r.Stdout)
		}
	}
	r = h.must(app.ExitOK, "create", "--help")
	for _, want := range []string{"polyscale", "upstash", "Create an Acme widget"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("cachelink create --help lacks %q:\n%s", want, r.Stdout)
		}
	}
	r = h.must(app.ExitOK, "connstr", "--help")
	if !strings.Contains(r.Stdout, "Print an Acme widget's connection URL") {
		t.Errorf("cachelink connstr --help lacks acme:\n%s", r.Stdout)
	}
	r = h.must(app.ExitOK, "__complete", "connect", "")
	for _, want := range []string{"polyscale", "upstash", "acme"} {
		if !strings.Contains(r.Stdout, want+"\n") {
			t.Errorf("completion of connect lacks %q:\n%s", want, r.Stdout)
		}
	}
	r = h.must(app.ExitUsage, "connect", "nosuch")
	if !strings.Contains(r.Stderr, "polyscale, upstash, acme") {
		t.Errorf("connect nosuch does not list the three providers:\n%s", r.Stderr)
	}

	// status without a provider lists all three; none is connected.
	r = h.must(app.ExitOK, "status")
	for _, want := range []string{"PolyScale (profile default)", "Upstash (profile default)", "Acme (profile default)"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("status lacks %q:\n%s", want, r.Stdout)
		}
	}

	// The real providers, in the same tree.
	r = h.must(app.ExitAuth, "status", "polyscale")
	if !strings.Contains(r.Stderr, "cachelink connect polyscale") {
		t.Errorf("status polyscale:\n%s", r.Stderr)
	}
	h.Env["UPSTASH_EMAIL"], h.Env["UPSTASH_API_KEY"] = "dev@example.com", "upstash-key"
	st := decodeStatus(t, h.must(app.ExitOK, "status", "upstash", "-o", "json"))
	if st.Provider != "upstash" || !st.Connected || st.Source != "env" {
		t.Errorf("status upstash -o json with its env credential = %+v", st)
	}
	const cacheID = "11111111-2222-4333-8444-555555555555"
	h.Env["DATABASE_URL"] = "postgres://app:secret@db.example.com:5432/shop"
	r = h.must(app.ExitOK, "connstr", "polyscale", cacheID, "--origin-env", "DATABASE_URL")
	if got := oneLine(t, r); !strings.Contains(got, "psedge.global") || !strings.Contains(got, cacheID) {
		t.Errorf("connstr polyscale = %q, want the PolyScale edge and the cache id", got)
	}
}

// TestAcmeUsageErrors: what the provider and its commands refuse, exit 2,
// before any browser opens or request is sent.
func TestAcmeUsageErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"connect", "acme", "--email", "a@example.com"}, "--email is not an Acme option"},
		{[]string{"connect", "acme", "--scopes", "caches:read"}, `unknown Acme scope "caches:read"`},
		{[]string{"create", "acme"}, "--name is required"},
		{[]string{"create", "acme", "extra", "--name", "w"}, "takes no arguments"},
		{[]string{"connstr", "acme"}, "needs a widget id or name"},
	} {
		r := h.must(app.ExitUsage, tc.args...)
		if !strings.Contains(r.Stderr, tc.want) {
			t.Errorf("cachelink %s: stderr lacks %q:\n%s", strings.Join(tc.args, " "), tc.want, r.Stderr)
		}
	}
	if n := h.acme.Counters.Authorizations.Load(); n != 0 {
		t.Errorf("authorizations = %d after usage errors, want 0", n)
	}
	if ws := h.acme.Widgets(); len(ws) != 0 {
		t.Errorf("widgets made by usage errors: %+v", ws)
	}
}
