// Package notyet registers the commands of the contract whose provider work
// has not landed yet, so that the command tree, its help and the generated
// reference are complete today. Each one parses its arguments like the real
// command will and then exits 1 saying it is not available yet. A command
// leaves this package when its real implementation lands.
package notyet

import (
	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/cmdutil"
)

func unavailable(cmd *cobra.Command, _ []string) error {
	return clierr.NotAvailable("'" + cmd.CommandPath() + "'")
}

func providerCmd(f *cmdutil.Factory, use, short string, optional bool) *cobra.Command {
	return &cobra.Command{
		Use:       use,
		Short:     short,
		Args:      f.ProviderArgs(optional),
		ValidArgs: f.Providers,
		RunE:      unavailable,
	}
}

// Create returns `create` with its provider subcommands.
func Create(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{Use: "create <provider>", Short: "Create a PolyScale cache or an Upstash Redis database"}
	f.ProviderParent(cmd)
	ps := &cobra.Command{Use: "polyscale", Short: "Create a PolyScale cache for an origin database", Args: cmdutil.ExactArgs(0, "no arguments"), RunE: unavailable}
	var origin cmdutil.OriginFlags
	origin.Register(ps)
	fs := ps.Flags()
	fs.String("name", "", "Cache name")
	fs.String("type", "", "Database type without an origin: postgres, mysql, mariadb or mssql")
	fs.String("host", "", "Origin host without an origin")
	fs.Int("port", 0, "Origin port without an origin")
	fs.String("description", "", "Cache description")
	fs.Bool("no-caching", false, "Create the cache with caching off")
	fs.Bool("skip-dns-check", false, "Do not check that the origin host resolves (private hosts)")
	fs.Bool("if-not-exists", false, "Return the existing cache of that name when its origin matches")

	up := &cobra.Command{Use: "upstash", Short: "Create an Upstash Redis database", Args: cmdutil.ExactArgs(0, "no arguments"), RunE: unavailable}
	fu := up.Flags()
	fu.String("name", "", "Database name")
	fu.String("region", "", "Primary region, such as eu-west-1")
	fu.StringArray("read-region", nil, "Read region (repeatable; AWS regions, never the primary)")
	fu.Bool("eviction", false, "Evict keys when the database is full")
	fu.Int("budget", 0, "Monthly budget in US dollars")
	fu.Bool("if-not-exists", false, "Return the existing database of that name")

	cmd.AddCommand(ps, up)
	return cmd
}

// List returns `list <provider>`.
func List(f *cmdutil.Factory) *cobra.Command {
	return providerCmd(f, "list <provider>", "List PolyScale caches or Upstash databases", false)
}

// Get returns `get <provider> <id|name>`.
func Get(f *cmdutil.Factory) *cobra.Command {
	cmd := providerCmd(f, "get <provider> <id|name>", "Show one cache or database", false)
	cmd.Args = providerAndRef(f)
	return cmd
}

// Delete returns `delete <provider> <id|name>`.
func Delete(f *cmdutil.Factory) *cobra.Command {
	cmd := providerCmd(f, "delete <provider> <id|name>", "Delete a cache or database (asks on a terminal; --yes for scripts)", false)
	cmd.Args = providerAndRef(f)
	return cmd
}

func providerAndRef(f *cmdutil.Factory) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cmdutil.ExactArgs(2, "a provider and an id or name")(cmd, args); err != nil {
			return err
		}
		return f.ProviderArg(args[0])
	}
}

// Rules returns `rules`, PolyScale's cache rules.
func Rules(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rules <command>",
		Short: "Manage PolyScale cache rules (TTL rules)",
		Args:  cobra.NoArgs,
		RunE:  unavailable,
	}
	for _, sub := range []struct{ use, short string }{
		{"list <cache>", "List a cache's rules"},
		{"set <cache>", "Create or update a rule"},
		{"delete <cache>", "Delete a rule"},
	} {
		cmd.AddCommand(&cobra.Command{Use: sub.use, Short: sub.short, Args: cmdutil.ExactArgs(1, "a cache id or name"), RunE: unavailable})
	}
	return cmd
}
