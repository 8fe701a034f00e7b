package sandbox

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// The clients of these tests. Nothing listens on their redirect URIs: the
// tests read the code from the Location header.
const (
	psClientID     = "ps-test"
	psSecret       = "ps-test-secret"
	psRedirect     = "http://localhost:43110/callback"
	psRedirectIP   = "http://127.0.0.1:43110/callback"
	upClientID     = "up-test"
	upRedirect     = "http://localhost:43111"
	testState      = "state-0123456789"
	allPSScopes    = "caches:read caches:write cacheRules:read cacheRules:write"
	upstashScopes  = "offline_access openid email"
	consentCSRFRex = `name="csrf_token" value="([^"]+)"`
)

type oauthEnv struct {
	srv      *httptest.Server
	ps, up   *AuthServer
	counters *Counters
	browser  *http.Client // does not follow redirects
	account  Account
}

func newOAuthEnv(t *testing.T, autoApprove bool) *oauthEnv {
	t.Helper()
	e := &oauthEnv{counters: &Counters{}, account: DefaultAccount()}
	cfg := AuthConfig{
		Account: e.account,
		Clients: []Client{
			{Provider: "polyscale", ID: psClientID, Secret: psSecret, RedirectURIs: []string{psRedirect, psRedirectIP}},
			{Provider: "upstash", ID: upClientID, RedirectURIs: []string{upRedirect}},
		},
		AutoApprove: autoApprove,
		Counters:    e.counters,
	}
	var err error
	if e.ps, err = NewPolyScaleAuth(cfg); err != nil {
		t.Fatal(err)
	}
	if e.up, err = NewUpstashAuth(cfg); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	e.ps.Register(mux)
	e.up.Register(mux)
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	e.browser = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return e
}

func (e *oauthEnv) psConfig(style oauth2.AuthStyle) *oauth2.Config {
	return &oauth2.Config{
		ClientID: psClientID, ClientSecret: psSecret, RedirectURL: psRedirect,
		Scopes:   strings.Fields(allPSScopes),
		Endpoint: oauth2.Endpoint{AuthURL: e.srv.URL + "/oauth2/auth", TokenURL: e.srv.URL + "/oauth2/token", AuthStyle: style},
	}
}

func (e *oauthEnv) upConfig() *oauth2.Config {
	return &oauth2.Config{
		ClientID: upClientID, RedirectURL: upRedirect,
		Scopes:   strings.Fields(upstashScopes),
		Endpoint: oauth2.Endpoint{AuthURL: e.srv.URL + "/authorize", TokenURL: e.srv.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInParams},
	}
}

var audience = oauth2.SetAuthURLParam("audience", "upstash-api")

// get performs a browser GET without following redirects.
func (e *oauthEnv) get(t *testing.T, u string) *http.Response {
	t.Helper()
	resp, err := e.browser.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// redirectParams checks that resp redirects to wantPrefix and returns the
// query parameters of the redirect.
func redirectParams(t *testing.T, resp *http.Response, wantPrefix string) url.Values {
	t.Helper()
	if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("status %d, want a redirect; body: %s", resp.StatusCode, body)
	}
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, wantPrefix+"?") {
		t.Fatalf("redirect to %q, want %q", loc, wantPrefix)
	}
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

// code runs an authorization that redirects with a code and returns it.
func (e *oauthEnv) code(t *testing.T, authURL, redirect string) string {
	t.Helper()
	q := redirectParams(t, e.get(t, authURL), redirect)
	if q.Get("error") != "" {
		t.Fatalf("authorization failed: %s: %s", q.Get("error"), q.Get("error_description"))
	}
	u, _ := url.Parse(authURL)
	if want := u.Query().Get("state"); q.Get("state") != want {
		t.Fatalf("state %q, want %q", q.Get("state"), want)
	}
	return q.Get("code")
}

// authError runs an authorization that must redirect with an error and
// returns the error code.
func (e *oauthEnv) authError(t *testing.T, authURL, redirect string) string {
	t.Helper()
	q := redirectParams(t, e.get(t, authURL), redirect)
	if q.Get("code") != "" || q.Get("error") == "" {
		t.Fatalf("want an error redirect, got %v", q)
	}
	return q.Get("error")
}

// psLogin is a full PolyScale login (AutoApprove) and returns the token.
func (e *oauthEnv) psLogin(t *testing.T) *oauth2.Token {
	t.Helper()
	conf := e.psConfig(oauth2.AuthStyleInHeader)
	v := oauth2.GenerateVerifier()
	code := e.code(t, conf.AuthCodeURL(testState, oauth2.S256ChallengeOption(v)), psRedirect)
	tok, err := conf.Exchange(context.Background(), code, oauth2.VerifierOption(v))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func grantErr(t *testing.T, err error) string {
	t.Helper()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		t.Fatalf("want an OAuth error response, got %v", err)
	}
	return re.ErrorCode
}

