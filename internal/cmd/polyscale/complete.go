package polyscale

// Shell completion of PolyScale's commands: cache names from the API (see
// cmdutil.CompleteFromAPI for the rules every completion keeps), and the
// values of the flags that take one of a few. Also the "did you mean" of a
// database type.

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/connstr"
	"github.com/cachelink/cachelink/internal/polyscale"
)

// dbTypes are the values --type takes, as ParseDBType accepts them.
var dbTypes = []string{"postgres", "mysql", "mariadb", "mssql"}

// dbTypeSpellings are all the spellings ParseDBType accepts, for "did you
// mean".
var dbTypeSpellings = []string{"postgres", "postgresql", "pg", "mysql", "mariadb", "mssql", "sqlserver"}

// parseType is connstr.ParseDBType with a usage error suggesting the type
// meant.
func parseType(s string) (connstr.DBType, error) {
	t, err := connstr.ParseDBType(s)
	if err != nil {
		return "", cmdutil.Suggesting(err, s, dbTypeSpellings)
	}
	return t, nil
}

// CompleteCaches completes a cache id or name (run's --polyscale) from the
// caches of the connected workspace.
func CompleteCaches(f *cmdutil.Factory) cobra.CompletionFunc {
	newClient := cmdutil.CompletionClient(f, polyscale.Provider, polyscale.KeyAPIURL, polyscale.NewClient)
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return cmdutil.CompleteFromAPI(cmd, toComplete, func(ctx context.Context) ([]cmdutil.Choice, error) {
			client, err := newClient()
			if err != nil {
				return nil, err
			}
			caches, err := client.ListCaches(ctx)
			if err != nil {
				return nil, err
			}
			return cmdutil.NamedChoices(caches,
				func(c *polyscale.Cache) string { return c.ID },
				func(c *polyscale.Cache) string { return c.Name },
				func(c *polyscale.Cache) string { return c.Database + " cache" },
				toComplete), nil
		})
	}
}

// addCompletions registers the completions of PolyScale's commands in pc.
// The other arguments and flag values (names, connection strings, rule
// targets) complete nothing: cmdutil.CompleteRest, once the tree is built.
func addCompletions(f *cmdutil.Factory, pc cmdutil.ProviderCommands) {
	caches := cmdutil.FirstArg(CompleteCaches(f))
	for _, c := range []*cobra.Command{pc.Connstr, pc.Get, pc.Delete} {
		c.ValidArgsFunction = caches
	}
	for _, c := range pc.Extra {
		switch c.Name() {
		case "purge":
			c.ValidArgsFunction = caches
		case "rules":
			c.ValidArgsFunction = cobra.NoFileCompletions
			for _, sub := range c.Commands() {
				sub.ValidArgsFunction = caches
			}
		}
	}

	cmdutil.CompleteFlagValues(pc.Create, "type", dbTypes...)
	cmdutil.CompleteFlagValues(pc.Connstr, "type", "mysql", "mariadb")
	cmdutil.CompleteFlagValues(pc.Connstr, "format", "url", "env", "json")
}
