package account_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cachelink/cachelink/internal/account"
	"github.com/cachelink/cachelink/internal/app"
	"github.com/cachelink/cachelink/internal/cmdtest"
	"github.com/cachelink/cachelink/internal/polyscale"
	"github.com/cachelink/cachelink/internal/provider"
)

// rawEnv is PolyScale with an EnvCredential that passes the variable on
// as it is: the Resolver must refuse what no header can carry whatever
// the provider's own reading does.
type rawEnv struct{ provider.Provider }

func (rawEnv) EnvCredential(getenv func(string) string) (*provider.Credential, error) {
	v := getenv(polyscale.EnvAPIKey)
	if v == "" {
		return nil, nil
	}
	return &provider.Credential{Provider: polyscale.Name, Source: "env", Secret: v, EnvVars: []string{polyscale.EnvAPIKey}}, nil
}

func TestAnEnvCredentialThatCannotBeAHeaderIsAUsageErrorNamingTheVariable(t *testing.T) {
	t.Parallel()
	for _, value := range []string{"key-SENTINEL\nsecond-line", "key-\x00SENTINEL", "key-SENTINEL\r\n\tx", "key\x7fSENTINEL"} {
		env := map[string]string{polyscale.EnvAPIKey: value}
		r := &account.Resolver{Getenv: func(k string) string { return env[k] }}
		c, err := r.Env(rawEnv{polyscale.Provider})
		if c != nil || app.ExitCode(err) != 2 || !strings.Contains(err.Error(), polyscale.EnvAPIKey) {
			t.Errorf("%q: Env = %v, %v; want exit 2 naming %s", value, c, err, polyscale.EnvAPIKey)
			continue
		}
		if strings.Contains(err.Error(), "SENTINEL") {
			t.Errorf("%q: the error quotes the value: %v", value, err)
		}
	}
}

func TestAnUnsendableCredentialIsNeverSentNorRetried(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	e.Setenv(polyscale.EnvAPIKey, "key-SENTINEL\nsecond-line")
	var seen atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen.Add(1) }))
	defer srv.Close()

	start := time.Now()
	_, err := call(newFactory(e), rawEnv{polyscale.Provider}, srv.URL, nil)

	if app.ExitCode(err) != 2 || !strings.Contains(err.Error(), polyscale.EnvAPIKey) {
		t.Errorf("err = %v, want exit 2 naming %s", err, polyscale.EnvAPIKey)
	}
	if n := seen.Load(); n != 0 || time.Since(start) > 2*time.Second {
		t.Errorf("%d requests in %s, want none at once", n, time.Since(start))
	}
}

func TestAStoredCredentialThatCannotBeAHeaderIsNotSent(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	e.MustRun(t, "connect", "polyscale", "--profile", "work")
	s := e.CredentialStore(t)
	rec, _, err := s.Load(polyscale.Name, "work")
	if err != nil {
		t.Fatal(err)
	}
	rec.AccessToken = "at\nbroken"
	if _, err := s.Save(rec); err != nil {
		t.Fatal(err)
	}
	var seen atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen.Add(1) }))
	defer srv.Close()
	f := newFactory(e)
	hc := &http.Client{Transport: &account.Transport{Resolver: f.Accounts, Provider: polyscale.Provider, Profile: "work"}}
	resp, err := hc.Get(srv.URL)
	if err == nil {
		resp.Body.Close()
		t.Fatal("a credential with a line break was sent")
	}
	if !strings.Contains(err.Error(), "control character") || strings.Contains(err.Error(), "broken") {
		t.Errorf("err = %v", err)
	}
	if n := seen.Load(); n != 0 {
		t.Errorf("%d requests, want none", n)
	}
}

func TestTheTransportTellsItsProfile(t *testing.T) {
	t.Parallel()
	hc := &http.Client{Transport: &account.Transport{Profile: "work"}}
	if got := provider.TransportProfile(hc); got != "work" {
		t.Errorf("TransportProfile = %q, want work", got)
	}
	if got := polyscale.NewClient("https://api.example", hc).Profile; got != "work" {
		t.Errorf("the PolyScale client's profile = %q, want work", got)
	}
	if got := provider.TransportProfile(http.DefaultClient); got != "" {
		t.Errorf("TransportProfile of a plain client = %q", got)
	}
}
