// Package polyscale implements PolyScale's commands: create, connstr,
// list, get and delete under the verbs every provider shares, and purge and
// rules of its own. The API client and the login are internal/polyscale's.
package polyscale

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/polyscale"
)

// Commands are what PolyScale adds to the command tree.
func Commands(f *cmdutil.Factory) cmdutil.ProviderCommands {
	pc := cmdutil.ProviderCommands{
		Create:  NewCmdCreate(f, nil),
		Connstr: NewCmdConnstr(f, nil),
		List:    NewCmdList(f, nil),
		Get:     NewCmdGet(f, nil),
		Delete:  NewCmdDelete(f, nil),
		Noun:    "cache",
		Plural:  "PolyScale caches",
		Extra:   []*cobra.Command{NewCmdPurge(f, nil), NewCmdRules(f)},
	}
	addCompletions(f, pc)
	return pc
}

// newClient returns the constructor of the PolyScale API client of the
// --profile in use: the environment's API key or the stored login,
// refreshed as needed.
func newClient(f *cmdutil.Factory) func() (*polyscale.Client, error) {
	return cmdutil.APIClient(f, polyscale.Provider, polyscale.KeyAPIURL, polyscale.NewClient)
}

// findCache builds the API client with newClient and finds the cache ref
// names, by id or by name: how every command about one cache begins.
func findCache(ctx context.Context, newClient func() (*polyscale.Client, error), ref string) (*polyscale.Client, *polyscale.Cache, error) {
	return cmdutil.Lookup(ctx, newClient, (*polyscale.Client).FindCache, ref)
}
