package cmdutil

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/provider"
)

// Provider returns the registered provider of that name, or a usage error
// whose hint lists the known ones.
func (f *Factory) Provider(name string) (provider.Provider, error) {
	if p := provider.Find(f.Providers(), name); p != nil {
		return p, nil
	}
	names := f.ProviderNames()
	return nil, Suggesting(clierr.Usagef("unknown provider %q", name).WithHint(ListHint("Providers", names)), name, names)
}

// ProviderArgs accepts exactly one argument naming a provider, or, with
// optional, none, and sets *p to that provider (nil for none): RunE finds
// it parsed, as it finds the flags.
func (f *Factory) ProviderArgs(p *provider.Provider, optional bool) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		*p = nil
		switch {
		case len(args) == 0 && optional:
			return nil
		case len(args) == 0:
			return clierr.Usagef("%s needs a provider: %s", cmd.CommandPath(), strings.Join(f.ProviderNames(), " or "))
		case len(args) > 1:
			return clierr.Usagef("%s takes one provider, got %d arguments", cmd.CommandPath(), len(args))
		}
		found, err := f.Provider(args[0])
		*p = found
		return err
	}
}

// ProviderParent makes cmd a parent whose subcommands are providers
// (`cachelink create polyscale ...`): called bare or with an unknown provider
// it fails with a usage error instead of printing help and exiting 0.
func (f *Factory) ProviderParent(cmd *cobra.Command) {
	cmd.Args = cobra.ArbitraryArgs
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return clierr.Usagef("%s needs a provider: %s", cmd.CommandPath(), strings.Join(f.ProviderNames(), " or "))
		}
		if _, err := f.Provider(args[0]); err != nil {
			return err
		}
		return clierr.Usagef("%s %s: unexpected arguments", cmd.CommandPath(), args[0])
	}
}

// ExactArgs is cobra.ExactArgs with a message that names the arguments.
func ExactArgs(n int, names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) == n {
			return nil
		}
		if len(args) < n {
			return clierr.Usagef("%s needs %s", cmd.CommandPath(), names)
		}
		// The extra arguments are not echoed: a misplaced connection string
		// would put its password on stderr.
		return clierr.Usagef("%s takes %s, got %d arguments", cmd.CommandPath(), names, len(args))
	}
}

// OneOf checks a flag value against its allowed values; the hint lists
// them, after a "did you mean" for a value close to one of them.
func OneOf(flag, value string, allowed ...string) error {
	for _, a := range allowed {
		if value == a {
			return nil
		}
	}
	return Suggesting(clierr.Usagef("invalid value %q for --%s", value, flag).WithHint(ListHint("Valid values", allowed)), value, allowed)
}
