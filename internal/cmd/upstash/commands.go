package upstash

import (
	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/upstash"
)

// Commands are what Upstash adds to the command tree.
func Commands(f *cmdutil.Factory) cmdutil.ProviderCommands {
	return cmdutil.ProviderCommands{
		Create:  NewCmdCreate(f, nil),
		Connstr: NewCmdConnstr(f, nil),
		List:    NewCmdList(f, nil),
		Get:     NewCmdGet(f, nil),
		Delete:  NewCmdDelete(f, nil),
		Noun:    "database",
		Plural:  "Upstash databases",
		Extra:   []*cobra.Command{NewCmdResetPassword(f, nil)},
	}
}

// newClient is the Developer API client of the --profile in use:
// UPSTASH_EMAIL and UPSTASH_API_KEY, or the stored login's key (minted
// again once when Upstash rejects it).
func newClient(f *cmdutil.Factory) (*upstash.Client, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	hc, err := f.AuthClient(upstash.Provider)
	if err != nil {
		return nil, err
	}
	return &upstash.Client{BaseURL: cfg.String(upstash.KeyAPIURL), HTTP: hc}, nil
}
