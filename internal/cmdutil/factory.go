// Package cmdutil holds what every command shares: the Factory that hands
// out dependencies lazily (so `--help` never reads the config file or touches
// the keychain), the global options, the registered providers, and helpers
// for arguments and flags. The Factory is built in internal/cmd/factory.
package cmdutil

import (
	"net"
	"net/http"

	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/account"
	"github.com/cachelink/cachelink/internal/build"
	"github.com/cachelink/cachelink/internal/config"
	"github.com/cachelink/cachelink/internal/credentials"
	"github.com/cachelink/cachelink/internal/httpx"
	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/prompt"
	"github.com/cachelink/cachelink/internal/provider"
)

// Globals are the values of the global flags, filled in when argv is parsed.
type Globals struct {
	ConfigFile string // --config
	Output     string // -o/--output: "text" or "json"
	Profile    string // --profile (read the resolved value from Config)
	NoInput    bool   // --no-input (read the resolved value from Config)
	Debug      bool   // --debug (read the resolved value from Config)
}

// JSON reports whether -o json was asked for.
func (g *Globals) JSON() bool { return g.Output == "json" }

// Registration is one provider and the commands it contributes; the
// registry (internal/registry) lists them.
type Registration struct {
	Provider provider.Provider
	// Commands returns the provider's verbs; nil means none.
	Commands func(f *Factory) ProviderCommands
}

// ProviderCommands are the subcommands a provider adds under the verbs
// every provider shares (`cachelink create <provider>`), each nil where
// the provider has no such verb, and top-level commands of its own.
type ProviderCommands struct {
	Create, Connstr, List, Get, Delete *cobra.Command
	// Noun is what the provider's resources are called in the verbs'
	// help ("cache"); Plural is for list ("PolyScale caches").
	Noun, Plural string
	// Extra are commands of this provider only (purge, rules).
	Extra []*cobra.Command
}

// Factory provides a command's dependencies. Every func is lazy: nothing is
// read, opened or dialled until a command asks for it.
type Factory struct {
	IOStreams *iostreams.IOStreams
	Build     build.Info
	Globals   *Globals

	// Config returns the resolved configuration, reading the config file on
	// the first call only.
	Config func() (*config.Config, error)

	// Registry lists the providers, in order, with their commands.
	Registry []Registration

	// Getenv reads the environment (os.Getenv; tests replace it).
	Getenv func(string) string

	// Keyring is the system keychain; nil means go-keyring. Tests put a
	// fake here.
	Keyring credentials.Keyring

	// Store returns the credential store, built on the first call from
	// CACHELINK_TOKEN_STORE, the configuration directory and the keychain
	// timeout. Nothing touches the keychain until the store is used.
	Store func() (*credentials.Store, error)

	// HTTPClient sends what must never be resent (OAuth grants, revocation,
	// minting a key); APIClient sends provider API requests, retrying what
	// is safe. Both have timeouts and the --debug trace.
	HTTPClient func() *http.Client
	APIClient  func() *http.Client

	// Retry is the API client's retry policy; tests shorten its waits.
	Retry httpx.Retry

	// OpenBrowser opens a URL; nil means $BROWSER or the system opener.
	// BrowserUsable says whether a browser can plausibly open here (no SSH
	// session, a display on Linux). Tests replace both.
	OpenBrowser   func(url string) error
	BrowserUsable func() bool

	// Listen binds the login's loopback listeners; nil means net.Listen.
	// Tests hand connect listeners they already hold, so no other process
	// can take the port between choosing it and binding it.
	Listen func(network, addr string) (net.Listener, error)

	// Accounts resolves which credential a command uses.
	Accounts *account.Resolver

	// Prompter returns what asks questions on the terminal (see Ask);
	// tests put a fake here.
	Prompter func() prompt.Prompter
}

// Providers are the registered providers, in order.
func (f *Factory) Providers() []provider.Provider {
	ps := make([]provider.Provider, len(f.Registry))
	for i, r := range f.Registry {
		ps[i] = r.Provider
	}
	return ps
}

// ProviderNames are the registered providers' names, in order.
func (f *Factory) ProviderNames() []string { return provider.Names(f.Providers()) }

// Profile is the --profile in use.
func (f *Factory) Profile() (string, error) {
	cfg, err := f.Config()
	if err != nil {
		return "", err
	}
	return cfg.String(config.Profile), nil
}

// AuthClient returns the client for p's API: the API client (timeouts,
// retries, --debug) under account.Transport, which authorizes each request
// with the profile's credential and recovers once from a 401, and a
// spinner on a terminal while a request waits ("Waiting for PolyScale…").
func (f *Factory) AuthClient(p provider.Provider) (*http.Client, error) {
	profile, err := f.Profile()
	if err != nil {
		return nil, err
	}
	api := f.APIClient()
	var rt http.RoundTripper = &account.Transport{Resolver: f.Accounts, Provider: p, Profile: profile, Base: api.Transport}
	if f.IOStreams != nil {
		rt = &progressTransport{ios: f.IOStreams, label: "Waiting for " + p.Title() + "…", next: rt}
	}
	return &http.Client{Transport: rt, Timeout: api.Timeout}, nil
}

// APIClient returns the constructor of p's API client for the --profile
// in use: newClient gets the base URL configured under urlKey and
// AuthClient(p). Nothing is read or resolved until it is called.
func APIClient[C any](f *Factory, p provider.Provider, urlKey string, newClient func(baseURL string, hc *http.Client) *C) func() (*C, error) {
	return func() (*C, error) {
		cfg, err := f.Config()
		if err != nil {
			return nil, err
		}
		hc, err := f.AuthClient(p)
		if err != nil {
			return nil, err
		}
		return newClient(cfg.String(urlKey), hc), nil
	}
}

// Session is p's login for the --profile in use.
func (f *Factory) Session(p provider.Provider) (*provider.Session, error) {
	profile, err := f.Profile()
	if err != nil {
		return nil, err
	}
	return f.Accounts.Session(p, profile)
}
