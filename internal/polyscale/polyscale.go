// Package polyscale is cachelink's side of PolyScale: how to log in to it
// (an Ory Hydra authorization server with a confidential client), how to
// revoke what the login gave, and which environment variable replaces the
// login in CI. It turns configuration into requests; the commands decide
// what to do with the answers.
package polyscale

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"

	"github.com/cachelink/cachelink/internal/clierr"
)

// Name is the provider's name on the command line; Title is for people.
const (
	Name  = "polyscale"
	Title = "PolyScale"
)

// EnvAPIKey is the CI credential: a workspace API key sent as a Bearer token.
const EnvAPIKey = "POLYSCALE_API_KEY"

// Configuration keys (config.yaml; CACHELINK_POLYSCALE_... in the
// environment).
const (
	KeyAPIURL       = "polyscale.api_url"
	KeyAuthURL      = "polyscale.auth_url"
	KeyTokenURL     = "polyscale.token_url"
	KeyRevokeURL    = "polyscale.revoke_url"
	KeyClientID     = "polyscale.client_id"
	KeyClientSecret = "polyscale.client_secret"
	KeyRedirectURL  = "polyscale.redirect_url"
	KeyEdgeHost     = "polyscale.edge_host"
)

// The registered OAuth app, set by the release build with -ldflags -X.
var (
	BuildClientID     = ""
	BuildClientSecret = ""
)

// Scopes are the OAuth scopes PolyScale defines, all asked for by default.
var Scopes = []string{"caches:read", "caches:write", "cacheRules:read", "cacheRules:write"}

// CheckScopes refuses scopes PolyScale does not define, before a browser
// opens for a login that would fail.
func CheckScopes(scopes []string) error {
	for _, s := range scopes {
		known := false
		for _, k := range Scopes {
			known = known || s == k
		}
		if !known {
			return clierr.Hinted(fmt.Errorf("unknown PolyScale scope %q", s), "Scopes: "+strings.Join(Scopes, ", "))
		}
	}
	return nil
}

// Revoke revokes token at the RFC 7009 endpoint revokeURL. Revoking the
// refresh token revokes the access tokens issued with it (Hydra).
// hint is "refresh_token" or "access_token".
func Revoke(ctx context.Context, hc *http.Client, cfg *oauth2.Config, revokeURL, token, hint string) error {
	form := url.Values{"token": {token}, "token_type_hint": {hint}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, revokeURL, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(cfg.ClientID), url.QueryEscape(cfg.ClientSecret))
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s: %s", revokeURL, resp.Status, strings.TrimSpace(string(body)))
	}
	return nil
}
