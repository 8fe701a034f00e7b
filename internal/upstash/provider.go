package upstash

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
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

// defaultAuthURL is Auth0's authorize endpoint of Upstash's tenant.
const defaultAuthURL = "https://auth.upstash.com/authorize"

func (upstashProvider) Name() string  { return Name }
func (upstashProvider) Title() string { return Title }

func (upstashProvider) Settings() []config.Setting {
	return []config.Setting{
		{Key: KeyAPIURL, Default: "https://api.upstash.com", Endpoint: true},
		{Key: KeyAuthURL, Default: defaultAuthURL, Endpoint: true},
		{Key: KeyTokenURL, Default: "https://auth.upstash.com/oauth/token", Endpoint: true},
		{Key: KeyRevokeURL, Default: "https://auth.upstash.com/oauth/revoke", Endpoint: true},
		{Key: KeyClientID, Default: BuildClientID},
		{Key: KeyRedirectURL, Default: "http://localhost:3000"},
	}
}

func (upstashProvider) EnvVars() []string { return []string{EnvEmail, EnvAPIKey} }

// EnvCredential reads UPSTASH_EMAIL and UPSTASH_API_KEY, without the
// whitespace around them: both or neither.
func (upstashProvider) EnvCredential(getenv func(string) string) (*provider.Credential, error) {
	email, err := provider.EnvValue(getenv, EnvEmail)
	if err != nil {
		return nil, err
	}
	key, err := provider.EnvValue(getenv, EnvAPIKey)
	if err != nil {
		return nil, err
	}
	switch {
	case email != "" && key != "":
		return &provider.Credential{Provider: Name, Source: credentials.SourceEnv, Account: email, Secret: key,
			EnvVars: []string{EnvEmail, EnvAPIKey}}, nil
	case email != "":
		return nil, clierr.Usagef("%s is set but %s is not", EnvEmail, EnvAPIKey).WithHint("Set both, or neither to use the stored login.")
	case key != "":
		return nil, clierr.Usagef("%s is set but %s is not", EnvAPIKey, EnvEmail).WithHint("Set both, or neither to use the stored login.")
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

// FinishLogin learns the account email, then gives the login a Developer
// API key: the one the profile's previous login stored, when it still
// works (one list of the databases with it), else a new one. Reconnecting
// thus does not use up the account's 37 keys, and a key that is replaced
// is named.
func (p upstashProvider) FinishLogin(ctx context.Context, s *provider.Session, fin provider.Finish, rec *credentials.Record) error {
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
			WithHint("Run '" + provider.ConnectCommand(Provider, s.Profile) + " --email you@example.com'.")
	}

	replaced := ""
	if old := previousLogin(s, rec.Profile); old != nil {
		oldKey, oldName := StoredKey(old)
		switch {
		case oldKey == "":
		case !strings.EqualFold(old.Account, email):
			if oldName != "" {
				note(s, "The Developer API key %s of %s stays valid; delete it in the Upstash console (Account > Management API) if it is no longer needed.",
					oldName, old.Account)
			}
		case old.Extra[extraKeyRejected] == "true":
			replaced = keyLabel(oldName)
		default:
			_, err := p.Check(ctx, s, &provider.Credential{Provider: Name, Profile: rec.Profile, Account: email, Secret: oldKey})
			switch {
			case err == nil:
				SetStoredKey(rec, oldKey, oldName)
				note(s, "Kept %s, which still works.", keyLabel(oldName))
				return nil
			case errors.Is(err, context.Canceled):
				return err
			case clierr.KindOf(err) != clierr.Auth:
				// Upstash could not say: keep the key that worked so far
				// rather than mint one more; a command it is refused to
				// later mints its replacement (Recover).
				SetStoredKey(rec, oldKey, oldName)
				note(s, "Kept %s; Upstash could not check it now (%v).", keyLabel(oldName), err)
				return nil
			}
			replaced = keyLabel(oldName)
		}
	}

	key, name, interrupted, err := mintFinishing(ctx, s, tok.AccessToken)
	if interrupted {
		// connect cannot store the login any more (its context ended):
		// store it here, with the key when Upstash made one.
		if err == nil {
			SetStoredKey(rec, key, name)
		}
		if store, serr := s.Store(); serr == nil {
			if _, serr := store.Replace(context.WithoutCancel(ctx), rec); serr != nil {
				note(s, "Could not store the Upstash login: %v", serr)
			} else if err == nil {
				note(s, "Stored the Upstash login with its new Developer API key %s.", name)
			}
		}
		return ctx.Err()
	}
	if err != nil {
		var apiErr *APIError
		var netErr net.Error
		switch {
		case errors.Is(err, context.Canceled):
			return err
		case errors.As(err, &apiErr) && apiErr.Status == http.StatusUnauthorized:
			// The token of a login just made is refused: Auth0 issued it
			// without the API's audience (an opaque token, good for
			// /userinfo only), which is what a 401 from /apikey means.
			return clierr.Authf("Upstash refused the access token of this login to create a Developer API key (HTTP 401): "+
				"the token was not issued for the Upstash API (audience %s)", Audience).
				WithHint("cachelink asks for audience=" + Audience + "; an authorization server that drops or ignores it issues a token only /userinfo accepts. " +
					"Check " + KeyAuthURL + " (CACHELINK_UPSTASH_AUTH_URL) points at Upstash's Auth0 (" + defaultAuthURL + "), then run '" +
					provider.ConnectCommand(Provider, s.Profile) + "' again. No Developer API key was stored.")
		case errors.As(err, &apiErr) && apiErr.Status == http.StatusForbidden:
			return clierr.Authf("Upstash refused to create a Developer API key: %v", err).
				WithHint("Accounts created through Vercel or Fly.io cannot use Upstash's Developer API; " +
					"use an account created on upstash.com, or set UPSTASH_EMAIL and UPSTASH_API_KEY.")
		case errors.As(err, &netErr):
			return clierr.Wrap(clierr.Unreachable, fmt.Errorf("creating the Upstash Developer API key: %w", err)).
				WithHint("The login is stored; run '" + provider.ConnectCommand(Provider, s.Profile) + "' again when Upstash is reachable.")
		}
		return clierr.Errorf("creating the Upstash Developer API key: %v", err).
			WithHint("The login is stored; run '" + provider.ConnectCommand(Provider, s.Profile) + "' again.")
	}
	SetStoredKey(rec, key, name)
	if replaced != "" {
		note(s, "Upstash refuses %s (deleted in the console?); created %s to replace it. If the old key still exists, delete it in the Upstash console (Account > Management API).",
			replaced, name)
	}
	return nil
}

// previousLogin is the record the profile holds before this login stores
// its own; nil when there is none or it cannot be read.
func previousLogin(s *provider.Session, profile string) *credentials.Record {
	store, err := s.Store()
	if err != nil {
		return nil
	}
	rec, _, err := store.Load(Name, profile)
	if err != nil {
		return nil
	}
	return rec
}

// keyLabel names a stored key in messages: by its name, when cachelink
// minted it.
func keyLabel(name string) string {
	if name == "" {
		return "the stored Developer API key"
	}
	return "the Developer API key " + name
}

// note tells the user something on stderr, where the store's warnings go
// (a provider's hooks have no output streams of their own).
func note(s *provider.Session, format string, args ...any) {
	if store, err := s.Store(); err == nil {
		store.Notef(format, args...)
	}
}

// mintWait bounds how long a key mint is waited for once sent, even after
// Ctrl-C.
const mintWait = 30 * time.Second

// mintFinishing mints a Developer API key (MintNamedKey) with ctx's values
// but not its cancellation: once POST /apikey is sent, an interrupt must
// not drop the answer, or the key would exist at Upstash and nowhere else.
// It waits at most mintWait, and says so on stderr when ctx ends meanwhile.
// interrupted reports that ctx ended: the caller stores what it got, then
// returns ctx.Err(). Nothing is sent when ctx has already ended.
func mintFinishing(ctx context.Context, s *provider.Session, accessToken string) (key, name string, interrupted bool, err error) {
	if err := ctx.Err(); err != nil {
		return "", "", false, err
	}
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), mintWait)
	defer cancel()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-ctx.Done():
			note(s, "Interrupted: waiting up to %s for Upstash to finish creating the Developer API key, so that it is stored rather than lost.", mintWait)
		case <-done:
		}
	}()
	key, name, err = MintNamedKey(mctx, s.HTTP, s.Config.String(KeyAPIURL), accessToken, time.Now())
	close(done)
	wg.Wait()
	return key, name, ctx.Err() != nil, err
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

