package upstash

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/config"
	"github.com/cachelink/cachelink/internal/credentials"
	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/provider"
)

// Provider is Upstash as cachelink's provider registry sees it. Its
// requests carry the Developer API key, minted with the OAuth login and
// kept in the record's Extra.
var Provider provider.Provider = upstashProvider{}

type upstashProvider struct{}

// What Upstash keeps in a record's Extra: the Developer API key, its name,
// and "true" when Upstash refused the key right after it was minted (a
// wrong account email: minting again would not help). The short names are
// those of records written before Extra existed.
const (
	extraKey         = "k"
	extraKeyName     = "kn"
	extraKeyRejected = "kr"
)

func (upstashProvider) Name() string  { return Name }
func (upstashProvider) Title() string { return Title }

func (upstashProvider) Settings() []config.Setting {
	return []config.Setting{
		{Key: KeyAPIURL, Default: "https://api.upstash.com", Endpoint: true},
		{Key: KeyAuthURL, Default: "https://auth.upstash.com/authorize", Endpoint: true},
		{Key: KeyTokenURL, Default: "https://auth.upstash.com/oauth/token", Endpoint: true},
		{Key: KeyClientID, Default: BuildClientID},
		{Key: KeyRedirectURL, Default: "http://localhost:3000"},
	}
}

func (upstashProvider) EnvVars() []string { return []string{EnvEmail, EnvAPIKey} }

// EnvCredential reads UPSTASH_EMAIL and UPSTASH_API_KEY: both or neither.
func (upstashProvider) EnvCredential(getenv func(string) string) (*provider.Credential, error) {
	email, key := getenv(EnvEmail), getenv(EnvAPIKey)
	switch {
	case email != "" && key != "":
		return &provider.Credential{Provider: Name, Source: credentials.SourceEnv, Account: email, Secret: key,
			EnvVars: []string{EnvEmail, EnvAPIKey}}, nil
	case email != "":
		return nil, clierr.Usagef("%s is set but %s is not: set both, or neither to use the stored login", EnvEmail, EnvAPIKey)
	case key != "":
		return nil, clierr.Usagef("%s is set but %s is not: set both, or neither to use the stored login", EnvAPIKey, EnvEmail)
	}
	return nil, nil
}

func (upstashProvider) CIHint() string {
	return "In CI, set " + EnvEmail + " and " + EnvAPIKey + " instead of connecting."
}

// Login is Auth0's authorization code flow with a public client: no
// secret, and the client id goes in the form (AuthStyleInParams, explicit
// so that x/oauth2 never retries a grant with another style).
func (upstashProvider) Login(c *config.Config, opts provider.LoginOptions) (*provider.Login, error) {
	if len(opts.Scopes) > 0 {
		return nil, clierr.Usagef("--scopes is for PolyScale; Upstash's scopes are fixed (%s)", strings.Join(Scopes, " "))
	}
	return &provider.Login{
		OAuth2: &oauth2.Config{
			ClientID: c.String(KeyClientID),
			Endpoint: oauth2.Endpoint{
				AuthURL:   c.String(KeyAuthURL),
				TokenURL:  c.String(KeyTokenURL),
				AuthStyle: oauth2.AuthStyleInParams,
			},
			RedirectURL: c.String(KeyRedirectURL),
			Scopes:      Scopes,
		},
		AuthParams: []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("audience", Audience)},
	}, nil
}

// FinishLogin learns the account email and mints the Developer API key.
func (upstashProvider) FinishLogin(ctx context.Context, s *provider.Session, fin provider.Finish, rec *credentials.Record) error {
	tok := fin.Token
	email := EmailFromIDToken(tok)
	if email == "" {
		if u, err := UserinfoURL(s.Config.String(KeyTokenURL)); err == nil {
			email, _ = Userinfo(ctx, s.HTTP, u, tok.AccessToken)
		}
	}
	if email == "" {
		email = fin.Options.Email
	}
	if email == "" && fin.Ask != nil {
		email = strings.TrimSpace(fin.Ask(ctx, "Upstash did not say which account this is. Your Upstash email: "))
	}
	rec.Account = email
	if email == "" {
		return clierr.Errorf("Upstash did not tell the account email, and none was given").
			WithHint("Run `cachelink connect upstash --email you@example.com`.")
	}

	key, name, err := MintNamedKey(ctx, s.HTTP, s.Config.String(KeyAPIURL), tok.AccessToken, time.Now())
	if err != nil {
		var apiErr *APIError
		var netErr net.Error
		switch {
		case errors.As(err, &apiErr) && (apiErr.Status == 401 || apiErr.Status == 403):
			return clierr.Authf("Upstash refused to create a Developer API key: %v", err).
				WithHint("Accounts created through Vercel or Fly.io cannot use Upstash's Developer API; " +
					"use an account created on upstash.com, or set UPSTASH_EMAIL and UPSTASH_API_KEY.")
		case errors.As(err, &netErr):
			return clierr.Wrap(clierr.Unreachable, fmt.Errorf("creating the Upstash Developer API key: %w", err)).
				WithHint("The login is stored; run `cachelink connect upstash` again when Upstash is reachable.")
		}
		return clierr.Errorf("creating the Upstash Developer API key: %v", err).
			WithHint("The login is stored; run `cachelink connect upstash` again.")
	}
	SetStoredKey(rec, key, name)
	return nil
}

// StoredKey is the Developer API key kept in rec, and its name.
func StoredKey(rec *credentials.Record) (key, name string) {
	return rec.Extra[extraKey], rec.Extra[extraKeyName]
}