func (e *oauthEnv) mustVerify(t *testing.T, a *AuthServer, token string) Principal {
	t.Helper()
	p, err := a.VerifyAccessToken(context.Background(), token)
	if err != nil {
		t.Fatalf("access token does not verify: %v", err)
	}
	return p
}

func mustNotVerify(t *testing.T, a *AuthServer, token, why string) {
	t.Helper()
	if _, err := a.VerifyAccessToken(context.Background(), token); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("%s: VerifyAccessToken = %v, want ErrInvalidToken", why, err)
	}
}

func TestPolyScaleCodeFlowWithPKCE(t *testing.T) {
	t.Parallel()
	for _, style := range []struct {
		name  string
		style oauth2.AuthStyle
	}{{"client_secret_basic", oauth2.AuthStyleInHeader}, {"client_secret_post", oauth2.AuthStyleInParams}} {
		t.Run(style.name, func(t *testing.T) {
			t.Parallel()
			e := newOAuthEnv(t, true)
			conf := e.psConfig(style.style)
			v := oauth2.GenerateVerifier()
			code := e.code(t, conf.AuthCodeURL(testState, oauth2.S256ChallengeOption(v)), psRedirect)
			tok, err := conf.Exchange(context.Background(), code, oauth2.VerifierOption(v))
			if err != nil {
				t.Fatal(err)
			}
			if tok.RefreshToken == "" {
				t.Error("PolyScale issues a refresh token with every access token")
			}
			if got := tok.Extra("scope"); got != allPSScopes {
				t.Errorf("scope = %v, want %q", got, allPSScopes)
			}
			p := e.mustVerify(t, e.ps, tok.AccessToken)
			if p.AccountID != e.account.ID || p.Workspace != e.account.Workspaces[0] {
				t.Errorf("principal = %+v, want account %s in the first workspace", p, e.account.ID)
			}
			if !p.HasScope("caches:write") || !p.HasScope("cacheRules:read") {
				t.Errorf("scopes = %v", p.Scopes)
			}
			mustNotVerify(t, e.up, tok.AccessToken, "a PolyScale token at Upstash")
			if s := e.counters.Snapshot(); s.Authorizations != 1 || s.CodeExchanges != 1 {
				t.Errorf("counters = %+v", s)
			}
		})
	}
}

func TestPolyScaleScopeSubsetAndUnknownScope(t *testing.T) {
	t.Parallel()
	e := newOAuthEnv(t, true)
	conf := e.psConfig(oauth2.AuthStyleInHeader)
	conf.Scopes = []string{"caches:read"}
	v := oauth2.GenerateVerifier()
	tok, err := conf.Exchange(context.Background(), e.code(t, conf.AuthCodeURL(testState, oauth2.S256ChallengeOption(v)), psRedirect), oauth2.VerifierOption(v))
	if err != nil {
		t.Fatal(err)
	}
	p := e.mustVerify(t, e.ps, tok.AccessToken)
	if !slices.Equal(p.Scopes, []string{"caches:read"}) {
		t.Errorf("scopes = %v, want only caches:read", p.Scopes)
	}

	conf.Scopes = []string{"caches:read", "caches:admin"}
	if got := e.authError(t, conf.AuthCodeURL(testState, oauth2.S256ChallengeOption(v)), psRedirect); got != "invalid_scope" {
		t.Errorf("unknown scope: error = %q, want invalid_scope", got)
	}
}

