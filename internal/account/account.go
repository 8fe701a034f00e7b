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
	// Providers lists every registered provider, so that a --profile that
	// holds no login of any of them is told apart from one provider not
	// being connected (exit 3, not 4); nil: only the provider at hand is
	// looked at.
	Providers func() []provider.Provider
}

// Session is p's login for profile.
func (r *Resolver) Session(p provider.Provider, profile string) (*provider.Session, error) {
	cfg, err := r.Config()
	if err != nil {
		return nil, err
	}
	s := &provider.Session{Provider: p, Profile: profile, Config: cfg, Store: r.Store, HTTP: r.HTTPClient()}
	if r.Providers != nil {
		s.Providers = r.Providers()
	}
	return s, nil
}

// Env returns p's credential from the environment, or nil when none is
// set. A value that cannot be sent in an HTTP header even without the
// whitespace around it (a line break or another control character inside
// it) is a usage error naming its variable: it is never sent, so never
// retried as a network failure.
func (r *Resolver) Env(p provider.Provider) (*provider.Credential, error) {
	c, err := p.EnvCredential(r.Getenv)
	if c == nil || err != nil {
		return c, err
	}
	for _, name := range c.EnvVars {
		if provider.CheckSecret(strings.TrimSpace(r.Getenv(name))) != nil {
			return nil, unsendable(name)
		}
	}
	if sendable(c) != nil {
		return nil, unsendable(strings.Join(c.EnvVars, " or "))
	}
	return c, nil
}

// sendable refuses a credential whose parts cannot be put on a request:
// Go's HTTP client would fail to send it, and the retries below would
// report that as a network failure.
func sendable(c *provider.Credential) error {
	if err := provider.CheckSecret(c.Secret); err != nil {
		return err
	}
	return provider.CheckSecret(c.Account)
}

// unsendable is the usage error for an environment credential that cannot
// be sent; it names the variable, never the value.
func unsendable(name string) error {
	return clierr.Usagef("%s holds a control character (such as a line break inside the value), which no HTTP header can carry", name).
		WithHint("Set " + name + " to the credential alone, on one line.")
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
