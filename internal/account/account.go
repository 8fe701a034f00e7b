// Package account answers one question for every request cachelink sends
// to a provider: which credential do we use, and where did it come from?
// The contract's order is the environment first (CI has no keychain and no
// browser), then what `cachelink connect` stored for --profile. Transport
// puts the answer on each request and recovers once from a 401, so API
// clients take an *http.Client and know nothing about tokens.
//
// What differs between providers (which variables, how a request is
// authorized, how a refused credential is replaced) is the provider's, behind
// provider.Provider; this package holds no knowledge of any one provider.
package account

import (
	"context"
	"net/http"
	"strings"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/config"
	"github.com/cachelink/cachelink/internal/credentials"
	"github.com/cachelink/cachelink/internal/provider"
)

// Resolver finds credentials. Its funcs are called only when needed, so a
// run with an env credential never builds the store (and never touches the
// keychain).
type Resolver struct {
	Getenv func(string) string
	Config func() (*config.Config, error)
	Store  func() (*credentials.Store, error)
	// HTTPClient sends what must never be resent (refresh grants, minting).
	HTTPClient func() *http.Client
}

// Session is p's login for profile.
func (r *Resolver) Session(p provider.Provider, profile string) (*provider.Session, error) {
	cfg, err := r.Config()
	if err != nil {
		return nil, err
	}
	return &provider.Session{Provider: p, Profile: profile, Config: cfg, Store: r.Store, HTTP: r.HTTPClient()}, nil
}

// Env returns p's credential from the environment, or nil when none is
// set.
func (r *Resolver) Env(p provider.Provider) (*provider.Credential, error) {
	return p.EnvCredential(r.Getenv)
}

// Stored returns the stored credential as it is, without refreshing
// (for status).
func (r *Resolver) Stored(p provider.Provider, profile string) (*provider.Credential, error) {
	s, err := r.Session(p, profile)
	if err != nil {
		return nil, err
	}
	return s.Load()
}

// Resolve returns the credential a command uses: the environment's, or the
// stored one ready for use (refreshed under the cross-process lock when the
// provider's requests carry an access token about to expire).
func (r *Resolver) Resolve(ctx context.Context, p provider.Provider, profile string) (*provider.Credential, error) {
	if c, err := r.Env(p); c != nil || err != nil {
		return c, err
	}
	s, err := r.Session(p, profile)
	if err != nil {
		return nil, err
	}
	return p.Stored(ctx, s)
}

// Rejected is the error for credentials the provider refused.
func Rejected(p provider.Provider, c *provider.Credential) error {
	if c.FromEnv() {
		return clierr.Authf("%s rejected the credentials in %s", p.Title(), strings.Join(c.EnvVars, " and ")).
			WithHint(p.RejectedHint(c))
	}
	return clierr.Authf("%s rejected the stored login of profile %s", p.Title(), c.Profile).WithHint(p.RejectedHint(c))
}