func TestUpstashCodeFlowWithPKCE(t *testing.T) {
	t.Parallel()
	e := newOAuthEnv(t, true)
	conf := e.upConfig()
	v := oauth2.GenerateVerifier()
	code := e.code(t, conf.AuthCodeURL(testState, audience, oauth2.S256ChallengeOption(v)), upRedirect)
	tok, err := conf.Exchange(context.Background(), code, oauth2.VerifierOption(v)) // no secret: a public client
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken == "" {
		t.Error("offline_access was granted: want a refresh token")
	}
	if exp := time.Until(tok.Expiry); exp < 172790*time.Second || exp > 172810*time.Second {
		t.Errorf("expires in %v, want Auth0's 172800 s", exp)
	}
	p := e.mustVerify(t, e.up, tok.AccessToken)
	if p.AccountID != e.account.ID || p.Email != e.account.Email || p.Workspace != "" {
		t.Errorf("principal = %+v", p)
	}

	// The ID token (openid) carries the email (email scope).
	idToken, _ := tok.Extra("id_token").(string)
	parts := strings.Split(idToken, ".")
	if len(parts) != 3 {
		t.Fatalf("id_token = %q, want a JWT", idToken)
	}
	var header, claims map[string]any
	for i, dst := range []*map[string]any{&header, &claims} {
		raw, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			t.Fatal(err)
		}
	}
	if header["alg"] != "RS256" {
		t.Errorf("id_token alg = %v, want RS256", header["alg"])
	}
	if claims["email"] != e.account.Email || claims["sub"] != e.account.ID {
		t.Errorf("id_token claims = %v", claims)
	}
	if aud, _ := claims["aud"].([]any); len(aud) != 1 || aud[0] != upClientID {
		t.Errorf("id_token aud = %v, want [%s]", claims["aud"], upClientID)
	}

	// /userinfo answers with the email.
	req, _ := http.NewRequest("GET", e.srv.URL+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var info struct{ Sub, Email string }
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil || resp.StatusCode != 200 {
		t.Fatalf("userinfo: %d %v", resp.StatusCode, err)
	}
	if info.Sub != e.account.ID || info.Email != e.account.Email {
		t.Errorf("userinfo = %+v", info)
	}
	req.Header.Set("Authorization", "Bearer not-a-token")
	resp2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != http.StatusUnauthorized {
		t.Errorf("userinfo with a bad token: %d, want 401", resp2.StatusCode)
	}
}

func TestUpstashRefreshTokenOnlyWithOfflineAccess(t *testing.T) {
	t.Parallel()
	e := newOAuthEnv(t, true)
	conf := e.upConfig()
	conf.Scopes = []string{"openid", "email"}
	v := oauth2.GenerateVerifier()
	tok, err := conf.Exchange(context.Background(), e.code(t, conf.AuthCodeURL(testState, audience, oauth2.S256ChallengeOption(v)), upRedirect), oauth2.VerifierOption(v))
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken != "" {
		t.Error("no offline_access: want no refresh token")
	}
}

// A wrong audience is refused at authorize; a missing one is the subject
// of TestUpstashWithoutAudienceIssuesATokenTheAPIRefuses.
func TestUpstashRefusesAWrongAudience(t *testing.T) {
	t.Parallel()
	e := newOAuthEnv(t, true)
	conf := e.upConfig()
	v := oauth2.GenerateVerifier()
	for name, opts := range map[string][]oauth2.AuthCodeOption{
		"wrong": {oauth2.S256ChallengeOption(v), oauth2.SetAuthURLParam("audience", "other-api")},
		"two":   {oauth2.S256ChallengeOption(v), oauth2.SetAuthURLParam("audience", "upstash-api other-api")},
	} {
		t.Run(name, func(t *testing.T) {
			q := redirectParams(t, e.get(t, conf.AuthCodeURL(testState, opts...)), upRedirect)
			if q.Get("error") != "invalid_request" || q.Get("error_description") == "" || q.Get("code") != "" {
				t.Errorf("redirect = %v, want invalid_request with a description", q)
			}
		})
	}
}

// PKCE: PolyScale requires S256; Upstash (Auth0) accepts a request
// without it (TestUpstashPKCEIsOptional) but, when given, only S256.
func TestPKCERequiredS256Only(t *testing.T) {
	t.Parallel()
	e := newOAuthEnv(t, true)
	v := oauth2.GenerateVerifier()
	cases := map[string][]oauth2.AuthCodeOption{
		"missing":                       nil,
		"plain":                         {oauth2.SetAuthURLParam("code_challenge", v), oauth2.SetAuthURLParam("code_challenge_method", "plain")},
		"no method (defaults to plain)": {oauth2.SetAuthURLParam("code_challenge", v)},
	}
	for name, opts := range cases {
		t.Run("polyscale "+name, func(t *testing.T) {
			if got := e.authError(t, e.psConfig(oauth2.AuthStyleInHeader).AuthCodeURL(testState, opts...), psRedirect); got != "invalid_request" {
				t.Errorf("error = %q, want invalid_request", got)
			}
		})
		if opts == nil {
			continue
		}
		t.Run("upstash "+name, func(t *testing.T) {
			if got := e.authError(t, e.upConfig().AuthCodeURL(testState, append(opts, audience)...), upRedirect); got != "invalid_request" {
				t.Errorf("error = %q, want invalid_request", got)
			}
		})
	}

	// A code issued with S256 cannot be redeemed without, or with the wrong, verifier.
	conf := e.psConfig(oauth2.AuthStyleInHeader)
	code := e.code(t, conf.AuthCodeURL(testState, oauth2.S256ChallengeOption(v)), psRedirect)
	if _, err := conf.Exchange(context.Background(), code, oauth2.VerifierOption(oauth2.GenerateVerifier())); grantErr(t, err) != "invalid_grant" {
		t.Errorf("wrong verifier: %v", err)
	}
	if s := e.counters.Snapshot(); s.Authorizations != 1 || s.CodeExchanges != 0 {
		t.Errorf("counters = %+v", s)
	}
}

