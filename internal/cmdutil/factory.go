// Package cmdutil holds what every command shares: the Factory that hands
// out dependencies lazily (so `--help` never reads the config file or touches
// the keychain), the global options, and helpers for arguments and flags.
package cmdutil

import (
	"sync"

	"github.com/spf13/pflag"

	"github.com/cachelink/cachelink/internal/build"
	"github.com/cachelink/cachelink/internal/config"
	"github.com/cachelink/cachelink/internal/iostreams"
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
	return f
}
