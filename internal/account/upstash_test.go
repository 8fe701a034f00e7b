package account_test

// Upstash's credentials: the CI pair UPSTASH_EMAIL + UPSTASH_API_KEY (both
// or neither), and account.Transport with a stored login, which replaces a
// Developer API key Upstash rejects by minting a new one with the stored
// OAuth login, once, under a cross-process lock.

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cachelink/cachelink/internal/account"
	"github.com/cachelink/cachelink/internal/app"
	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/cmdtest"
	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/credentials"
	"github.com/cachelink/cachelink/internal/upstash"
)

func TestUpstashEnvPairIsBothOrNeither(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		email, key string
		want       bool   // a credential from the environment
		usage      string // else, the usage error's message
	}{
		{name: "both", email: "dev@example.com", key: "k-1", want: true},
		{name: "neither"},
		{name: "email alone", email: "dev@example.com", usage: "UPSTASH_EMAIL is set but UPSTASH_API_KEY is not"},
		{name: "key alone", key: "k-1", usage: "UPSTASH_API_KEY is set but UPSTASH_EMAIL is not"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"UPSTASH_EMAIL": tt.email, "UPSTASH_API_KEY": tt.key}
			r := &account.Resolver{Getenv: func(k string) string { return env[k] }}
			c, err := r.Env(upstash.Provider)
			switch {
			case tt.usage != "":
				if c != nil || clierr.KindOf(err) != clierr.Usage || app.ExitCode(err) != 2 || err.Error() != tt.usage {
					t.Errorf("Env = %v, %v; want exit 2: %s", c, err, tt.usage)
				}
				if tt.key != "" && strings.Contains(err.Error(), tt.key) {
					t.Error("the error shows the key")
				}
			case tt.want:
				if err != nil || c == nil || c.Source != credentials.SourceEnv || c.Account != tt.email || c.Secret != tt.key ||
					strings.Join(c.EnvVars, ",") != "UPSTASH_EMAIL,UPSTASH_API_KEY" || c.Record != nil {
					t.Errorf("Env = %+v, %v", c, err)
				}
			default:
				if c != nil || err != nil {
					t.Errorf("Env = %+v, %v; want nothing: use the stored login", c, err)
				}
			}
		})
	}
}

// basicRecorder is the transport below account.Transport: it records the
// key of each request's Basic auth, then sends it.
type basicRecorder struct {
	mu   sync.Mutex
	keys []string
}

func (b *basicRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	_, key, _ := req.BasicAuth()
	b.mu.Lock()
	b.keys = append(b.keys, key)
	b.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

// call sends GET /v2/redis/databases to url with the default profile's
// Upstash credential.
func (b *basicRecorder) call(f *cmdutil.Factory, url string) (*http.Response, error) {
	return call(f, upstash.Provider, url+"/v2/redis/databases", b)
}

func (b *basicRecorder) sent() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.keys...)
}

func TestARejectedUpstashKeyIsMintedAgainOnceAndRetried(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	e.MustRun(t, "connect", "upstash")
	rejected := e.RejectUpstashKey(t, "default")
	rec := &basicRecorder{}

	resp, err := rec.call(newFactory(e), e.Server.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status %d after the new key", resp.StatusCode)
	}
	if n := e.Sandbox.Counters.APIKeysMinted.Load(); n != 2 {
		t.Errorf("API keys minted = %d, want 2 (connect's and one new)", n)
	}
	sent := rec.sent()
	if len(sent) != 2 || sent[0] != rejected || sent[1] == rejected {
		t.Fatalf("keys sent = %d, want the rejected key, then a new one", len(sent))
	}
	stored, _, err := e.CredentialStore(t).Load(upstash.Name, "default")
	if err != nil {
		t.Fatal(err)
	}
	if key, name := upstash.StoredKey(stored); key != sent[1] || !strings.HasPrefix(name, "cachelink_API_KEY_") || stored.RefreshToken == "" {
		t.Error("the new key (and its name) was not stored with the login")
	}
	if e.Sandbox.Counters.Refreshes.Load() != 0 {
		t.Error("the OAuth token was refreshed, though it was valid")
	}
}

func TestASecond401AfterTheNewKeyIsExit4WithTheAccountHint(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	e.MustRun(t, "connect", "upstash")
	e.RejectUpstashKey(t, "default")
	// An API that refuses every key, as Upstash does for an account
	// created through Vercel or Fly.io.
	var seen atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Add(1)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer srv.Close()
	rec := &basicRecorder{}

	_, err := rec.call(newFactory(e), srv.URL)
	if app.ExitCode(err) != 4 || !strings.Contains(clierr.HintOf(err), "Vercel or Fly.io") {
		t.Errorf("err = %v (hint %q), want exit 4 with the Vercel/Fly.io hint", err, clierr.HintOf(err))
	}
	if n := seen.Load(); n != 2 {
		t.Errorf("the API saw %d requests, want 2 (one retry only)", n)
	}
	if n := e.Sandbox.Counters.APIKeysMinted.Load(); n != 2 {
		t.Errorf("API keys minted = %d, want 2: one new key, not one per attempt", n)
	}
}