func TestRedirectURIExactMatch(t *testing.T) {
	t.Parallel()
	e := newOAuthEnv(t, true)
	v := oauth2.GenerateVerifier()
	for name, redirect := range map[string]string{
		"other localhost port":     "http://localhost:43199/callback",
		"other loopback IP port":   "http://127.0.0.1:43199/callback", // fosite alone would accept this (RFC 8252 7.3); Hydra's localhost rule is applied to IPs too
		"other path":               "http://localhost:43110/other",
		"extra query":              psRedirect + "?x=1",
		"other host":               "http://evil.example/callback",
		"127.0.0.1 for localhost":  "http://127.0.0.1:43111",
		"trailing slash":           psRedirect + "/",
		"https instead of http":    "https://localhost:43110/callback",
		"uppercase host, same URI": "http://LOCALHOST:43110/callback",
	} {
		t.Run(name, func(t *testing.T) {
			conf := e.psConfig(oauth2.AuthStyleInHeader)
			conf.RedirectURL = redirect
			resp := e.get(t, conf.AuthCodeURL(testState, oauth2.S256ChallengeOption(v)))
			// An unregistered redirect URI is never redirected to: an error page.
			if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
				t.Fatalf("status %d, Location %q: want 400 and no redirect", resp.StatusCode, resp.Header.Get("Location"))
			}
			body, _ := io.ReadAll(resp.Body)
			if !strings.Contains(string(body), "invalid_request") {
				t.Errorf("body = %s", body)
			}
		})
	}
	// Both registered URIs work, exactly as registered.
	for _, redirect := range []string{psRedirect, psRedirectIP} {
		conf := e.psConfig(oauth2.AuthStyleInHeader)
		conf.RedirectURL = redirect
		code := e.code(t, conf.AuthCodeURL(testState, oauth2.S256ChallengeOption(v)), redirect)
		if _, err := conf.Exchange(context.Background(), code, oauth2.VerifierOption(v)); err != nil {
			t.Errorf("%s: %v", redirect, err)
		}
	}
	// The token request must carry the same redirect URI.
	conf := e.psConfig(oauth2.AuthStyleInHeader)
	code := e.code(t, conf.AuthCodeURL(testState, oauth2.S256ChallengeOption(v)), psRedirect)
	conf.RedirectURL = psRedirectIP
	if _, err := conf.Exchange(context.Background(), code, oauth2.VerifierOption(v)); grantErr(t, err) != "invalid_grant" {
		t.Errorf("token request with another redirect URI: %v", err)
	}
	// Upstash too.
	up := e.upConfig()
	up.RedirectURL = "http://localhost:3001"
	if resp := e.get(t, up.AuthCodeURL(testState, audience, oauth2.S256ChallengeOption(v))); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("Upstash, other port: status %d, want 400", resp.StatusCode)
	}
}

func TestShortStateRejected(t *testing.T) {
	t.Parallel()
	e := newOAuthEnv(t, true)
	v := oauth2.GenerateVerifier()
	for _, state := range []string{"", "1234567"} {
		if got := e.authError(t, e.psConfig(oauth2.AuthStyleInHeader).AuthCodeURL(state, oauth2.S256ChallengeOption(v)), psRedirect); got != "invalid_state" {
			t.Errorf("PolyScale state %q: error = %q, want invalid_state", state, got)
		}
		if got := e.authError(t, e.upConfig().AuthCodeURL(state, audience, oauth2.S256ChallengeOption(v)), upRedirect); got != "invalid_state" {
			t.Errorf("Upstash state %q: error = %q, want invalid_state", state, got)
		}
	}
	e.code(t, e.psConfig(oauth2.AuthStyleInHeader).AuthCodeURL("12345678", oauth2.S256ChallengeOption(v)), psRedirect) // 8 is enough
}

