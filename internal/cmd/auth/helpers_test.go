package auth_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cachelink/cachelink/internal/cmdtest"
)

// polyscaleShortTokens is a sandbox whose PolyScale access tokens live two
// seconds (Upstash's keep the default, so its login is not racing them).
func polyscaleShortTokens(t *testing.T) *cmdtest.Env {
	e := cmdtest.New(t, cmdtest.Options{})
	e.Sandbox.PolyScaleAuth.SetAccessTokenLifetime(2 * time.Second)
	return e
}

// revoke revokes a PolyScale refresh token at the sandbox, as the user
// removing the app in PolyScale's console would.
func revoke(t *testing.T, e *cmdtest.Env, refreshToken string) {
	t.Helper()
	form := url.Values{"token": {refreshToken}, "token_type_hint": {"refresh_token"}}
	req, _ := http.NewRequest(http.MethodPost, e.Server.URL+"/oauth2/revoke", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("cachelink-sandbox", "sandbox-polyscale-secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("revoke: %s", resp.Status)
	}
}
