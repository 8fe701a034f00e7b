package upstash

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/upstash"
)

// Commands are what Upstash adds to the command tree.
func Commands(f *cmdutil.Factory) cmdutil.ProviderCommands {
	pc := cmdutil.ProviderCommands{
		Create:  NewCmdCreate(f, nil),
		Connstr: NewCmdConnstr(f, nil),
		List:    NewCmdList(f, nil),
		Get:     NewCmdGet(f, nil),
		Delete:  NewCmdDelete(f, nil),
		Noun:    "database",
		Plural:  "Upstash databases",
		Extra:   []*cobra.Command{NewCmdResetPassword(f, nil)},
	}
	addCompletions(f, pc)
	return pc
}

// newClient returns the constructor of the Developer API client of the
// --profile in use: UPSTASH_EMAIL and UPSTASH_API_KEY, or the stored
// login's key (minted again once when Upstash rejects it).
func newClient(f *cmdutil.Factory) func() (*upstash.Client, error) {
	return cmdutil.APIClient(f, upstash.Provider, upstash.KeyAPIURL, upstash.NewClient)
}

// findDatabase builds the API client with newClient and finds the database
// ref names, by id or by name: how every command about one database begins.
func findDatabase(ctx context.Context, newClient func() (*upstash.Client, error), ref string) (*upstash.Client, *upstash.Database, error) {
	return cmdutil.Lookup(ctx, newClient, (*upstash.Client).FindDatabase, ref)
}
