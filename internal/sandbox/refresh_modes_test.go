package sandbox

// Upstash's authorization server as Auth0 runs it: rotation off (the same
// refresh token back, or none), a reuse interval, PKCE optional, and a
// login without audience that yields a token the API refuses.

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// tokenAnswer is a token endpoint's JSON answer, read raw: x/oauth2 keeps
// the old refresh token when the answer has none.
type tokenAnswer struct {
	Status       int
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int    `json:"expires_in"`
	Error        string `json:"error"`
	HasRefresh   bool   `json:"-"`
}

func (e *oauthEnv) upRefresh(t *testing.T, refreshToken string) tokenAnswer {
	t.Helper()
	form := url.Values{"grant_type": {"refresh_token"}, "client_id": {upClientID}, "refresh_token": {refreshToken}}
	resp, err := http.PostForm(e.srv.URL+"/oauth/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil {
		t.Fatalf("token answer %d: %v", resp.StatusCode, err)
	}
	b, _ := json.Marshal(raw)
	a := tokenAnswer{Status: resp.StatusCode}
	_ = json.Unmarshal(b, &a)
	_, a.HasRefresh = raw["refresh_token"]
	return a
}

// upLogin logs in to Upstash with audience and PKCE.
func (e *oauthEnv) upLogin(t *testing.T) *oauth2.Token {
	t.Helper()
	conf := e.upConfig()
	v := oauth2.GenerateVerifier()
	tok, err := conf.Exchange(context.Background(), e.code(t, conf.AuthCodeURL(testState, audience, oauth2.S256ChallengeOption(v)), upRedirect), oauth2.VerifierOption(v))
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken == "" {
		t.Fatal("no refresh token")
	}
	return tok
}

func TestUpstashRotationOff(t *testing.T) {
	t.Parallel()
	for _, rotation := range []RefreshRotation{ReturnSameRefreshToken, OmitRefreshToken} {
		t.Run(string(rotation), func(t *testing.T) {
			t.Parallel()
			e := newOAuthEnv(t, true)
			e.up.SetRefreshPolicy(RefreshPolicy{Rotation: rotation})
			tok := e.upLogin(t)
			var access []string
			for i := range 5 {
				a := e.upRefresh(t, tok.RefreshToken)
				if a.Status != http.StatusOK || a.AccessToken == "" {
					t.Fatalf("refresh %d: %d %s", i, a.Status, a.Error)
				}
				switch rotation {
				case ReturnSameRefreshToken:
					if a.RefreshToken != tok.RefreshToken {
						t.Fatalf("refresh %d answered another refresh token", i)
					}
				case OmitRefreshToken:
					if a.HasRefresh {
						t.Fatalf("refresh %d answered a refresh token", i)
					}
				}
				if a.ExpiresIn < 172790 || a.ExpiresIn > 172800 {
					t.Errorf("expires_in = %d, want 172800", a.ExpiresIn)
				}
				access = append(access, a.AccessToken)
			}
			for _, at := range access {
				e.mustVerify(t, e.up, at) // Auth0's access tokens live out their lifetime
			}
			if s := e.counters.Snapshot(); s.Refreshes != 5 || s.ReuseDetections != 0 {
				t.Errorf("counters = %+v, want 5 refreshes and no reuse", s)
			}

			// Revoking the one refresh token ends it.
			if resp := e.post(t, "/oauth/revoke", url.Values{"client_id": {upClientID}, "token": {tok.RefreshToken}}); resp.StatusCode != http.StatusOK {
				t.Fatalf("revoke: %d", resp.StatusCode)
			}
			if a := e.upRefresh(t, tok.RefreshToken); a.Status == http.StatusOK || a.Error != "invalid_grant" {
				t.Errorf("refresh after revocation: %d %q, want invalid_grant", a.Status, a.Error)
			}
			if s := e.counters.Snapshot(); s.ReuseDetections != 0 {
				t.Errorf("a revoked token counted as a reuse: %+v", s)
			}
		})
	}
}

