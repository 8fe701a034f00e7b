// Package acme is a provider that exists only for tests: Acme, with its own
// OAuth login (the sandbox's generic authorization server), its own CI
// credential (ACME_TOKEN) and one resource, widgets. It proves that a
// provider is one package and one registry line: acme_test.go registers it
// next to PolyScale and Upstash and drives it through the real command tree,
// and docs/adding-a-provider.md walks through the same steps.
//
// The files mirror where a real provider's code goes:
//
//	provider_test.go  internal/<name>/provider.go  the provider.Provider
//	api_test.go       internal/<name>/api.go       the API client
//	commands_test.go  internal/cmd/<name>/         the commands it adds
//	server_test.go    internal/sandbox             the fake Acme it talks to
//	acme_test.go      the end-to-end test
package acme

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/config"
	"github.com/cachelink/cachelink/internal/credentials"
	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/provider"
)

// Name is the provider on the command line and in the credential store;
// Title is its name for people.
const (
	Name  = "acme"
	Title = "Acme"
)

// EnvToken is the CI credential: an Acme API token sent as a Bearer token.
const EnvToken = "ACME_TOKEN"

// Configuration keys (config.yaml; CACHELINK_ACME_... in the environment).
const (
	KeyAPIURL      = "acme.api_url"
	KeyAuthURL     = "acme.auth_url"
	KeyTokenURL    = "acme.token_url"
	KeyRevokeURL   = "acme.revoke_url"
	KeyClientID    = "acme.client_id"
	KeyRedirectURL = "acme.redirect_url"
)

// BuildClientID is the registered OAuth app. A real provider's is set by
// the release build with -ldflags -X (see docs/adding-a-provider.md); the
// test sets CACHELINK_ACME_CLIENT_ID instead.
var BuildClientID = ""

// Scopes are the OAuth scopes Acme defines, all asked for by default.
var Scopes = []string{"widgets:read", "widgets:write"}

// Provider is Acme as cachelink's provider registry sees it.
var Provider provider.Provider = acmeProvider{}

type acmeProvider struct{}

func (acmeProvider) Name() string  { return Name }
func (acmeProvider) Title() string { return Title }

// Settings: the endpoints credentials are sent to are marked, so that
// config refuses plain http to anything but loopback.
func (acmeProvider) Settings() []config.Setting {
	return []config.Setting{
		{Key: KeyAPIURL, Default: "https://api.acme.example", Endpoint: true},
		{Key: KeyAuthURL, Default: "https://auth.acme.example/authorize", Endpoint: true},
		{Key: KeyTokenURL, Default: "https://auth.acme.example/token", Endpoint: true},
		{Key: KeyRevokeURL, Default: "https://auth.acme.example/revoke", Endpoint: true},
		{Key: KeyClientID, Default: BuildClientID},
		{Key: KeyRedirectURL, Default: "http://localhost:3000/callback"},
	}
}

func (acmeProvider) EnvVars() []string { return []string{EnvToken} }

func (acmeProvider) EnvCredential(getenv func(string) string) (*provider.Credential, error) {
	v := getenv(EnvToken)
	if v == "" {
		return nil, nil
	}
	return &provider.Credential{Provider: Name, Source: credentials.SourceEnv, Secret: v, EnvVars: []string{EnvToken}}, nil
}

func (acmeProvider) CIHint() string {
	return "In CI, set " + EnvToken + " (an Acme API token) instead of connecting."
}

// Login is the authorization code flow with a public client: no secret,
// the client id in the form. The auth style is explicit so that x/oauth2
// never resends a failed grant with another style (a code is redeemed
// once). PKCE is internal/oauth's.
func (acmeProvider) Login(c *config.Config, opts provider.LoginOptions) (*provider.Login, error) {
	if opts.Email != "" {
		return nil, clierr.Usagef("--email is not an Acme option")
	}
	for _, s := range opts.Scopes {
		if !slices.Contains(Scopes, s) {
			return nil, clierr.Usagef("unknown Acme scope %q", s).WithHint("Scopes: " + strings.Join(Scopes, ", "))
		}
	}
	scopes := opts.Scopes
	if len(scopes) == 0 {
		scopes = Scopes
	}
	return &provider.Login{OAuth2: &oauth2.Config{
		ClientID: c.String(KeyClientID),
		Endpoint: oauth2.Endpoint{
			AuthURL:   c.String(KeyAuthURL),
			TokenURL:  c.String(KeyTokenURL),
			AuthStyle: oauth2.AuthStyleInParams,
		},
		RedirectURL: c.String(KeyRedirectURL),
		Scopes:      scopes,
	}}, nil
}

