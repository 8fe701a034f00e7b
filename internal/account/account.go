// Package account answers one question for every command that talks to a
// provider: which credential do we use, and where did it come from? The
// contract's order is the environment first (CI has no keychain and no
// browser), then what `cachelink connect` stored for --profile. It also
// turns the credential store's failures into the errors users see (exit 4
// with the way to connect, or what to do about the keychain).
package account

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/config"
	"github.com/cachelink/cachelink/internal/credentials"
	"github.com/cachelink/cachelink/internal/polyscale"
	"github.com/cachelink/cachelink/internal/upstash"
)

// Credential is what a command authenticates with.
type Credential struct {
	Provider string
	Profile  string
	Source   credentials.Source // env, keyring or file

	// Account is who the credential belongs to, where known (the Upstash
	// email); "" otherwise.
	Account string
	// Token is the PolyScale Bearer token (the API key or the access token).
	Token string
	// APIKey is the Upstash Developer API key (Basic auth with Account).
	APIKey string

	Expiry time.Time // zero when it does not expire or is unknown
	Scopes []string
	// EnvVars names the environment variables the credential came from.
	EnvVars []string
	// Record is the stored record; nil for env credentials.
	Record *credentials.Record
}

// Resolver finds credentials. Its funcs are called only when needed, so a
// run with an env credential never builds the store (and never touches the
// keychain).
type Resolver struct {
	Getenv     func(string) string
	Config     func() (*config.Config, error)
	Store      func() (*credentials.Store, error)
	HTTPClient func() *http.Client
}

// Env returns the provider's credential from the environment, or nil when
// none is set. Upstash's pair is both or neither: one alone is a usage
// error naming the other.
func (r *Resolver) Env(provider string) (*Credential, error) {
	switch provider {
	case polyscale.Name:
		if v := r.Getenv(polyscale.EnvAPIKey); v != "" {
			return &Credential{Provider: provider, Source: credentials.SourceEnv, Token: v, EnvVars: []string{polyscale.EnvAPIKey}}, nil
		}
	case upstash.Name:
		email, key := r.Getenv(upstash.EnvEmail), r.Getenv(upstash.EnvAPIKey)
		switch {
		case email != "" && key != "":
			return &Credential{Provider: provider, Source: credentials.SourceEnv, Account: email, APIKey: key,
				EnvVars: []string{upstash.EnvEmail, upstash.EnvAPIKey}}, nil
		case email != "":
			return nil, clierr.Usagef("%s is set but %s is not: set both, or neither to use the stored login", upstash.EnvEmail, upstash.EnvAPIKey)
		case key != "":
			return nil, clierr.Usagef("%s is set but %s is not: set both, or neither to use the stored login", upstash.EnvAPIKey, upstash.EnvEmail)
		}
	default:
		return nil, clierr.Usagef("unknown provider %q", provider)
	}
	return nil, nil
}

// Stored returns the stored credential as it is, without refreshing
// (for status).
func (r *Resolver) Stored(provider, profile string) (*Credential, error) {
	store, err := r.Store()
	if err != nil {
		return nil, err
	}
	rec, src, err := store.Load(provider, profile)
	if err != nil {
		return nil, StoreError(provider, profile, err)
	}
	return fromRecord(rec, src), nil
}

// Resolve returns the credential a command uses: the environment's, or the
// stored one with a fresh access token (refreshed under the cross-process
// lock when it is about to expire).
func (r *Resolver) Resolve(ctx context.Context, provider, profile string) (*Credential, error) {
	if c, err := r.Env(provider); c != nil || err != nil {
		return c, err
	}
	if provider == upstash.Name {
		// Upstash commands use the API key, which does not expire; only
		// minting a new one needs a fresh access token (remint).
		return r.Stored(provider, profile)
	}
	return r.refreshed(provider, profile, func(s *credentials.Store, refresh credentials.Refresher) (*credentials.Record, credentials.Source, error) {
		return s.Fresh(ctx, provider, profile, refresh)
	})
}

