package polyscale

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"golang.org/x/oauth2"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/config"
	"github.com/cachelink/cachelink/internal/credentials"
	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/provider"
)

// Provider is PolyScale as cachelink's provider registry sees it.
var Provider provider.Provider = polyScale{}

type polyScale struct{}

func (polyScale) Name() string  { return Name }
func (polyScale) Title() string { return Title }

func (polyScale) Settings() []config.Setting {
	return []config.Setting{
		{Key: KeyAPIURL, Default: "https://api.polyscale.ai", Endpoint: true},
		{Key: KeyAuthURL, Default: "https://auth.polyscale.ai/oauth2/auth", Endpoint: true},
		{Key: KeyTokenURL, Default: "https://auth.polyscale.ai/oauth2/token", Endpoint: true},
		{Key: KeyRevokeURL, Default: "https://auth.polyscale.ai/oauth2/revoke", Endpoint: true},
		{Key: KeyClientID, Default: BuildClientID},
		{Key: KeyClientSecret, Default: BuildClientSecret},
		{Key: KeyRedirectURL, Default: "http://localhost:3000/callback"},
		{Key: KeyEdgeHost, Default: "psedge.global"},
	}
}

func (polyScale) EnvVars() []string { return []string{EnvAPIKey} }

func (polyScale) EnvCredential(getenv func(string) string) (*provider.Credential, error) {
	v := getenv(EnvAPIKey)
	if v == "" {
		return nil, nil
	}
	return &provider.Credential{Provider: Name, Source: credentials.SourceEnv, Secret: v, EnvVars: []string{EnvAPIKey}}, nil
}

func (polyScale) CIHint() string {
	return "In CI, set " + EnvAPIKey + " (a PolyScale API key) instead of connecting."
}

// Login is Hydra's authorization code flow with a confidential client.
// Its token endpoint takes the client secret in the Authorization header
// (client_secret_basic); the style is explicit because the zero value
// makes x/oauth2 resend a failed grant with the other style, and a code
// must never be redeemed twice.
func (polyScale) Login(c *config.Config, opts provider.LoginOptions) (*provider.Login, error) {
	if opts.Email != "" {
		return nil, clierr.Usagef("--email is for Upstash")
	}
	if err := CheckScopes(opts.Scopes); err != nil {
		return nil, clierr.Wrap(clierr.Usage, err)
	}
	scopes := opts.Scopes
	if len(scopes) == 0 {
		scopes = Scopes
	}
	return &provider.Login{OAuth2: &oauth2.Config{
		ClientID:     c.String(KeyClientID),
		ClientSecret: c.String(KeyClientSecret),
		Endpoint: oauth2.Endpoint{
			AuthURL:   c.String(KeyAuthURL),
			TokenURL:  c.String(KeyTokenURL),
			AuthStyle: oauth2.AuthStyleInHeader,
		},
		RedirectURL: c.String(KeyRedirectURL),
		Scopes:      scopes,
	}}, nil
}

// FinishLogin has nothing to add: the tokens are the login.
func (polyScale) FinishLogin(context.Context, *provider.Session, provider.Finish, *credentials.Record) error {
	return nil
}

// revokeTimeout bounds the revocation: disconnecting must not hang on an
// unreachable provider.
const revokeTimeout = 10 * time.Second

// Revoke revokes the refresh token, which ends its access tokens too
// (Hydra), or the access token when there is no refresh token.
func (p polyScale) Revoke(ctx context.Context, s *provider.Session, rec *credentials.Record, ios *iostreams.IOStreams) {
	token, hint := rec.RefreshToken, "refresh_token"
	if token == "" {
		token, hint = rec.AccessToken, "access_token"
	}
	if token == "" {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, revokeTimeout)
	defer cancel()
	login, err := p.Login(s.Config, provider.LoginOptions{})
	if err == nil {
		err = Revoke(ctx, s.HTTP, login.OAuth2, s.Config.String(KeyRevokeURL), token, hint)
	}
	if err != nil {
		ios.Warnf("could not revoke the %s tokens at the provider: %v; they stay valid until they expire or you revoke the app's access in the PolyScale console", Title, err)
		return
	}
	fmt.Fprintf(ios.ErrOut, "%s Revoked the %s tokens\n", ios.SuccessIcon(), Title)
}

func (polyScale) Credential(rec *credentials.Record, src credentials.Source) *provider.Credential {
	return &provider.Credential{Provider: rec.Provider, Profile: rec.Profile, Source: src, Account: rec.Account,
		Secret: rec.AccessToken, Expiry: rec.Expiry, Scopes: rec.Scopes, Record: rec}
}

// Stored is the stored login with an access token refreshed first when it
// is about to expire.
func (polyScale) Stored(ctx context.Context, s *provider.Session) (*provider.Credential, error) {
	return s.Fresh(ctx)
}

// Authorize sends the API key or the access token as a Bearer token.
func (polyScale) Authorize(req *http.Request, c *provider.Credential) {
	req.Header.Set("Authorization", "Bearer "+c.Secret)
}

// Recover forces one refresh, under the cross-process lock, unless
// another process already replaced the rejected token.
func (polyScale) Recover(ctx context.Context, s *provider.Session, rejected *provider.Credential) (*provider.Credential, error) {
	return s.ForceRefresh(ctx, rejected.Secret)
}

// Refused: nothing to remember; the next command refreshes again.
func (polyScale) Refused(context.Context, *provider.Session, *provider.Credential) {}

func (polyScale) RejectedHint(c *provider.Credential) string {
	if c.FromEnv() {
		return "Check the value, or unset it to use the stored login."
	}
	return provider.ConnectHint(Provider, c.Profile)
}
