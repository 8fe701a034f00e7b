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
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/cachelink/cachelink/internal/clierr"
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

	// Check verifies c with one cheap request that only a valid credential
	// gets an answer to (the cheapest list), sent once through s.HTTP,
	// without refreshing or recovering: `status --check`, and `connect
	// --with-key` before it stores a key. nil means the provider accepted
	// c; an error of kind clierr.Auth that it refused c; any other error
	// that the check could not tell (the provider did not answer, or not
	// in a way that says). Checked holds what the answer told about c.
	Check(ctx context.Context, s *Session, c *Credential) (Checked, error)
	// KeyLogin is how `connect --with-key` stores an API key as a login.
	KeyLogin() KeyLogin
}

// Checked is what a Check learned about a credential besides its validity.
type Checked struct {
	// Workspace is the workspace the credential reaches, where the API
	// names it (PolyScale: the workspaceId of the caches it lists).
	Workspace string
}

// KeyLogin is how `connect <provider> --with-key` turns an API key, read
// from stdin, into a stored login: commands then use it as they use the
// provider's environment credential, without refreshing it.
type KeyLogin struct {
	// KeyName is what the key is called in prompts and messages ("PolyScale
	// API key").
	KeyName string
	// Account names what requests need besides the key, such as "email"
	// (Upstash's HTTP Basic): connect takes it from --email, or asks for it
	// on a terminal. "" when the key is enough.
	Account string
	// Record is the stored record of the login: key, and account when the
	// provider needs one, put where the provider's Credential reads them,
	// with what the Check told. connect marks it as an API key login.
	Record func(profile, account, key string, checked Checked) *credentials.Record
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
	// Workspace is the workspace the credential reaches where the provider
	// told it (PolyScale); "" otherwise.
	Workspace string
	Scopes    []string
	// EnvVars names the environment variables the credential came from.
	EnvVars []string
	// Record is the stored record; nil for env credentials.
	Record *credentials.Record
}

// FromEnv reports whether the credential came from the environment.
func (c *Credential) FromEnv() bool { return c.Source == credentials.SourceEnv }

// APIKey reports whether the credential is an API key stored with
// `connect --with-key`: never refreshed, never recovered.
func (c *Credential) APIKey() bool { return c.Record != nil && c.Record.APIKey }

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
	return "Run '" + ConnectCommand(p, profile) + "', or set " + strings.Join(p.EnvVars(), " and ") + " (CI)."
}

// EnvValue reads the environment variable name with getenv, without the
// whitespace around it: CI secret stores often keep a trailing newline,
// which no HTTP header can carry. A value that still holds a control
// character is a usage error naming the variable.
func EnvValue(getenv func(string) string, name string) (string, error) {
	v := strings.TrimSpace(getenv(name))
	if err := CheckSecret(v); err != nil {
		return "", clierr.Usagef("%s %v", name, err).WithHint("Set it to the value alone, on one line.")
	}
	return v, nil
}

// CheckSecret refuses a credential that cannot be sent in an HTTP header:
// one holding a control character (a line break inside it, a tab).
func CheckSecret(v string) error {
	for i := 0; i < len(v); i++ {
		if b := v[i]; b < 0x20 || b == 0x7f {
			return errors.New("holds a control character (such as a line break inside it), which no HTTP header can carry")
		}
	}
	return nil
}

// CheckTimeout bounds one Check.
const CheckTimeout = 10 * time.Second

// maxCheckBody bounds what a Check reads of the answer.
const maxCheckBody = 1 << 20

// Probe is the request of a Check: GET url with c put on it by s's
// provider, sent once through s.HTTP within CheckTimeout. It returns the
// answer's status and body (at most 1 MiB of it); a request that got no
// answer is an Unreachable error.
func Probe(ctx context.Context, s *Session, c *Credential, url string) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, CheckTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Accept", "application/json")
	s.Provider.Authorize(req, c)
	resp, err := s.HTTP.Do(req)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return 0, nil, err
		}
		return 0, nil, clierr.Wrap(clierr.Unreachable, fmt.Errorf("could not reach %s: %w", s.Provider.Title(), err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxCheckBody))
	if err != nil {
		return resp.StatusCode, nil, clierr.Wrap(clierr.Unreachable, fmt.Errorf("reading %s's answer: %w", s.Provider.Title(), err))
	}
	return resp.StatusCode, body, nil
}

// CheckGet is the whole Check of a provider whose cheapest proof of a
// credential is one GET of url (a list): a success is a credential that
// works, 401 and 403 are a refused one (CheckStatus), and the answer's
// body tells nothing more.
func CheckGet(ctx context.Context, s *Session, c *Credential, url string) (Checked, error) {
	status, _, err := Probe(ctx, s, c, url)
	switch {
	case err != nil:
		return Checked{}, err
	case status < 200 || status > 299:
		return Checked{}, CheckStatus(s.Provider, status, true)
	}
	return Checked{}, nil
}

// CheckStatus maps the status of a Check's answer that is not a success:
// 401, and 403 when forbiddenRejects, mean the provider refused the
// credential (Auth); 429 and 5xx that it could not answer now
// (Unreachable); anything else that the check cannot tell (General).
func CheckStatus(p Provider, status int, forbiddenRejects bool) error {
	switch {
	case status == http.StatusUnauthorized, status == http.StatusForbidden && forbiddenRejects:
		return clierr.Authf("%s refused the credential (HTTP %d)", p.Title(), status)
	case status == http.StatusTooManyRequests, status >= 500:
		return clierr.Wrap(clierr.Unreachable, fmt.Errorf("%s answered %d %s", p.Title(), status, http.StatusText(status)))
	}
	return clierr.Errorf("%s answered %d %s, which says nothing about the credential", p.Title(), status, http.StatusText(status))
}