// refreshed runs one of the store's refreshing reads and maps its errors.
func (r *Resolver) refreshed(provider, profile string, read func(*credentials.Store, credentials.Refresher) (*credentials.Record, credentials.Source, error)) (*Credential, error) {
	store, err := r.Store()
	if err != nil {
		return nil, err
	}
	refresh, err := r.Refresher(provider)
	if err != nil {
		return nil, err
	}
	rec, src, err := read(store, refresh)
	if err != nil {
		return nil, StoreError(provider, profile, err)
	}
	return fromRecord(rec, src), nil
}

// refreshTimeout bounds one refresh grant (credentials waits 30 s for the
// lock another process holds while it refreshes).
const refreshTimeout = 20 * time.Second

// Refresher redeems a refresh token at the provider's token endpoint,
// once: x/oauth2 with an explicit AuthStyle does not retry.
func (r *Resolver) Refresher(provider string) (credentials.Refresher, error) {
	cfg, err := r.Config()
	if err != nil {
		return nil, err
	}
	var oc *oauth2.Config
	switch provider {
	case polyscale.Name:
		oc = polyscale.OAuth2Config(cfg, nil)
	case upstash.Name:
		oc = upstash.OAuth2Config(cfg)
	default:
		return nil, clierr.Usagef("unknown provider %q", provider)
	}
	hc := r.HTTPClient()
	return func(ctx context.Context, refreshToken string) (*oauth2.Token, error) {
		// Shorter than the time other processes wait for the refresh lock,
		// so that a slow token endpoint fails this refresh, not theirs.
		ctx, cancel := context.WithTimeout(ctx, refreshTimeout)
		defer cancel()
		ctx = context.WithValue(ctx, oauth2.HTTPClient, hc)
		return oc.TokenSource(ctx, &oauth2.Token{RefreshToken: refreshToken, Expiry: time.Unix(1, 0)}).Token()
	}, nil
}

func fromRecord(rec *credentials.Record, src credentials.Source) *Credential {
	c := &Credential{Provider: rec.Provider, Profile: rec.Profile, Source: src, Account: rec.Account,
		Expiry: rec.Expiry, Scopes: rec.Scopes, Record: rec}
	if rec.Provider == upstash.Name {
		c.APIKey = rec.APIKey
	} else {
		c.Token = rec.AccessToken
	}
	return c
}

// ErrNotConnected is wrapped by the error of a provider with nothing
// stored for the profile (exit 4).
var ErrNotConnected = errors.New("not connected")

// ConnectHint is what to do when a provider is not connected.
func ConnectHint(provider, profile string) string {
	cmd := "cachelink connect " + provider
	if profile != "" && profile != "default" {
		cmd += " --profile " + profile
	}
	switch provider {
	case polyscale.Name:
		return fmt.Sprintf("Run `%s`, or set %s (CI).", cmd, polyscale.EnvAPIKey)
	case upstash.Name:
		return fmt.Sprintf("Run `%s`, or set %s and %s (CI).", cmd, upstash.EnvEmail, upstash.EnvAPIKey)
	}
	return fmt.Sprintf("Run `%s`.", cmd)
}