func TestARejectedUpstashEnvKeyIsNotReplaced(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	e.MustRun(t, "connect", "upstash")
	e.Keyring.Calls.Store(0)
	e.Setenv("UPSTASH_EMAIL", e.Sandbox.Account.Email)
	e.Setenv("UPSTASH_API_KEY", "wrong-key-SENTINEL")
	rec := &basicRecorder{}

	_, err := rec.call(newFactory(e), e.Server.URL)
	if app.ExitCode(err) != 4 || !strings.Contains(err.Error(), "UPSTASH_EMAIL and UPSTASH_API_KEY") ||
		!strings.Contains(clierr.HintOf(err), "Vercel or Fly.io") || strings.Contains(err.Error()+clierr.HintOf(err), "wrong-key-SENTINEL") {
		t.Errorf("err = %v (hint %q), want exit 4 naming the env vars, not the key", err, clierr.HintOf(err))
	}
	if n := len(rec.sent()); n != 1 {
		t.Errorf("requests = %d, want 1", n)
	}
	if n := e.Keyring.Calls.Load(); n != 0 {
		t.Errorf("keychain calls = %d, want 0", n)
	}
	if n := e.Sandbox.Counters.APIKeysMinted.Load(); n != 1 {
		t.Errorf("API keys minted = %d, want only connect's", n)
	}
}

func TestAStoredLoginWithoutARefreshTokenIsNotReplaced(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	e.MustRun(t, "connect", "upstash")
	s := e.CredentialStore(t)
	r, _, err := s.Load(upstash.Name, "default")
	if err != nil {
		t.Fatal(err)
	}
	_, name := upstash.StoredKey(r)
	upstash.SetStoredKey(r, "deleted-in-the-console", name)
	r.RefreshToken = ""
	if _, err := s.Save(r); err != nil {
		t.Fatal(err)
	}
	rec := &basicRecorder{}
	_, err = rec.call(newFactory(e), e.Server.URL)
	if app.ExitCode(err) != 4 {
		t.Errorf("err = %v, want exit 4", err)
	}
	if n := e.Sandbox.Counters.APIKeysMinted.Load(); n != 1 || len(rec.sent()) != 1 {
		t.Errorf("API keys minted = %d, requests = %d; want 1 and 1", n, len(rec.sent()))
	}
}

func TestParallelCallsMintOneUpstashKey(t *testing.T) {
	t.Parallel()
	const n = 8
	e := cmdtest.New(t, cmdtest.Options{})
	e.MustRun(t, "connect", "upstash")
	rejected := e.RejectUpstashKey(t, "default")
	rec := &basicRecorder{}
	rejections := func() int {
		k := 0
		for _, s := range rec.sent() {
			if s == rejected {
				k++
			}
		}
		return k
	}

	// Hold the minting lock until every call has had its 401, so that all
	// of them want a new key at once; each call has its own factory, as
	// separate processes would.
	errs := make([]error, n)
	call := func(i int) {
		resp, err := rec.call(newFactory(e), e.Server.URL)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				err = errors.New(resp.Status)
			}
		}
		errs[i] = err
	}
	e.WhileUpstashMintIsLocked(t, n, call, rejections)

	for i, err := range errs {
		if err != nil {
			t.Errorf("call %d: %v", i, err)
		}
	}
	if got := rejections(); got != n {
		t.Errorf("%d calls sent the rejected key, want all %d", got, n)
	}
	if got := e.Sandbox.Counters.APIKeysMinted.Load(); got != 2 {
		t.Errorf("API keys minted = %d, want 2: one new key for all %d calls", got, n)
	}
	// Every retry used the one new key.
	newKeys := map[string]bool{}
	for _, s := range rec.sent() {
		if s != rejected {
			newKeys[s] = true
		}
	}
	if len(newKeys) != 1 {
		t.Errorf("the retries used %d different keys, want 1", len(newKeys))
	}
}

func TestAtTheKeyLimitTheErrorSaysWhatToDo(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	e.MustRun(t, "connect", "upstash")
	s := e.CredentialStore(t)
	r, _, err := s.Load(upstash.Name, "default")
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < upstash.MaxAPIKeys; i++ { // the console made the other 36
		if _, err := upstash.MintAPIKey(context.Background(), http.DefaultClient, e.Server.URL, r.AccessToken, "console-"+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	e.RejectUpstashKey(t, "default")
	rec := &basicRecorder{}

	_, err = rec.call(newFactory(e), e.Server.URL)
	if !errors.Is(err, upstash.ErrKeyLimit) || app.ExitCode(err) != 4 {
		t.Fatalf("err = %v, want exit 4 wrapping ErrKeyLimit", err)
	}
	for _, want := range []string{"limit of 37 Developer API keys", "delete an unused key in the Upstash console"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error lacks %q: %v", want, err)
		}
	}
	if n := len(rec.sent()); n != 1 {
		t.Errorf("requests = %d, want 1: without a new key there is nothing to retry", n)
	}
}

// Key names have a resolution of one second and Upstash refuses a second
// key of the same name; another cachelink minting in the same second (a
// second profile of the account, another machine) must not make this one
// fail.
func TestANewKeyIsMintedWhenItsNameIsTaken(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	e.MustRun(t, "connect", "upstash")
	e.RejectUpstashKey(t, "default")
	r, _, err := e.CredentialStore(t).Load(upstash.Name, "default")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i := range 5 {
		name := upstash.KeyName(now.Add(time.Duration(i) * time.Second))
		if _, err := upstash.MintAPIKey(context.Background(), http.DefaultClient, e.Server.URL, r.AccessToken, name); err != nil {
			t.Fatal(err)
		}
	}
	rec := &basicRecorder{}
	resp, err := rec.call(newFactory(e), e.Server.URL)
	if err != nil {
		t.Fatalf("err = %v, want a new key under another name", err)
	}
	resp.Body.Close()
}
