// Package factory builds the production cmdutil.Factory: the lazy funcs
// that read the configuration, open the credential store and build the
// HTTP clients, for the providers of the registry. It is kept apart from
// cmdutil so that commands, which only use the Factory, do not depend on
// how each piece is made.
package factory

import (
	"fmt"
	"net/http"
	"os"
	"sync"

	"github.com/spf13/pflag"

	"github.com/cachelink/cachelink/internal/account"
	"github.com/cachelink/cachelink/internal/build"
	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/config"
	"github.com/cachelink/cachelink/internal/credentials"
	"github.com/cachelink/cachelink/internal/httpx"
	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/oauth"
	"github.com/cachelink/cachelink/internal/prompt"
)

// New returns the production factory for the registered providers.
// globalFlags is the root command's persistent flag set, bound into the
// configuration so a flag wins over the environment and the config file.
func New(ios *iostreams.IOStreams, globalFlags func() *pflag.FlagSet, registry []cmdutil.Registration) *cmdutil.Factory {
	f := &cmdutil.Factory{
		IOStreams: ios,
		Build:     build.Current(),
		Globals:   &cmdutil.Globals{Output: "text", Profile: "default"},
		Registry:  registry,
		Getenv:    os.Getenv,
	}
	f.Config = sync.OnceValues(func() (*config.Config, error) {
		var flags *pflag.FlagSet
		if globalFlags != nil {
			flags = globalFlags()
		}
		var settings []config.Setting
		for _, r := range f.Registry {
			settings = append(settings, r.Provider.Settings()...)
		}
		cfg, err := config.Load(config.Options{File: f.Globals.ConfigFile, Flags: flags, Settings: settings, Getenv: f.Getenv})
		if err == nil {
			// Once per run (sync.OnceValues): a typo in config.yaml is
			// named, never an error.
			for _, w := range cfg.Warnings() {
				f.IOStreams.Warnf("%s", w)
			}
		}
		return cfg, err
	})
	f.Store = sync.OnceValues(func() (*credentials.Store, error) { return newStore(f) })
	f.HTTPClient = lazyClient(f, false)
	f.APIClient = lazyClient(f, true)
	f.BrowserUsable = func() bool {
		_, usable := oauth.BrowserOpener(f.IOStreams.ErrOut, f.Getenv)
		return usable
	}
	// Built at each ask, on the streams as they are then (stderr is
	// another writer while a spinner runs).
	f.Prompter = func() prompt.Prompter {
		return &prompt.Terminal{In: ios.In, Out: ios.ErrOut, Color: ios.ColorEnabled(), Accessible: f.Getenv("ACCESSIBLE") != ""}
	}
	f.Accounts = &account.Resolver{
		Getenv:     func(k string) string { return f.Getenv(k) },
		Config:     func() (*config.Config, error) { return f.Config() },
		Store:      func() (*credentials.Store, error) { return f.Store() },
		HTTPClient: func() *http.Client { return f.HTTPClient() },
		Providers:  f.Providers,
	}
	return f
}

// lazyClient builds a client on first use, once the configuration (and so
// --debug) is known.
func lazyClient(f *cmdutil.Factory, retry bool) func() *http.Client {
	return sync.OnceValue(func() *http.Client {
		opts := httpx.Options{UserAgent: "cachelink/" + f.Build.Version}
		if cfg, err := f.Config(); err == nil {
			opts.Timeout, _ = cfg.Duration(config.APITimeout) // checked by config.Load
			if cfg.Bool(config.Debug) {
				// Through StderrWriter, so that a trace line written while a
				// spinner turns takes its turn (iostreams.StartProgress).
				opts.Debug = f.IOStreams.StderrWriter()
			}
		}
		if retry {
			policy := f.Retry
			if policy.Notify == nil && f.IOStreams.IsStderrTTY() {
				// On a terminal only: a script's stderr stays as it was.
				stderr := f.IOStreams.StderrWriter()
				policy.Notify = func(n httpx.RetryNotice) { fmt.Fprintln(stderr, n.String()) }
			}
			opts.Retry = &policy
		}
		return httpx.New(opts)
	})
}

func newStore(f *cmdutil.Factory) (*credentials.Store, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	dir, err := config.Dir(f.Getenv)
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