func TestReplayedCodeFailsAndRevokesItsTokens(t *testing.T) {
	t.Parallel()
	e := newOAuthEnv(t, true)
	for _, p := range []struct {
		name     string
		conf     *oauth2.Config
		server   *AuthServer
		redirect string
		opts     []oauth2.AuthCodeOption
	}{
		{"polyscale", e.psConfig(oauth2.AuthStyleInHeader), e.ps, psRedirect, nil},
		{"upstash", e.upConfig(), e.up, upRedirect, []oauth2.AuthCodeOption{audience}},
	} {
		t.Run(p.name, func(t *testing.T) {
			before := e.counters.Snapshot().ReuseDetections
			v := oauth2.GenerateVerifier()
			code := e.code(t, p.conf.AuthCodeURL(testState, append(p.opts, oauth2.S256ChallengeOption(v))...), p.redirect)
			tok, err := p.conf.Exchange(context.Background(), code, oauth2.VerifierOption(v))
			if err != nil {
				t.Fatal(err)
			}
			e.mustVerify(t, p.server, tok.AccessToken)
			_, err = p.conf.Exchange(context.Background(), code, oauth2.VerifierOption(v))
			if got := grantErr(t, err); got != "invalid_grant" {
				t.Errorf("replay: error = %q, want invalid_grant", got)
			}
			mustNotVerify(t, p.server, tok.AccessToken, "after a code replay")
			if _, err := p.conf.TokenSource(context.Background(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); grantErr(t, err) != "invalid_grant" {
				t.Errorf("refresh after a code replay: %v, want invalid_grant", err)
			}
			if got := e.counters.Snapshot().ReuseDetections - before; got < 1 {
				t.Errorf("ReuseDetections grew by %d, want at least 1", got)
			}
		})
	}
}

func TestRefreshRotationAndReuseDetection(t *testing.T) {
	t.Parallel()
	e := newOAuthEnv(t, true)
	conf := e.psConfig(oauth2.AuthStyleInHeader)
	first := e.psLogin(t)
	refresh := func(rt string) (*oauth2.Token, error) {
		return conf.TokenSource(context.Background(), &oauth2.Token{RefreshToken: rt}).Token()
	}

	second, err := refresh(first.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if second.RefreshToken == "" || second.RefreshToken == first.RefreshToken {
		t.Fatal("refresh must rotate the refresh token")
	}
	mustNotVerify(t, e.ps, first.AccessToken, "the access token a refresh replaced")
	if p := e.mustVerify(t, e.ps, second.AccessToken); p.Workspace != e.account.Workspaces[0] {
		t.Errorf("refreshed token lost its workspace: %+v", p)
	}
	third, err := refresh(second.RefreshToken) // the new refresh token works
	if err != nil {
		t.Fatal(err)
	}
	e.mustVerify(t, e.ps, third.AccessToken)

	// Reusing an old refresh token fails and revokes the whole family.
	if _, err := refresh(first.RefreshToken); grantErr(t, err) != "invalid_grant" {
		t.Errorf("reuse: %v, want invalid_grant", err)
	}
	mustNotVerify(t, e.ps, third.AccessToken, "the newest access token after a reuse")
	if _, err := refresh(third.RefreshToken); grantErr(t, err) != "invalid_grant" {
		t.Errorf("the newest refresh token after a reuse: %v, want invalid_grant", err)
	}
	s := e.counters.Snapshot()
	if s.Refreshes != 2 {
		t.Errorf("Refreshes = %d, want 2", s.Refreshes)
	}
	if s.ReuseDetections < 1 {
		t.Errorf("ReuseDetections = %d, want >= 1", s.ReuseDetections)
	}
	if _, err := refresh(first.RefreshToken); err == nil {
		t.Error("reused again: want an error")
	}
}

func TestReuseDetectionCountsOnce(t *testing.T) {
	t.Parallel()
	e := newOAuthEnv(t, true)
	conf := e.psConfig(oauth2.AuthStyleInParams)
	first := e.psLogin(t)
	second, err := conf.TokenSource(context.Background(), &oauth2.Token{RefreshToken: first.RefreshToken}).Token()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conf.TokenSource(context.Background(), &oauth2.Token{RefreshToken: first.RefreshToken}).Token(); err == nil {
		t.Fatal("reuse accepted")
	}
	mustNotVerify(t, e.ps, second.AccessToken, "after reuse")
	if got := e.counters.Snapshot().ReuseDetections; got != 1 {
		t.Errorf("ReuseDetections = %d, want 1", got)
	}
}

func TestUpstashRefreshRotation(t *testing.T) {
	t.Parallel()
	e := newOAuthEnv(t, true)
	conf := e.upConfig()
	v := oauth2.GenerateVerifier()
	tok, err := conf.Exchange(context.Background(), e.code(t, conf.AuthCodeURL(testState, audience, oauth2.S256ChallengeOption(v)), upRedirect), oauth2.VerifierOption(v))
	if err != nil {
		t.Fatal(err)
	}
	next, err := conf.TokenSource(context.Background(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil {
		t.Fatal(err)
	}
	if next.RefreshToken == tok.RefreshToken || next.Extra("id_token") == nil {
		t.Error("want a rotated refresh token and a new id_token")
	}
	if p := e.mustVerify(t, e.up, next.AccessToken); p.Email != e.account.Email {
		t.Errorf("principal after refresh = %+v", p)
	}
}

func revoke(t *testing.T, e *oauthEnv, token, hint string, auth bool) *http.Response {
	t.Helper()
	form := url.Values{"token": {token}, "token_type_hint": {hint}}
	req, _ := http.NewRequest("POST", e.srv.URL+"/oauth2/revoke", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if auth {
		req.SetBasicAuth(psClientID, psSecret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func TestRevocation(t *testing.T) {
	t.Parallel()
	e := newOAuthEnv(t, true)
	tok := e.psLogin(t)
	// Without client authentication nothing is revoked (fosite answers 400 invalid_request).
	if resp := revoke(t, e, tok.RefreshToken, "refresh_token", false); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("revocation without client auth: %d, want 400", resp.StatusCode)
	}
	e.mustVerify(t, e.ps, tok.AccessToken)
	if resp := revoke(t, e, tok.RefreshToken, "refresh_token", true); resp.StatusCode != http.StatusOK {
		t.Fatalf("revocation: %d, want 200", resp.StatusCode)
	}
	_, err := e.psConfig(oauth2.AuthStyleInHeader).TokenSource(context.Background(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if got := grantErr(t, err); got != "invalid_grant" {
		t.Errorf("refresh after revocation: %q, want invalid_grant", got)
	}
	mustNotVerify(t, e.ps, tok.AccessToken, "access token of a revoked refresh token")
	s := e.counters.Snapshot()
	if s.Revocations != 1 {
		t.Errorf("Revocations = %d, want 1", s.Revocations)
	}
	if s.ReuseDetections != 0 {
		t.Errorf("ReuseDetections = %d: using a revoked token is not a reuse", s.ReuseDetections)
	}
	// RFC 7009: an unknown token is answered with 200 too.
	if resp := revoke(t, e, "unknown", "", true); resp.StatusCode != http.StatusOK {
		t.Errorf("unknown token: %d, want 200", resp.StatusCode)
	}
}

func TestDenyNext(t *testing.T) {
	t.Parallel()
	e := newOAuthEnv(t, true)
	v := oauth2.GenerateVerifier()
	e.ps.DenyNext()
	if got := e.authError(t, e.psConfig(oauth2.AuthStyleInHeader).AuthCodeURL(testState, oauth2.S256ChallengeOption(v)), psRedirect); got != "access_denied" {
		t.Errorf("error = %q, want access_denied", got)
	}
	e.code(t, e.psConfig(oauth2.AuthStyleInHeader).AuthCodeURL(testState, oauth2.S256ChallengeOption(v)), psRedirect) // only the next one

	e.up.DenyNext()
	if got := e.authError(t, e.upConfig().AuthCodeURL(testState, audience, oauth2.S256ChallengeOption(v)), upRedirect); got != "access_denied" {
		t.Errorf("Upstash: error = %q, want access_denied", got)
	}
	if s := e.counters.Snapshot(); s.Denials != 2 || s.Authorizations != 1 {
		t.Errorf("counters = %+v", s)
	}
}

func TestShortAccessTokenLifetime(t *testing.T) {
	t.Parallel()
	e := newOAuthEnv(t, true)
	e.ps.SetAccessTokenLifetime(time.Second)
	conf := e.psConfig(oauth2.AuthStyleInHeader)
	v := oauth2.GenerateVerifier()
	code := e.code(t, conf.AuthCodeURL(testState, oauth2.S256ChallengeOption(v)), psRedirect)
	// Read the raw response: x/oauth2 hides expires_in.
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {psRedirect}, "code_verifier": {v}}
	req, _ := http.NewRequest("POST", conf.Endpoint.TokenURL, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(psClientID, psSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.AccessToken == "" {
		t.Fatalf("token response: %d %v", resp.StatusCode, err)
	}
	if body.ExpiresIn > 1 {
		t.Errorf("expires_in = %d, want about 1", body.ExpiresIn)
	}
	e.mustVerify(t, e.ps, body.AccessToken)
	time.Sleep(1600 * time.Millisecond)
	mustNotVerify(t, e.ps, body.AccessToken, "after expiry")

	e.ps.SetAccessTokenLifetime(0) // back to the default
	if tok := e.psLogin(t); time.Until(tok.Expiry) < 59*time.Minute {
		t.Errorf("expiry %v, want the default hour", time.Until(tok.Expiry))
	}
}

// consent fetches the consent page of authURL, checks its headers and
// returns the page and its form's fields.
func (e *oauthEnv) consent(t *testing.T, authURL string) (string, url.Values) {
	t.Helper()
	resp := e.get(t, authURL)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("consent page: %d %s", resp.StatusCode, body)
	}
	for h, want := range map[string]string{"Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
	page := string(body)
	if regexp.MustCompile(`(?i)(src|href)="?https?:`).MatchString(page) {
		t.Error("the consent page loads an external resource")
	}
	fields := url.Values{}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`).FindAllStringSubmatch(page, -1) {
		fields.Add(m[1], htmlUnescape(m[2]))
	}
	if fields.Get("csrf_token") == "" {
		t.Fatal("no CSRF token on the consent page")
	}
	return page, fields
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#34;", `"`, "&#39;", "'", "&lt;", "<", "&gt;", ">").Replace(s)
}

func (e *oauthEnv) post(t *testing.T, path string, form url.Values) *http.Response {
	t.Helper()
	resp, err := e.browser.PostForm(e.srv.URL+path, form)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestConsentPageApprove(t *testing.T) {
	t.Parallel()
	e := newOAuthEnv(t, false)
	conf := e.psConfig(oauth2.AuthStyleInHeader)
	v := oauth2.GenerateVerifier()
	page, form := e.consent(t, conf.AuthCodeURL(testState, oauth2.S256ChallengeOption(v)))
	for _, want := range []string{`id="approve"`, `id="deny"`, psClientID, "caches:write", scopeDescriptions["caches:write"], `value="ws-personal"`, `value="ws-team"`} {
		if !strings.Contains(page, want) {
			t.Errorf("consent page lacks %q", want)
		}
	}
	if got := form.Get("redirect_uri"); got != psRedirect {
		t.Errorf("hidden redirect_uri = %q", got)
	}
	if e.counters.Snapshot().Authorizations != 0 {
		t.Error("a code before approval")
	}
	form.Set("workspace", "ws-team")
	form.Set("decision", "approve")
	q := redirectParams(t, e.post(t, "/oauth2/auth", form), psRedirect)
	if q.Get("code") == "" || q.Get("state") != testState {
		t.Fatalf("approve redirect = %v", q)
	}
	tok, err := conf.Exchange(context.Background(), q.Get("code"), oauth2.VerifierOption(v))
	if err != nil {
		t.Fatal(err)
	}
	if p := e.mustVerify(t, e.ps, tok.AccessToken); p.Workspace != "ws-team" {
		t.Errorf("workspace = %q, want the one chosen on the consent page", p.Workspace)
	}

	// The CSRF token is single use.
	resp := e.post(t, "/oauth2/auth", form)
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Location") != "" {
		t.Errorf("reused CSRF token: %d %q, want 403", resp.StatusCode, resp.Header.Get("Location"))
	}
	if s := e.counters.Snapshot(); s.Authorizations != 1 {
		t.Errorf("Authorizations = %d, want 1", s.Authorizations)
	}
}

func TestConsentPageUpstashApprove(t *testing.T) {
	t.Parallel()
	e := newOAuthEnv(t, false)
	conf := e.upConfig()
	v := oauth2.GenerateVerifier()
	page, form := e.consent(t, conf.AuthCodeURL(testState, audience, oauth2.S256ChallengeOption(v)))
	if strings.Contains(page, `name="workspace"`) {
		t.Error("Upstash has no workspaces")
	}
	form.Set("decision", "approve")
	q := redirectParams(t, e.post(t, "/authorize", form), upRedirect)
	if _, err := conf.Exchange(context.Background(), q.Get("code"), oauth2.VerifierOption(v)); err != nil {
		t.Fatal(err)
	}
}

func TestConsentPageDeny(t *testing.T) {
	t.Parallel()
	e := newOAuthEnv(t, false)
	v := oauth2.GenerateVerifier()
	_, form := e.consent(t, e.psConfig(oauth2.AuthStyleInHeader).AuthCodeURL(testState, oauth2.S256ChallengeOption(v)))
	form.Set("decision", "deny")
	q := redirectParams(t, e.post(t, "/oauth2/auth", form), psRedirect)
	if q.Get("error") != "access_denied" || q.Get("state") != testState || q.Get("code") != "" {
		t.Errorf("deny redirect = %v", q)
	}
	if s := e.counters.Snapshot(); s.Denials != 1 || s.Authorizations != 0 {
		t.Errorf("counters = %+v", s)
	}
}

func TestConsentPageRejectsForgedForms(t *testing.T) {
	t.Parallel()
	e := newOAuthEnv(t, false)
	v := oauth2.GenerateVerifier()
	authURL := e.psConfig(oauth2.AuthStyleInHeader).AuthCodeURL(testState, oauth2.S256ChallengeOption(v))

	_, form := e.consent(t, authURL)
	form.Set("decision", "approve")
	form.Set("workspace", "ws-personal")
	form.Set("csrf_token", "forged")
	if resp := e.post(t, "/oauth2/auth", form); resp.StatusCode != http.StatusForbidden {
		t.Errorf("forged CSRF token: %d, want 403", resp.StatusCode)
	}

	_, form = e.consent(t, authURL)
	form.Set("decision", "approve")
	form.Set("workspace", "ws-personal")
	form.Set("redirect_uri", psRedirectIP) // parameters changed after the page was shown
	if resp := e.post(t, "/oauth2/auth", form); resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
		t.Errorf("tampered parameters: %d, want 400", resp.StatusCode)
	}

	_, form = e.consent(t, authURL)
	form.Set("decision", "approve")
	form.Set("workspace", "ws-someone-else")
	if resp := e.post(t, "/oauth2/auth", form); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown workspace: %d, want 400", resp.StatusCode)
	}
	if s := e.counters.Snapshot(); s.Authorizations != 0 {
		t.Errorf("Authorizations = %d, want 0", s.Authorizations)
	}
}

func TestConsentPageNotShownForBadRequests(t *testing.T) {
	t.Parallel()
	e := newOAuthEnv(t, false)
	conf := e.psConfig(oauth2.AuthStyleInHeader)
	conf.RedirectURL = "http://localhost:1/callback"
	if resp := e.get(t, conf.AuthCodeURL(testState, oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bad redirect URI: %d, want an error page", resp.StatusCode)
	}
	if got := e.authError(t, e.psConfig(oauth2.AuthStyleInHeader).AuthCodeURL(testState), psRedirect); got != "invalid_request" {
		t.Errorf("no PKCE: %q, want invalid_request before the consent page", got)
	}
}

func TestRegisterClientAtRunTime(t *testing.T) {
	t.Parallel()
	e := newOAuthEnv(t, true)
	const extra = "http://127.0.0.1:50123/cb"
	if err := e.ps.RegisterClient(Client{Provider: "polyscale", ID: psClientID, RedirectURIs: []string{extra}}); err != nil {
		t.Fatal(err)
	}
	if err := e.ps.RegisterClient(Client{Provider: "upstash", ID: "x"}); err == nil {
		t.Error("an Upstash client registered at PolyScale")
	}
	if err := e.up.RegisterClient(Client{Provider: "upstash", ID: "x", Secret: "s"}); err == nil {
		t.Error("an Upstash client with a secret")
	}
	conf := e.psConfig(oauth2.AuthStyleInHeader)
	conf.RedirectURL = extra
	v := oauth2.GenerateVerifier()
	code := e.code(t, conf.AuthCodeURL(testState, oauth2.S256ChallengeOption(v)), extra)
	if _, err := conf.Exchange(context.Background(), code, oauth2.VerifierOption(v)); err != nil {
		t.Fatal(err)
	}
	// The original redirect URI still works.
	e.psLogin(t)
}

func TestWrongClientSecret(t *testing.T) {
	t.Parallel()
	e := newOAuthEnv(t, true)
	conf := e.psConfig(oauth2.AuthStyleInHeader)
	conf.ClientSecret = "wrong"
	v := oauth2.GenerateVerifier()
	code := e.code(t, conf.AuthCodeURL(testState, oauth2.S256ChallengeOption(v)), psRedirect)
	if _, err := conf.Exchange(context.Background(), code, oauth2.VerifierOption(v)); grantErr(t, err) != "invalid_client" {
		t.Errorf("wrong secret: %v", err)
	}
}

func TestConcurrentRefreshOfOneToken(t *testing.T) {
	t.Parallel()
	e := newOAuthEnv(t, true)
	conf := e.psConfig(oauth2.AuthStyleInHeader)
	tok := e.psLogin(t)
	const n = 8
	errs := make(chan error, n)
	for range n {
		go func() {
			_, err := conf.TokenSource(context.Background(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
			errs <- err
		}()
	}
	ok := 0
	for range n {
		if <-errs == nil {
			ok++
		}
	}
	// Requests are serialized: one wins; the next is a reuse of the rotated
	// token (fosite revokes the family and forgets the reused token), the
	// rest present an unknown token.
	if ok != 1 {
		t.Errorf("%d refreshes succeeded, want 1", ok)
	}
	if got := e.counters.Snapshot().ReuseDetections; got != 1 {
		t.Errorf("ReuseDetections = %d, want 1", got)
	}
}