// FinishLogin has nothing to add: the tokens are the login.
func (acmeProvider) FinishLogin(context.Context, *provider.Session, provider.Finish, *credentials.Record) error {
	return nil
}

// revokeTimeout bounds the revocation: disconnect must not hang.
const revokeTimeout = 10 * time.Second

// Revoke revokes the refresh token, which ends its access tokens too, or
// the access token when there is no refresh token.
func (p acmeProvider) Revoke(ctx context.Context, s *provider.Session, rec *credentials.Record, ios *iostreams.IOStreams) {
	token, hint := rec.RevocableToken()
	if token == "" {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, revokeTimeout)
	defer cancel()
	err := revoke(ctx, s.HTTP, s.Config.String(KeyRevokeURL), s.Config.String(KeyClientID), token, hint)
	if err != nil {
		ios.Warnf("could not revoke the %s tokens at the provider: %v; they stay valid until they expire", Title, err)
		return
	}
	fmt.Fprintf(ios.ErrOut, "%s Revoked the %s tokens\n", ios.SuccessIcon(), Title)
}

// revoke is an RFC 7009 revocation by a public client: the client id goes
// in the form. s.HTTP does not retry it.
func revoke(ctx context.Context, hc *http.Client, revokeURL, clientID, token, hint string) error {
	form := url.Values{"token": {token}, "token_type_hint": {hint}, "client_id": {clientID}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, revokeURL, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
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

// Credential: requests carry the access token.
func (acmeProvider) Credential(rec *credentials.Record, src credentials.Source) *provider.Credential {
	return &provider.Credential{Provider: rec.Provider, Profile: rec.Profile, Source: src, Account: rec.Account,
		Secret: rec.AccessToken, Expiry: rec.Expiry, Scopes: rec.Scopes, Record: rec}
}

// Stored is the stored login with its access token refreshed first when
// it is about to expire.
func (acmeProvider) Stored(ctx context.Context, s *provider.Session) (*provider.Credential, error) {
	return s.Fresh(ctx)
}

// Authorize sends the token as a Bearer token.
func (acmeProvider) Authorize(req *http.Request, c *provider.Credential) {
	req.Header.Set("Authorization", "Bearer "+c.Secret)
}

// Recover forces one refresh, under the cross-process lock, unless another
// process already replaced the rejected token.
func (acmeProvider) Recover(ctx context.Context, s *provider.Session, rejected *provider.Credential) (*provider.Credential, error) {
	return s.ForceRefresh(ctx, rejected.Secret)
}

// Refused: nothing to remember; the next command refreshes again.
func (acmeProvider) Refused(context.Context, *provider.Session, *provider.Credential) {}

// Check lists the widgets, Acme's cheapest call: 401 and 403 mean Acme
// refuses the token.
func (acmeProvider) Check(ctx context.Context, s *provider.Session, c *provider.Credential) (provider.Checked, error) {
	return provider.CheckGet(ctx, s, c, strings.TrimRight(s.Config.String(KeyAPIURL), "/")+"/v1/widgets")
}

// KeyLogin stores an Acme API token as the access token of a login that is
// never refreshed, sent as ACME_TOKEN is.
func (acmeProvider) KeyLogin() provider.KeyLogin {
	return provider.KeyLogin{
		KeyName: "Acme API token",
		Record: func(profile, _, key string, _ provider.Checked) *credentials.Record {
			return &credentials.Record{Provider: Name, Profile: profile, AccessToken: key}
		},
	}
}

func (acmeProvider) RejectedHint(c *provider.Credential) string {
	if c.FromEnv() {
		return "Check the value, or unset it to use the stored login."
	}
	return provider.ConnectHint(Provider, c.Profile)
}
