package credentials_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cachelink/cachelink/internal/credentials"
	"github.com/cachelink/cachelink/internal/sandbox"
	"golang.org/x/oauth2"
)

// The cross-process test: the sandbox's PolyScale authorization server
// (ory/fosite, with refresh token rotation and reuse detection) and twenty
// copies of this test binary that all find the same expired token.

// helperEnv carries a helperConfig to TestHelperProcess.
const helperEnv = "CACHELINK_CREDENTIALS_TEST_HELPER"

type helperConfig struct {
	TokenURL     string `json:"token_url"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	Dir          string `json:"dir"`
}

// helperPrefix starts the line on which a helper process reports the
// access token it got (hashed: test output is no place for tokens).
const helperPrefix = "access-token-sha256="

func TestFreshFromTwentyProcessesRefreshesOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts twenty processes")
	}
	sb, err := sandbox.New(sandbox.Options{AutoApprove: true})
	if err != nil {
		t.Fatal(err)
	}
	var tokenRequests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth2/token" {
			tokenRequests.Add(1)
		}
		sb.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	client := polyScaleClient(t, sb)
	oc := &oauth2.Config{
		ClientID:     client.ID,
		ClientSecret: client.Secret,
		RedirectURL:  client.RedirectURIs[0],
		Scopes:       []string{"caches:read", "caches:write", "cacheRules:read", "cacheRules:write"},
		Endpoint: oauth2.Endpoint{
			AuthURL:   srv.URL + "/oauth2/auth",
			TokenURL:  srv.URL + "/oauth2/token",
			AuthStyle: oauth2.AuthStyleInHeader, // explicit: the zero value retries with the other style
		},
	}

	// Log in with a 2-second access token, store it, and wait until the
	// authorization server no longer accepts it.
	sb.PolyScaleAuth.SetAccessTokenLifetime(2 * time.Second)
	login := sandboxLogin(t, oc)
	if login.Expiry.IsZero() || login.RefreshToken == "" {
		t.Fatal("the login returned no expiry or no refresh token")
	}
	e := newEnv(t)
	seeded := record(login.AccessToken)
	seeded.RefreshToken = login.RefreshToken
	seeded.Expiry = login.Expiry
	mustSave(t, e.store(credentials.ModeFile, nil), seeded)
	waitUntilRejected(t, sb.PolyScaleAuth, login.AccessToken)
	sb.PolyScaleAuth.SetAccessTokenLifetime(0) // the refreshed token lives an hour
	before := sb.Counters.Snapshot()
	tokenRequests.Store(0)

	cfg, _ := json.Marshal(helperConfig{TokenURL: oc.Endpoint.TokenURL, ClientID: oc.ClientID, ClientSecret: oc.ClientSecret, Dir: e.dir})
	const n = 20
	outs := make([]bytes.Buffer, n)
	errs := make([]bytes.Buffer, n)
	cmds := make([]*exec.Cmd, n)
	start := time.Now()
	for i := range n {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), helperEnv+"="+string(cfg))
		cmd.Stdout, cmd.Stderr = &outs[i], &errs[i]
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds[i] = cmd
	}
	var wg sync.WaitGroup
	waitErrs := make([]error, n)
	for i, cmd := range cmds {
		wg.Go(func() { waitErrs[i] = cmd.Wait() })
	}
	wg.Wait()
	t.Logf("%d processes ran in %s", n, time.Since(start).Round(time.Millisecond))

	stored, _ := mustLoad(t, e.store(credentials.ModeFile, nil))
	want := hashToken(stored.AccessToken)
	for i := range n {
		if waitErrs[i] != nil {
			t.Errorf("process %d: %v\n%s%s", i, waitErrs[i], outs[i].String(), errs[i].String())
			continue
		}
		if got := helperToken(outs[i].String()); got != want {
			t.Errorf("process %d got access token %.12s…, want the stored %.12s…", i, got, want)
		}
	}
	after := sb.Counters.Snapshot()
	t.Logf("at the sandbox: %d refresh grants, %d reuse detections, %d token requests",
		after.Refreshes-before.Refreshes, after.ReuseDetections-before.ReuseDetections, tokenRequests.Load())
	if got := after.Refreshes - before.Refreshes; got != 1 {
		t.Errorf("%d refresh grants at the sandbox, want exactly 1", got)
	}
	if got := after.ReuseDetections - before.ReuseDetections; got != 0 {
		t.Errorf("%d refresh token reuses detected, want 0", got)
	}
	if got := tokenRequests.Load(); got != 1 {
		t.Errorf("%d token requests, want 1", got)
	}
	if stored.RefreshToken == login.RefreshToken {
		t.Error("the store still holds the refresh token of the login, not the rotated one")
	}
	if _, err := sb.PolyScaleAuth.VerifyAccessToken(context.Background(), stored.AccessToken); err != nil {
		t.Errorf("the stored access token is not valid at the sandbox: %v", err)
	}
}

// TestHelperProcess is one of the processes of
// TestFreshFromTwentyProcessesRefreshesOnce: it calls Fresh with a
// Refresher built from x/oauth2 and prints the hash of the access token.
func TestHelperProcess(t *testing.T) {
	raw := os.Getenv(helperEnv)
	if raw == "" {
		t.Skip("runs only as a process started by TestFreshFromTwentyProcessesRefreshesOnce")
	}
	var cfg helperConfig
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		t.Fatal(err)
	}
	s, err := credentials.NewStore(credentials.Options{Mode: credentials.ModeFile, Dir: cfg.Dir})
	if err != nil {
		t.Fatal(err)
	}
	oc := &oauth2.Config{
		ClientID:     cfg.ClientID,
		ClientSecret: cfg.ClientSecret,
		Endpoint:     oauth2.Endpoint{TokenURL: cfg.TokenURL, AuthStyle: oauth2.AuthStyleInHeader},
	}
	refresh := func(ctx context.Context, rt string) (*oauth2.Token, error) {
		// An expired token makes x/oauth2 redeem rt once; with an explicit
		// AuthStyle it does not try again.
		return oc.TokenSource(ctx, &oauth2.Token{RefreshToken: rt, Expiry: time.Unix(1, 0)}).Token()
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r, _, err := s.Fresh(ctx, "polyscale", "default", refresh)
	if err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString(helperPrefix + hashToken(r.AccessToken) + "\n")
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func helperToken(out string) string {
	for line := range strings.Lines(out) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), helperPrefix); ok {
			return v
		}
	}
	return "(none)"
}

func polyScaleClient(t *testing.T, sb *sandbox.Sandbox) sandbox.Client {
	t.Helper()
	for _, c := range sb.Clients {
		if c.Provider == "polyscale" {
			return c
		}
	}
	t.Fatal("the sandbox has no PolyScale client")
	return sandbox.Client{}
}

// sandboxLogin runs the authorization code flow with PKCE. The sandbox
// approves at once (AutoApprove), so the authorize request redirects to the
// client's redirect URI with the code, which is read from the Location
// header: nothing needs to listen there.
func sandboxLogin(t *testing.T, oc *oauth2.Config) *oauth2.Token {
	t.Helper()
	const state = "state-0123456789"
	verifier := oauth2.GenerateVerifier()
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := browser.Get(oc.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		t.Fatalf("authorize: status %d, no redirect: %v", resp.StatusCode, err)
	}
	q := loc.Query()
	if q.Get("state") != state || q.Get("code") == "" {
		t.Fatalf("authorize redirected without a code: error=%q %q", q.Get("error"), q.Get("error_description"))
	}
	tok, err := oc.Exchange(context.Background(), q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// waitUntilRejected polls the authorization server until it no longer
// accepts token.
func waitUntilRejected(t *testing.T, a *sandbox.AuthServer, token string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := a.VerifyAccessToken(context.Background(), token); err != nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the short-lived access token is still valid after 30s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
