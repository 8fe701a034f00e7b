package account_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/cachelink/cachelink/internal/account"
	"github.com/cachelink/cachelink/internal/app"
	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/cmd/factory"
	"github.com/cachelink/cachelink/internal/cmdtest"
	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/httpx"
	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/polyscale"
	"github.com/cachelink/cachelink/internal/provider"
	"github.com/cachelink/cachelink/internal/registry"
)

// newFactory is what a command gets, on the test's keychain.
func newFactory(e *cmdtest.Env) *cmdutil.Factory {
	ios, _, _, _ := iostreams.Test()
	f := factory.New(ios, nil, registry.Providers())
	f.Keyring = e.Keyring
	f.Getenv = e.Getenv
	return f
}

// call sends GET url through the provider's account.Transport for the
// default profile, with base below it (nil: http.DefaultTransport), and
// returns the transport's own errors as the API clients see them.
func call(f *cmdutil.Factory, p provider.Provider, url string, base http.RoundTripper) (*http.Response, error) {
	hc := &http.Client{Transport: &account.Transport{Resolver: f.Accounts, Provider: p, Profile: "default", Base: base}}
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	var ce *httpx.CredentialError
	if errors.As(err, &ce) {
		return nil, ce.Err
	}
	return resp, err
}

// api answers 401 to the tokens in revoked and 200 to any other.
type api struct {
	mu      sync.Mutex
	revoked map[string]bool
	seen    []string
}

func (a *api) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	a.mu.Lock()
	defer a.mu.Unlock()
	a.seen = append(a.seen, tok)
	if a.revoked[tok] {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func TestA401ForcesOneRefreshAndOneRetry(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	e.MustRun(t, "connect", "polyscale")
	first := strings.TrimSpace(e.Run("token", "polyscale").Stdout)
	a := &api{revoked: map[string]bool{first: true}} // valid-looking, but the API refuses it
	srv := httptest.NewServer(a)
	defer srv.Close()

	resp, err := call(newFactory(e), polyscale.Provider, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status %d after the forced refresh", resp.StatusCode)
	}
	if n := e.Sandbox.Counters.Refreshes.Load(); n != 1 {
		t.Errorf("refreshes = %d, want 1", n)
	}
	if len(a.seen) != 2 || a.seen[1] == first {
		t.Errorf("the API saw %d requests; want the rejected token, then a new one", len(a.seen))
	}
	if got := strings.TrimSpace(e.Run("token", "polyscale").Stdout); got != a.seen[1] {
		t.Error("the refreshed token was not stored")
	}
}

func TestASecond401MeansConnectAgain(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	e.MustRun(t, "connect", "polyscale")
	var seen []string // the API refuses every token
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Header.Get("Authorization"))
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer srv.Close()

	_, err := call(newFactory(e), polyscale.Provider, srv.URL, nil)
	if clierr.KindOf(err) != clierr.Auth || !strings.Contains(clierr.HintOf(err), "cachelink connect polyscale") {
		t.Errorf("err = %v (hint %q), want exit 4 asking to connect", err, clierr.HintOf(err))
	}
	if app.ExitCode(err) != 4 {
		t.Errorf("exit code %d, want 4", app.ExitCode(err))
	}
	if len(seen) != 2 {
		t.Errorf("the API saw %d requests, want 2 (one retry only)", len(seen))
	}
}

func TestA401ToAnEnvironmentKeyIsNotRetried(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	e.Setenv("POLYSCALE_API_KEY", "bad-key")
	a := &api{revoked: map[string]bool{"bad-key": true}}
	srv := httptest.NewServer(a)
	defer srv.Close()
	_, err := call(newFactory(e), polyscale.Provider, srv.URL, nil)
	if app.ExitCode(err) != 4 || !strings.Contains(err.Error(), "POLYSCALE_API_KEY") {
		t.Errorf("err = %v, want exit 4 naming POLYSCALE_API_KEY", err)
	}
	if len(a.seen) != 1 || e.Keyring.Calls.Load() != 0 {
		t.Errorf("requests %d, keychain calls %d; want 1 and 0", len(a.seen), e.Keyring.Calls.Load())
	}
}
