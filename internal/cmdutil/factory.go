// Package cmdutil holds what every command shares: the Factory that hands
// out dependencies lazily (so `--help` never reads the config file or touches
// the keychain), the global options, and helpers for arguments and flags.
package cmdutil

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"

	"github.com/spf13/pflag"

	"github.com/cachelink/cachelink/internal/account"
	"github.com/cachelink/cachelink/internal/build"
	"github.com/cachelink/cachelink/internal/config"
	"github.com/cachelink/cachelink/internal/credentials"
	"github.com/cachelink/cachelink/internal/httpx"
	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/oauth"
	"github.com/cachelink/cachelink/internal/polyscale"
	"github.com/cachelink/cachelink/internal/upstash"
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

// Factory provides a command's dependencies. Every func is lazy: nothing is
// read, opened or dialled until a command asks for it.
type Factory struct {
	IOStreams *iostreams.IOStreams
	Build     build.Info
	Globals   *Globals

	// Config returns the resolved configuration, reading the config file on
	// the first call only.
	Config func() (*config.Config, error)

	// Providers lists the provider names commands accept, in order.
	Providers []string

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
}

// New returns the production factory. globalFlags is the root command's
// persistent flag set, bound into the configuration so a flag wins over the
// environment and the config file.
func New(ios *iostreams.IOStreams, globalFlags func() *pflag.FlagSet) *Factory {
	f := &Factory{
		IOStreams: ios,
		Build:     build.Current(),
		Globals:   &Globals{Output: "text", Profile: "default"},
		Providers: []string{"polyscale", "upstash"},
		Getenv:    os.Getenv,
	}
	var (
		once sync.Once
		cfg  *config.Config
		err  error
	)
	f.Config = func() (*config.Config, error) {
		once.Do(func() {
			var flags *pflag.FlagSet
			if globalFlags != nil {
				flags = globalFlags()
			}
			cfg, err = config.Load(config.Options{File: f.Globals.ConfigFile, Flags: flags})
		})
		return cfg, err
	}
	var (
		storeOnce sync.Once
		store     *credentials.Store
		storeErr  error
	)
	f.Store = func() (*credentials.Store, error) {
		storeOnce.Do(func() { store, storeErr = f.newStore() })
		return store, storeErr
	}
	f.HTTPClient = f.lazyClient(false)
	f.APIClient = f.lazyClient(true)
	f.BrowserUsable = func() bool {
		_, usable := oauth.BrowserOpener(f.IOStreams.ErrOut, f.Getenv)
		return usable
	}
	f.Accounts = &account.Resolver{
		Getenv:     func(k string) string { return f.Getenv(k) },
		Config:     func() (*config.Config, error) { return f.Config() },
		Store:      func() (*credentials.Store, error) { return f.Store() },
		HTTPClient: func() *http.Client { return f.HTTPClient() },
	}
	return f
}

// lazyClient builds a client on first use, once the configuration (and so
// --debug) is known.
func (f *Factory) lazyClient(retry bool) func() *http.Client {
	var (
		once   sync.Once
		client *http.Client
	)
	return func() *http.Client {
		once.Do(func() {
			opts := httpx.Options{UserAgent: "cachelink/" + f.Build.Version}
			if cfg, err := f.Config(); err == nil && cfg.Bool(config.Debug) {
				opts.Debug = f.IOStreams.ErrOut
			}
			if retry {
				policy := f.Retry
				opts.Retry = &policy
			}
			client = httpx.New(opts)
		})
		return client
	}
}

// PolyScale returns the PolyScale API client for the current profile:
// credentials from the environment or the store, retries of what is safe.
func (f *Factory) PolyScale() (*polyscale.Client, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	profile := cfg.String(config.Profile)
	return &polyscale.Client{
		BaseURL: cfg.String(config.PolyScaleAPIURL),
		HTTP:    f.APIClient(),
		Authorize: func(ctx context.Context, send func(string) (*http.Response, error)) (*http.Response, error) {
			return f.Accounts.Call(ctx, polyscale.Name, profile, func(c *account.Credential) (*http.Response, error) {
				return send(c.Token)
			})
		},
	}, nil
}

// Upstash returns the Upstash Developer API client for the current
// profile: UPSTASH_EMAIL and UPSTASH_API_KEY, or the stored login's key
// (minted again once when Upstash rejects it).
func (f *Factory) Upstash() (*upstash.Client, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	profile := cfg.String(config.Profile)
	return &upstash.Client{
		BaseURL: cfg.String(config.UpstashAPIURL),
		HTTP:    f.APIClient(),
		Authorize: func(ctx context.Context, send func(string, string) (*http.Response, error)) (*http.Response, error) {
			return f.Accounts.Call(ctx, upstash.Name, profile, func(c *account.Credential) (*http.Response, error) {
				return send(c.Account, c.APIKey)
			})
		},
	}, nil
}

// Browser returns the function that opens a URL for a login.
func (f *Factory) Browser() func(string) error {
	if f.OpenBrowser != nil {
		return f.OpenBrowser
	}
	open, _ := oauth.BrowserOpener(f.IOStreams.ErrOut, f.Getenv)
	return open
}

func (f *Factory) newStore() (*credentials.Store, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	dir, err := config.Dir()
	if err != nil {
		return nil, err
	}
	timeout, err := cfg.Duration(config.KeyringTimeout)
	if err != nil {
		return nil, err
	}
	s, err := credentials.NewStore(credentials.Options{
		Mode:    cfg.String(config.TokenStore),
		Dir:     dir,
		Keyring: f.Keyring,
		Timeout: timeout,
		Warn:    func(msg string) { fmt.Fprintln(f.IOStreams.ErrOut, msg) },
	})
	if err != nil {
		return nil, &config.Error{Usage: true, Err: err}
	}
	return s, nil
}