// revokeTimeout bounds the revocation: disconnecting must not hang on an
// unreachable provider.
const revokeTimeout = 10 * time.Second

// Revoke revokes the login's refresh token at Auth0 (POST /oauth/revoke).
// The Developer API key minted with it stays valid: Upstash deletes keys
// only in its console, so the key is named.
func (upstashProvider) Revoke(ctx context.Context, s *provider.Session, rec *credentials.Record, ios *iostreams.IOStreams) {
	if rec.RefreshToken != "" {
		ctx, cancel := context.WithTimeout(ctx, revokeTimeout)
		defer cancel()
		err := RevokeRefreshToken(ctx, s.HTTP, s.Config.String(KeyRevokeURL), s.Config.String(KeyClientID), rec.RefreshToken)
		if err != nil {
			ios.WarnHint("It stays valid until you remove cachelink's access in the Upstash console.",
				"could not revoke the %s login at the provider: %v", Title, err)
		} else {
			fmt.Fprintf(ios.ErrOut, "%s Revoked the %s login (its refresh token)\n", ios.SuccessIcon(), Title)
		}
	}
	if name := rec.Extra[extraKeyName]; name != "" {
		ios.WarnHint("Delete it in the Upstash console (Account > Management API) when it is no longer needed.",
			"the Developer API key %s stays valid", name)
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
				WithHint("The stored email may be wrong: run '" + provider.ConnectCommand(Provider, profile) + " --email you@example.com'. " +
					"Accounts created through Vercel or Fly.io cannot use the Developer API.")
		}
		// Once sent, a mint is finished and its key stored even after
		// Ctrl-C (mintFinishing); the command then ends with ctx's error.
		key, name, interrupted, err := mintFinishing(ctx, s, rec.AccessToken)
		var apiErr *APIError
		if !interrupted && errors.As(err, &apiErr) && apiErr.Status == http.StatusUnauthorized && rec.RefreshToken != "" {
			// An access token that looked valid was refused: one forced
			// refresh, one more try.
			if rec, _, err = store.ForceRefresh(ctx, Name, profile, rec.AccessToken, refresh); err != nil {
				return s.Error(err)
			}
			key, name, interrupted, err = mintFinishing(ctx, s, rec.AccessToken)
		}
		if err != nil && (interrupted || errors.Is(err, context.Canceled)) {
			return context.Canceled
		}
		if err != nil {
			if errors.Is(err, ErrKeyLimit) {
				return clierr.Wrap(clierr.Auth, fmt.Errorf("the stored Upstash API key was rejected, and a new one cannot be made: %w", err))
			}
			e := clierr.Wrap(clierr.Auth, fmt.Errorf("the stored Upstash API key was rejected, and minting a new one failed: %w", err))
			if errors.As(err, &apiErr) && (apiErr.Status == http.StatusUnauthorized || apiErr.Status == http.StatusForbidden) {
				return e.WithHint(ProfileAccountHint(profile))
			}
			return e.WithHint(provider.ConnectHint(Provider, profile))
		}
		// Saved under the refresh lock onto the record as it is now: a
		// refresh during the mint may have rotated the refresh token. An
		// interrupt does not stop it: the key exists at Upstash now.
		rec, src, err = store.Update(context.WithoutCancel(ctx), Name, profile, func(cur *credentials.Record) error {
			SetStoredKey(cur, key, name)
			return nil
		})
		if err != nil {
			return err
		}
		if interrupted {
			note(s, "Stored the new Developer API key %s.", name)
			return ctx.Err()
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
	switch {
	case c.FromEnv():
		return "Check them, or unset both to use the stored login. Accounts created through Vercel or Fly.io cannot use Upstash's Developer API."
	case c.APIKey():
		return "The stored key was deleted, or the email is not its account's: run '" + provider.ConnectCommand(Provider, c.Profile) +
			" --with-key --email you@example.com' with a valid key, or connect in the browser. " +
			"Accounts created through Vercel or Fly.io cannot use Upstash's Developer API."
	}
	return ProfileAccountHint(c.Profile)
}

// Check lists the Redis databases (GET /v2/redis/databases) with the
// email and key: 401 and 403 mean Upstash refuses them (403: an account
// created through Vercel or Fly.io, which the Developer API does not
// serve).
func (upstashProvider) Check(ctx context.Context, s *provider.Session, c *provider.Credential) (provider.Checked, error) {
	return provider.CheckGet(ctx, s, c, strings.TrimRight(s.Config.String(KeyAPIURL), "/")+"/v2/redis/databases")
}

// KeyLogin stores a Developer API key with its account email, where a
// login keeps the key it minted: requests send them as HTTP Basic, as
// UPSTASH_EMAIL and UPSTASH_API_KEY are.
func (upstashProvider) KeyLogin() provider.KeyLogin {
	return provider.KeyLogin{
		KeyName: "Upstash Developer API key",
		Account: "email",
		Record: func(profile, email, key string, _ provider.Checked) *credentials.Record {
			rec := &credentials.Record{Provider: Name, Profile: profile, Account: email}
			SetStoredKey(rec, key, "")
			return rec
		},
	}
}