func TestUpstashReuseInterval(t *testing.T) {
	t.Parallel()
	e := newOAuthEnv(t, true)
	const interval = 1500 * time.Millisecond
	e.up.SetRefreshPolicy(RefreshPolicy{Rotation: RotateRefreshTokens, ReuseInterval: interval})
	t0 := e.upLogin(t).RefreshToken

	// Two processes redeem the same token within the interval: both get a
	// new one, and both new ones work.
	a1 := e.upRefresh(t, t0)
	a2 := e.upRefresh(t, t0)
	if a1.Status != http.StatusOK || a2.Status != http.StatusOK {
		t.Fatalf("refreshes of one token within the interval: %d %s, %d %s", a1.Status, a1.Error, a2.Status, a2.Error)
	}
	if a1.RefreshToken == "" || a2.RefreshToken == "" || a1.RefreshToken == t0 || a2.RefreshToken == t0 || a1.RefreshToken == a2.RefreshToken {
		t.Fatal("rotation: want two new, different refresh tokens")
	}
	e.mustVerify(t, e.up, a1.AccessToken)
	e.mustVerify(t, e.up, a2.AccessToken)
	if s := e.counters.Snapshot(); s.Refreshes != 2 || s.ReuseDetections != 0 || s.LeewayReuses != 1 {
		t.Errorf("counters = %+v, want 2 refreshes, 1 leeway reuse, no reuse detection", s)
	}
	// Each of the new ones refreshes once more.
	b1 := e.upRefresh(t, a1.RefreshToken)
	b2 := e.upRefresh(t, a2.RefreshToken)
	if b1.Status != http.StatusOK || b2.Status != http.StatusOK {
		t.Fatalf("refreshing the tokens issued in the interval: %d %s, %d %s", b1.Status, b1.Error, b2.Status, b2.Error)
	}

	// Past the interval, a retired token is a reuse: the family goes.
	time.Sleep(interval + 300*time.Millisecond)
	if a := e.upRefresh(t, t0); a.Error != "invalid_grant" {
		t.Fatalf("retired token past the interval: %d %q, want invalid_grant", a.Status, a.Error)
	}
	for _, rt := range []string{b1.RefreshToken, b2.RefreshToken} {
		if a := e.upRefresh(t, rt); a.Error != "invalid_grant" {
			t.Errorf("after a reuse, a token of the family still works: %d", a.Status)
		}
	}
	if s := e.counters.Snapshot(); s.ReuseDetections < 1 {
		t.Errorf("counters = %+v, want a reuse detection", s)
	}
}

// Without an interval (the default), a retired token is a reuse at once.
func TestUpstashRotationWithoutIntervalDetectsReuse(t *testing.T) {
	t.Parallel()
	e := newOAuthEnv(t, true)
	t0 := e.upLogin(t).RefreshToken
	a1 := e.upRefresh(t, t0)
	if a1.Status != http.StatusOK || a1.RefreshToken == t0 {
		t.Fatalf("refresh: %d, rotated %v", a1.Status, a1.RefreshToken != t0)
	}
	if a := e.upRefresh(t, t0); a.Error != "invalid_grant" {
		t.Fatalf("reuse: %d %q, want invalid_grant", a.Status, a.Error)
	}
	if a := e.upRefresh(t, a1.RefreshToken); a.Error != "invalid_grant" {
		t.Errorf("the family survived a reuse: %d", a.Status)
	}
	// Both refused presentations count: the retired token, then one of the revoked family.
	if s := e.counters.Snapshot(); s.ReuseDetections != 2 || s.LeewayReuses != 0 {
		t.Errorf("counters = %+v", s)
	}
}