// SetStoredKey keeps a Developer API key and its name in rec.
func SetStoredKey(rec *credentials.Record, key, name string) {
	if rec.Extra == nil {
		rec.Extra = map[string]string{}
	}
	rec.Extra[extraKey], rec.Extra[extraKeyName] = key, name
	delete(rec.Extra, extraKeyRejected)
}

// Revoke: Upstash has no revocation endpoint cachelink uses; the key it
// minted stays valid until deleted in the console, so its name is given.
func (upstashProvider) Revoke(_ context.Context, _ *provider.Session, rec *credentials.Record, ios *iostreams.IOStreams) {
	if name := rec.Extra[extraKeyName]; name != "" {
		ios.Warnf("Upstash cannot revoke from here: delete the Developer API key %s in the Upstash console (Account > Management API)", name)
	}
}

// Credential is the stored Developer API key with the account email. The
// access token's expiry is left out: commands use the key, which does not
// expire.
func (upstashProvider) Credential(rec *credentials.Record, src credentials.Source) *provider.Credential {
	return &provider.Credential{Provider: rec.Provider, Profile: rec.Profile, Source: src, Account: rec.Account,
		Secret: rec.Extra[extraKey], SecretName: rec.Extra[extraKeyName], Scopes: rec.Scopes, Record: rec}
}

// Stored is the record as it is: the API key does not expire, and only
// minting a new one needs a fresh access token (Recover).
func (upstashProvider) Stored(_ context.Context, s *provider.Session) (*provider.Credential, error) {
	return s.Load()
}

// Authorize sends the email and the key as HTTP Basic credentials.
func (upstashProvider) Authorize(req *http.Request, c *provider.Credential) {
	req.SetBasicAuth(c.Account, c.Secret)
}

// Recover replaces a Developer API key the API rejected (deleted in the
// console, or never minted) with a new one, minted with the stored login,
// once. Under a cross-process lock the record is read again: a key another
// process minted meanwhile is used instead of minting another (an account
// holds at most 37).
func (upstashProvider) Recover(ctx context.Context, s *provider.Session, rejected *provider.Credential) (*provider.Credential, error) {
	store, refresh, err := s.Refreshable()
	if err != nil {
		return nil, err
	}
	profile := s.Profile
	var out *provider.Credential
	err = store.Locked(ctx, "apikey", Name, profile, func() error {
		rec, src, err := store.Fresh(ctx, Name, profile, refresh)
		if err != nil {
			return s.Error(err)
		}
		if key := rec.Extra[extraKey]; key != "" && key != rejected.Secret {
			out = Provider.Credential(rec, src)
			return nil
		}
		if rec.Extra[extraKeyRejected] == "true" && rec.Extra[extraKey] == rejected.Secret {
			// Upstash refused a key it had just minted: another key would
			// be refused too, and only use up the account's 37.
			return clierr.Authf("Upstash rejects the Developer API key cachelink minted for %s", rec.Account).
				WithHint("The stored email may be wrong: run `cachelink connect upstash --email you@example.com`. " +
					"Accounts created through Vercel or Fly.io cannot use the Developer API.")
		}
		mint := func(accessToken string) (string, string, error) {
			return MintNamedKey(ctx, s.HTTP, s.Config.String(KeyAPIURL), accessToken, time.Now())
		}
		key, name, err := mint(rec.AccessToken)
		var apiErr *APIError
		if errors.As(err, &apiErr) && apiErr.Status == http.StatusUnauthorized && rec.RefreshToken != "" {
			// An access token that looked valid was refused: one forced
			// refresh, one more try.
			if rec, _, err = store.ForceRefresh(ctx, Name, profile, rec.AccessToken, refresh); err != nil {
				return s.Error(err)
			}
			key, name, err = mint(rec.AccessToken)
		}
		if err != nil {
			if errors.Is(err, ErrKeyLimit) {
				return clierr.Wrap(clierr.Auth, fmt.Errorf("the stored Upstash API key was rejected, and a new one cannot be made: %w", err))
			}
			e := clierr.Wrap(clierr.Auth, fmt.Errorf("the stored Upstash API key was rejected, and minting a new one failed: %w", err))
			if errors.As(err, &apiErr) && (apiErr.Status == http.StatusUnauthorized || apiErr.Status == http.StatusForbidden) {
				return e.WithHint(AccountHint)
			}
			return e.WithHint(provider.ConnectHint(Provider, profile))
		}
		// Saved under the refresh lock onto the record as it is now: a
		// refresh during the mint may have rotated the refresh token.
		rec, src, err = store.Update(ctx, Name, profile, func(cur *credentials.Record) error {
			SetStoredKey(cur, key, name)
			return nil
		})
		if err != nil {
			return err
		}
		out = Provider.Credential(rec, src)
		return nil
	})
	return out, err
}

// Refused records that Upstash refused a key just minted, so later
// commands say so instead of minting one more key each. Best effort.
func (upstashProvider) Refused(ctx context.Context, s *provider.Session, c *provider.Credential) {
	store, err := s.Store()
	if err != nil {
		return
	}
	_, _, _ = store.Update(ctx, Name, s.Profile, func(rec *credentials.Record) error {
		if rec.Extra[extraKey] != c.Secret {
			return errors.New("the key changed meanwhile")
		}
		rec.Extra[extraKeyRejected] = "true"
		return nil
	})
}

func (upstashProvider) RejectedHint(c *provider.Credential) string {
	if c.FromEnv() {
		return "Check them, or unset both to use the stored login. Accounts created through Vercel or Fly.io cannot use Upstash's Developer API."
	}
	return AccountHint
}
