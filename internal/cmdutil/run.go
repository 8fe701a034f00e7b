package cmdutil

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/output"
)

// Run ends a command's RunE once opts are filled in from argv: it calls
// runF when a test gave one (to check the Options without running
// anything), else the command's run function, with cmd's context.
func Run[O any](cmd *cobra.Command, opts *O, runF, run func(context.Context, *O) error) error {
	if runF != nil {
		return runF(cmd.Context(), opts)
	}
	return run(cmd.Context(), opts)
}

// Lookup is how a command about one resource begins: it builds the API
// client with newClient, then finds the resource ref names (an id or a
// name) with find, such as (*polyscale.Client).FindCache.
func Lookup[C, R any](ctx context.Context, newClient func() (*C, error), find func(*C, context.Context, string) (*R, error), ref string) (*C, *R, error) {
	client, err := newClient()
	if err != nil {
		return nil, nil, err
	}
	r, err := find(client, ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	return client, r, nil
}

// List is the run of a list command: it builds the API client with
// newClient, lists the resources with list, such as
// (*polyscale.Client).ListCaches, and prints them (see output.Print): with
// asJSON an array of their toJSON ([] when there are none), else table of
// them.
func List[C, R, J any](ctx context.Context, ios *iostreams.IOStreams, asJSON bool, newClient func() (*C, error),
	list func(*C, context.Context) ([]R, error), toJSON func(*R) J, table func([]R) output.Table) error {
	client, err := newClient()
	if err != nil {
		return err
	}
	items, err := list(client, ctx)
	if err != nil {
		return err
	}
	out := make([]J, len(items))
	for i := range items {
		out[i] = toJSON(&items[i])
	}
	return output.Print(ios, asJSON, out, table(items))
}