func TestUpstashPKCEIsOptional(t *testing.T) {
	t.Parallel()
	e := newOAuthEnv(t, true)
	conf := e.upConfig()
	tok, err := conf.Exchange(context.Background(), e.code(t, conf.AuthCodeURL(testState, audience), upRedirect))
	if err != nil {
		t.Fatalf("code flow without PKCE: %v", err)
	}
	e.mustVerify(t, e.up, tok.AccessToken)

	// A challenge that is sent binds the code to its verifier.
	v := oauth2.GenerateVerifier()
	code := e.code(t, conf.AuthCodeURL(testState, audience, oauth2.S256ChallengeOption(v)), upRedirect)
	if _, err := conf.Exchange(context.Background(), code); grantErr(t, err) != "invalid_grant" {
		t.Errorf("a code issued with S256 redeemed without its verifier: %v", err)
	}
}

// Auth0 without audience=upstash-api: the login succeeds, /userinfo
// takes the token, the Developer API (/apikey) answers 401.
func TestUpstashWithoutAudienceIssuesATokenTheAPIRefuses(t *testing.T) {
	t.Parallel()
	sb, err := New(Options{AutoApprove: true, Clients: []Client{{Provider: "upstash", ID: upClientID, RedirectURIs: []string{upRedirect}}}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(srv.Close)
	e := &oauthEnv{srv: srv, up: sb.UpstashAuth, counters: sb.Counters, account: sb.Account,
		browser: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	conf := e.upConfig()
	v := oauth2.GenerateVerifier()
	tok, err := conf.Exchange(context.Background(), e.code(t, conf.AuthCodeURL(testState, oauth2.S256ChallengeOption(v)), upRedirect), oauth2.VerifierOption(v))
	if err != nil {
		t.Fatalf("login without audience: %v", err)
	}
	mustNotVerify(t, e.up, tok.AccessToken, "a token without the API's audience")

	bearer := func(method, path, token string, body string) int {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := bearer(http.MethodGet, "/userinfo", tok.AccessToken, ""); st != http.StatusOK {
		t.Errorf("/userinfo: %d, want 200", st)
	}
	if st := bearer(http.MethodPost, "/apikey", tok.AccessToken, `{"name":"k1"}`); st != http.StatusUnauthorized {
		t.Errorf("/apikey: %d, want 401", st)
	}
	// A refresh keeps the missing audience.
	refreshed, err := conf.TokenSource(context.Background(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil {
		t.Fatal(err)
	}
	if st := bearer(http.MethodPost, "/apikey", refreshed.AccessToken, `{"name":"k2"}`); st != http.StatusUnauthorized {
		t.Errorf("/apikey with a refreshed token: %d, want 401", st)
	}
	if n := sb.Counters.APIKeysMinted.Load(); n != 0 {
		t.Errorf("minted %d keys", n)
	}

	// With the audience, the same client mints.
	v = oauth2.GenerateVerifier()
	tok, err = conf.Exchange(context.Background(), e.code(t, conf.AuthCodeURL(testState, audience, oauth2.S256ChallengeOption(v)), upRedirect), oauth2.VerifierOption(v))
	if err != nil {
		t.Fatal(err)
	}
	if st := bearer(http.MethodPost, "/apikey", tok.AccessToken, `{"name":"k3"}`); st != http.StatusOK && st != http.StatusCreated {
		t.Errorf("/apikey with the audience: %d", st)
	}
}

func TestSandboxOptionsSetUpstashRefreshPolicy(t *testing.T) {
	t.Parallel()
	sb, err := New(Options{UpstashRefresh: RefreshPolicy{Rotation: OmitRefreshToken}})
	if err != nil {
		t.Fatal(err)
	}
	if p := sb.UpstashAuth.store.refreshPolicy(); p.Rotation != OmitRefreshToken {
		t.Errorf("Upstash policy %+v", p)
	}
	if p := sb.PolyScaleAuth.store.refreshPolicy(); p.Rotation != RotateRefreshTokens {
		t.Errorf("PolyScale policy %+v, want rotation", p)
	}
	if _, err := New(Options{UpstashRefresh: RefreshPolicy{Rotation: "sometimes"}}); err == nil {
		t.Error("an unknown rotation was accepted")
	}
}
