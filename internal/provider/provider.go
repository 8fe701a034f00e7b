// Package provider says what a provider is to cachelink, so that commands
// hold no knowledge of any one of them: a provider is a value implementing
// Provider, registered once (internal/registry), and the commands about
// accounts (connect, status, token, disconnect), the configuration, doctor
// and the authenticated HTTP transport loop over the registered providers
// or dispatch through this interface.
//
// A provider package (internal/polyscale, internal/upstash) implements the
// interface next to its API client; its command package contributes the
// provider's verbs. Adding a provider is one package and one registry line:
// docs/adding-a-provider.md walks through it.
package provider

import (
	"context"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/cachelink/cachelink/internal/config"
	"github.com/cachelink/cachelink/internal/credentials"
	"github.com/cachelink/cachelink/internal/iostreams"
)

// Provider is one service cachelink logs in to and talks to.
type Provider interface {
	// Name is the provider on the command line and in the credential
	// store ("polyscale"); Title is its name for people ("PolyScale").
	Name() string
	Title() string

	// Settings are the provider's configuration keys, with their defaults
	// (see config.Setting); endpoints credentials are sent to are marked.
	Settings() []config.Setting

	// EnvVars name the environment variables that replace the login in CI;
	// EnvCredential reads them, returning nil when none is set and a usage
	// error for an incomplete set.
	EnvVars() []string
	EnvCredential(getenv func(string) string) (*Credential, error)
	// CIHint is the sentence that tells a CI job how to authenticate
	// without a login.
	CIHint() string

	// Login returns the OAuth 2.0 settings of a browser login with opts,
	// or a usage error for options the provider does not take.
	Login(cfg *config.Config, opts LoginOptions) (*Login, error)
	// FinishLogin completes the record of a login after the code exchange
	// (Upstash learns the email and mints its Developer API key). The
	// record is stored whatever it returns, so a login is never lost; the
	// error says what is missing.
	FinishLogin(ctx context.Context, s *Session, fin Finish, rec *credentials.Record) error
	// Revoke ends at the provider what the stored login holds, where the
	// provider allows it, and tells the user on ios what it did or what is
	// left to do. The login is forgotten locally whatever happens.
	Revoke(ctx context.Context, s *Session, rec *credentials.Record, ios *iostreams.IOStreams)

	// Credential is what a command authenticates with, from a stored
	// record. Stored returns the stored login's credential ready for use:
	// refreshed first where the provider's requests carry the access token.
	Credential(rec *credentials.Record, src credentials.Source) *Credential
	Stored(ctx context.Context, s *Session) (*Credential, error)

	// Authorize puts the credential on an API request.
	Authorize(req *http.Request, c *Credential)
	// Recover replaces a stored credential the API refused (HTTP 401)
	// although it looked valid, once: a forced refresh, or a new key.
	Recover(ctx context.Context, s *Session, rejected *Credential) (*Credential, error)
	// Refused is told that the provider refused the credential Recover
	// returned, so that later commands can say so rather than recover
	// again (Upstash: a key refused right after it was minted).
	Refused(ctx context.Context, s *Session, c *Credential)
	// RejectedHint is what to do when the provider refuses c even after
	// Recover (or c came from the environment).
	RejectedHint(c *Credential) string
}

// LoginOptions are the provider-specific flags of `connect`. A provider
// refuses, with a usage error, those it does not take.
type LoginOptions struct {
	Scopes []string // --scopes; nil: the provider's default
	Email  string   // --email: the account, when the provider does not tell it
}

// Login is how to run the browser login of a provider.
type Login struct {
	OAuth2 *oauth2.Config
	// AuthParams are added to the authorize URL (Upstash's audience).
	AuthParams []oauth2.AuthCodeOption
}

// Finish is what FinishLogin gets besides the record.
type Finish struct {
	Token   *oauth2.Token
	Options LoginOptions
	// Ask prompts the user for one line on the terminal; nil when there is
	// no terminal or --no-input is set.
	Ask func(ctx context.Context, prompt string) string
}

// Credential is what a command authenticates with, and where it came from.
// It is the same for every provider; what Secret is depends on the provider.
type Credential struct {
	Provider string
	Profile  string
	Source   credentials.Source // env, keyring or file

	// Account is who the credential belongs to where known (the Upstash
	// email); "" otherwise.
	Account string
	// Secret is what requests carry and `cachelink token` prints: a Bearer
	// token for PolyScale, the Developer API key for Upstash.
	Secret string
	// SecretName names Secret where the provider names it (the Upstash key's
	// name, to find it in the console); "" otherwise.
	SecretName string
	// Expiry is when Secret expires; zero when it does not or is unknown.
	Expiry time.Time
	Scopes []string
	// EnvVars names the environment variables the credential came from.
	EnvVars []string
	// Record is the stored record; nil for env credentials.
	Record *credentials.Record
}

// FromEnv reports whether the credential came from the environment.
func (c *Credential) FromEnv() bool { return c.Source == credentials.SourceEnv }

// Find returns the provider of that name among ps, or nil.
func Find(ps []Provider, name string) Provider {
	for _, p := range ps {
		if p.Name() == name {
			return p
		}
	}
	return nil
}

// Names are the providers' names, in order.
func Names(ps []Provider) []string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Name()
	}
	return names
}

// ConnectCommand is the command that logs in to p for profile.
func ConnectCommand(p Provider, profile string) string {
	cmd := "cachelink connect " + p.Name()
	if profile != "" && profile != "default" {
		cmd += " --profile " + profile
	}
	return cmd
}

// ConnectHint is what to do when p is not connected for profile.
func ConnectHint(p Provider, profile string) string {
	return "Run `" + ConnectCommand(p, profile) + "`, or set " + strings.Join(p.EnvVars(), " and ") + " (CI)."
}
