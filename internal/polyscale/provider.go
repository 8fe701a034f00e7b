package polyscale

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/config"
	"github.com/cachelink/cachelink/internal/credentials"
	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/provider"
	"github.com/cachelink/cachelink/internal/safetext"
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

// EnvCredential reads POLYSCALE_API_KEY, without the whitespace around it.
func (polyScale) EnvCredential(getenv func(string) string) (*provider.Credential, error) {
	v, err := provider.EnvValue(getenv, EnvAPIKey)
	if v == "" || err != nil {
		return nil, err
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

// finishCheckTimeout bounds the request FinishLogin makes to learn the
// workspace: a login is not held up by it.
const finishCheckTimeout = 5 * time.Second

// FinishLogin learns, where the API tells it, the workspace chosen on the
// consent page (one list of the caches, whose workspaceId names it). The
// tokens are the login: nothing else is needed, and a failure is ignored.
func (p polyScale) FinishLogin(ctx context.Context, s *provider.Session, fin provider.Finish, rec *credentials.Record) error {
	if fin.Token == nil || fin.Token.AccessToken == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, finishCheckTimeout)
	defer cancel()
	checked, err := p.Check(ctx, s, &provider.Credential{Provider: Name, Profile: rec.Profile, Secret: fin.Token.AccessToken})
	if err == nil {
		setWorkspace(rec, checked.Workspace)
	}
	return nil
}

// extraWorkspace is where a record keeps the workspace the API named.
const extraWorkspace = "ws"

func setWorkspace(rec *credentials.Record, ws string) {
	if ws == "" {
		return
	}
	if rec.Extra == nil {
		rec.Extra = map[string]string{}
	}
	rec.Extra[extraWorkspace] = ws
}

// Check lists the caches (GET /v1/caches), PolyScale's cheapest call:
// 401 is a refused credential. A 403 (a scope or workspace the credential
// lacks) comes from a credential PolyScale accepted. PolyScale publishes
// no endpoint that names the account or the workspace (its API and its
// client, polyscale-node, know caches and cache rules only); every cache
// carries its workspaceId, so the workspace is known once there is a
// cache.
func (p polyScale) Check(ctx context.Context, s *provider.Session, c *provider.Credential) (provider.Checked, error) {
	status, body, err := provider.Probe(ctx, s, c, strings.TrimRight(s.Config.String(KeyAPIURL), "/")+"/v1/caches")
	switch {
	case err != nil:
		return provider.Checked{}, err
	case status == http.StatusForbidden:
		return provider.Checked{}, nil
	case status < 200 || status > 299:
		return provider.Checked{}, provider.CheckStatus(p, status, false)
	}
	var caches []Cache
	if json.Unmarshal(body, &caches) != nil {
		return provider.Checked{}, nil
	}
	return provider.Checked{Workspace: workspaceOf(caches)}, nil
}

// workspaceOf is the workspace the caches are in: "" when there are none,
// or when they name more than one (the credential then reaches several).
func workspaceOf(caches []Cache) string {
	ws := ""
	for _, c := range caches {
		switch {
		case c.WorkspaceID == "":
		case ws == "":
			ws = c.WorkspaceID
		case ws != c.WorkspaceID:
			return ""
		}
	}
	return safetext.Line(ws, 100)
}

// KeyLogin stores a PolyScale API key as the access token of a login that
// is never refreshed: it is sent as a Bearer token, as POLYSCALE_API_KEY is.
func (polyScale) KeyLogin() provider.KeyLogin {
	return provider.KeyLogin{
		KeyName: "PolyScale API key",
		Record: func(profile, _, key string, checked provider.Checked) *credentials.Record {
			rec := &credentials.Record{Provider: Name, Profile: profile, AccessToken: key}
			setWorkspace(rec, checked.Workspace)
			return rec
		},
	}
}

// revokeTimeout bounds the revocation: disconnecting must not hang on an
// unreachable provider.
const revokeTimeout = 10 * time.Second

// Revoke revokes the refresh token, which ends its access tokens too
// (Hydra), or the access token when there is no refresh token.
func (p polyScale) Revoke(ctx context.Context, s *provider.Session, rec *credentials.Record, ios *iostreams.IOStreams) {
	token, hint := rec.RevocableToken()
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
		ios.WarnHint("They stay valid until they expire, or until you revoke the app's access in the PolyScale console.",
			"could not revoke the %s tokens at the provider: %v", Title, err)
		return
	}
	fmt.Fprintf(ios.ErrOut, "%s Revoked the %s tokens\n", ios.SuccessIcon(), Title)
}

func (polyScale) Credential(rec *credentials.Record, src credentials.Source) *provider.Credential {
	return &provider.Credential{Provider: rec.Provider, Profile: rec.Profile, Source: src, Account: rec.Account,
		Secret: rec.AccessToken, Expiry: rec.Expiry, Scopes: rec.Scopes, Workspace: rec.Extra[extraWorkspace], Record: rec}
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
	switch {
	case c.FromEnv():
		return "Check the value, or unset it to use the stored login."
	case c.APIKey():
		return "The stored API key was deleted or is wrong: run '" + provider.ConnectCommand(Provider, c.Profile) + " --with-key' with a valid one, or connect in the browser."
	}
	return provider.ConnectHint(Provider, c.Profile)
}
