package sandbox

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// Auth0's POST /oauth/revoke: a public client sends client_id and token in
// the form; the refresh token and its access tokens stop working, and
// nothing else (the Developer API keys are not OAuth tokens).
func TestUpstashRevocation(t *testing.T) {
	t.Parallel()
	e := newOAuthEnv(t, true)
	conf := e.upConfig()
	v := oauth2.GenerateVerifier()
	tok, err := conf.Exchange(context.Background(), e.code(t, conf.AuthCodeURL(testState, audience, oauth2.S256ChallengeOption(v)), upRedirect), oauth2.VerifierOption(v))
	if err != nil {
		t.Fatal(err)
	}
	post := func(form url.Values) int {
		resp, err := http.Post(e.srv.URL+"/oauth/revoke", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := post(url.Values{"token": {tok.RefreshToken}}); st == http.StatusOK {
		t.Error("a revocation without client_id was accepted")
	}
	e.mustVerify(t, e.up, tok.AccessToken)
	if st := post(url.Values{"client_id": {upClientID}, "token": {tok.RefreshToken}}); st != http.StatusOK {
		t.Fatalf("revocation: %d, want 200", st)
	}
	_, err = conf.TokenSource(context.Background(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if got := grantErr(t, err); got != "invalid_grant" {
		t.Errorf("refresh after revocation: %q, want invalid_grant", got)
	}
	mustNotVerify(t, e.up, tok.AccessToken, "access token of a revoked refresh token")
	if s := e.counters.Snapshot(); s.Revocations != 1 || s.ReuseDetections != 0 {
		t.Errorf("counters = %+v, want 1 revocation and no reuse", s)
	}
}

func TestEnvPointsAtTheUpstashRevocationEndpoint(t *testing.T) {
	t.Parallel()
	sb, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, v := range sb.Env("http://127.0.0.1:8085/", "") {
		if v.Name == "CACHELINK_UPSTASH_REVOKE_URL" {
			found = v.Value == "http://127.0.0.1:8085/oauth/revoke"
		}
	}
	if !found {
		t.Errorf("Env lacks CACHELINK_UPSTASH_REVOKE_URL=http://127.0.0.1:8085/oauth/revoke: %v", sb.Env("http://127.0.0.1:8085/", ""))
	}
}