// StoreError maps a credential-store failure to the error users see.
func StoreError(provider, profile string, err error) error {
	var netErr net.Error
	var urlErr *url.Error
	var retrieveErr *oauth2.RetrieveError
	switch {
	case errors.Is(err, credentials.ErrNotFound):
		hint := ConnectHint(provider, profile)
		if errors.Is(err, credentials.ErrKeyringUnavailable) {
			hint += " (The system keychain could not be checked either; `cachelink doctor` says why.)"
		}
		return clierr.Wrap(clierr.Auth, fmt.Errorf("%s is %w (profile %s)", Title(provider), ErrNotConnected, profile)).
			WithHint(hint)
	case errors.Is(err, credentials.ErrReauthRequired):
		return clierr.Wrap(clierr.Auth, err) // its message names the command to run
	case errors.Is(err, context.Canceled):
		return err
	case errors.As(err, &retrieveErr):
		status := 0
		if retrieveErr.Response != nil {
			status = retrieveErr.Response.StatusCode
		}
		if status == http.StatusTooManyRequests || status >= 500 {
			return clierr.Wrap(clierr.Unreachable, fmt.Errorf("refreshing the %s login: the token endpoint answered %d", Title(provider), status)).
				WithHint("Try again later; the stored login is kept.")
		}
		code := retrieveErr.ErrorCode
		if code == "" {
			code = fmt.Sprint(status)
		}
		return clierr.Authf("%s refused to refresh the login (%s)", Title(provider), code).WithHint(ConnectHint(provider, profile))
	case errors.As(err, &urlErr), errors.As(err, &netErr):
		return clierr.Wrap(clierr.Unreachable, fmt.Errorf("refreshing the %s login: %w", Title(provider), err)).
			WithHint("Check the network and try again; run `cachelink doctor` to see which endpoint fails.")
	case errors.Is(err, credentials.ErrKeyringUnavailable):
		return clierr.Wrap(clierr.General, err).
			WithHint("Run `cachelink doctor` to diagnose the keychain, or set CACHELINK_TOKEN_STORE=file.")
	case errors.Is(err, credentials.ErrCorrupt):
		return clierr.Wrap(clierr.General, err).WithHint(ConnectHint(provider, profile))
	}
	return err
}

// Title is the provider's name for people.
func Title(provider string) string {
	switch provider {
	case polyscale.Name:
		return polyscale.Title
	case upstash.Name:
		return upstash.Title
	}
	return provider
}

// Call makes one API request with the credential of provider and profile
// (resolved as Resolve does) and handles the provider rejecting a token
// that looked valid: for a stored OAuth login it forces one refresh (under
// the cross-process lock, skipped when another process already replaced
// the token) and sends the request once more. A second 401, or a 401 to a
// credential from the environment, is exit 4 with the way to reconnect.
// The response is the caller's to close.
func (r *Resolver) Call(ctx context.Context, provider, profile string, send func(*Credential) (*http.Response, error)) (*http.Response, error) {
	c, err := r.Resolve(ctx, provider, profile)
	if err != nil {
		return nil, err
	}
	resp, err := send(c)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	resp.Body.Close()
	if c.Source == credentials.SourceEnv || c.Record == nil || c.Record.RefreshToken == "" {
		return nil, rejected(c)
	}
	switch provider {
	case polyscale.Name:
		rejectedToken := c.Token
		c, err = r.refreshed(provider, profile, func(s *credentials.Store, refresh credentials.Refresher) (*credentials.Record, credentials.Source, error) {
			return s.ForceRefresh(ctx, provider, profile, rejectedToken, refresh)
		})
	case upstash.Name:
		c, err = r.remint(ctx, profile, c.APIKey)
	}
	if err != nil {
		return nil, err
	}
	resp, err = send(c)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	resp.Body.Close()
	if provider == upstash.Name {
		r.markRejected(ctx, profile, c.APIKey)
	}
	return nil, rejected(c)
}

// markRejected records that Upstash refused a key just minted, so later
// commands say so instead of minting one more key each. Best effort.
func (r *Resolver) markRejected(ctx context.Context, profile, key string) {
	store, err := r.Store()
	if err != nil {
		return
	}
	_, _, _ = store.Update(ctx, upstash.Name, profile, func(rec *credentials.Record) error {
		if rec.APIKey != key {
			return errors.New("the key changed meanwhile")
		}
		rec.APIKeyRejected = true
		return nil
	})
}

// remint replaces an Upstash Developer API key the API rejected (deleted in
// the console, or never minted) with a new one, minted with the stored
// login, once. Under a cross-process lock the record is read again: a key
// another process minted meanwhile is used instead of minting another
// (an account holds at most 37).
func (r *Resolver) remint(ctx context.Context, profile, rejectedKey string) (*Credential, error) {
	store, err := r.Store()
	if err != nil {
		return nil, err
	}
	cfg, err := r.Config()
	if err != nil {
		return nil, err
	}
	refresh, err := r.Refresher(upstash.Name)
	if err != nil {
		return nil, err
	}
	var out *Credential
	err = store.Locked(ctx, "apikey", upstash.Name, profile, func() error {
		rec, src, err := store.Fresh(ctx, upstash.Name, profile, refresh)
		if err != nil {
			return StoreError(upstash.Name, profile, err)
		}
		if rec.APIKey != "" && rec.APIKey != rejectedKey {
			out = fromRecord(rec, src)
			return nil
		}
		if rec.APIKeyRejected && rec.APIKey == rejectedKey {
			// Upstash refused a key it had just minted: another key would
			// be refused too, and only use up the account's 37.
			return clierr.Authf("Upstash rejects the Developer API key cachelink minted for %s", rec.Account).
				WithHint("The stored email may be wrong: run `cachelink connect upstash --email you@example.com`. " +
					"Accounts created through Vercel or Fly.io cannot use the Developer API.")
		}
		mint := func(accessToken string) (string, string, error) {
			return upstash.MintNamedKey(ctx, r.HTTPClient(), cfg.String(config.UpstashAPIURL), accessToken, time.Now())
		}
		key, name, err := mint(rec.AccessToken)
		var apiErr *upstash.APIError
		if errors.As(err, &apiErr) && apiErr.Status == http.StatusUnauthorized && rec.RefreshToken != "" {
			// An access token that looked valid was refused: one forced
			// refresh, one more try.
			if rec, _, err = store.ForceRefresh(ctx, upstash.Name, profile, rec.AccessToken, refresh); err != nil {
				return StoreError(upstash.Name, profile, err)
			}
			key, name, err = mint(rec.AccessToken)
		}
		if err != nil {
			if errors.Is(err, upstash.ErrKeyLimit) {
				return clierr.Wrap(clierr.Auth, fmt.Errorf("the stored Upstash API key was rejected, and a new one cannot be made: %w", err))
			}
			e := clierr.Wrap(clierr.Auth, fmt.Errorf("the stored Upstash API key was rejected, and minting a new one failed: %w", err))
			if errors.As(err, &apiErr) && (apiErr.Status == http.StatusUnauthorized || apiErr.Status == http.StatusForbidden) {
				return e.WithHint(upstash.AccountHint)
			}
			return e.WithHint(ConnectHint(upstash.Name, profile))
		}
		// Saved under the refresh lock onto the record as it is now: a
		// refresh during the mint may have rotated the refresh token.
		rec, src, err = store.Update(ctx, upstash.Name, profile, func(cur *credentials.Record) error {
			cur.APIKey, cur.APIKeyName, cur.APIKeyRejected = key, name, false
			return nil
		})
		if err != nil {
			return err
		}
		out = fromRecord(rec, src)
		return nil
	})
	return out, err
}

// rejected is the error for credentials the provider refused.
func rejected(c *Credential) error {
	if c.Source == credentials.SourceEnv {
		hint := "Check the value, or unset it to use the stored login."
		if c.Provider == upstash.Name {
			hint = "Check them, or unset both to use the stored login. Accounts created through Vercel or Fly.io cannot use Upstash's Developer API."
		}
		return clierr.Authf("%s rejected the credentials in %s", Title(c.Provider), strings.Join(c.EnvVars, " and ")).WithHint(hint)
	}
	hint := ConnectHint(c.Provider, c.Profile)
	if c.Provider == upstash.Name {
		hint = upstash.AccountHint
	}
	return clierr.Authf("%s rejected the stored login of profile %s", Title(c.Provider), c.Profile).WithHint(hint)
}
