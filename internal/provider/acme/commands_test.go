package acme

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/output"
	"github.com/cachelink/cachelink/internal/safetext"
)

// Commands are what Acme adds to the command tree: `create acme` and
// `connstr acme`. It goes into the registry next to Provider.
func Commands(f *cmdutil.Factory) cmdutil.ProviderCommands {
	return cmdutil.ProviderCommands{
		Create:  newCmdCreate(f),
		Connstr: newCmdConnstr(f),
		Noun:    "widget",
		Plural:  "Acme widgets",
	}
}

// newClient is the Acme API client of the --profile in use: ACME_TOKEN,
// or the stored login refreshed as needed, put on each request by
// account.Transport.
func newClient(f *cmdutil.Factory) (*Client, error) {
	return cmdutil.APIClient(f, Provider, KeyAPIURL, NewClient)()
}

func newCmdCreate(f *cmdutil.Factory) *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:     "acme --name NAME",
		Short:   "Create an Acme widget",
		Long:    "Create an Acme widget and print its connection URL on stdout.",
		Example: `  WIDGET_URL=$(cachelink create acme --name w1)`,
		Args:    cmdutil.ExactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if name == "" {
				return clierr.Usagef("--name is required")
			}
			return runCreate(cmd.Context(), f, name)
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "Name of the widget")
	return cmd
}

func runCreate(ctx context.Context, f *cmdutil.Factory, name string) error {
	c, err := newClient(f)
	if err != nil {
		return err
	}
	w, err := c.Create(ctx, name)
	if err != nil {
		return err
	}
	ios := f.IOStreams
	fmt.Fprintf(ios.ErrOut, "%s Created Acme widget %s (%s)\n", ios.SuccessIcon(), safetext.Line(w.Name, 100), safetext.Line(w.ID, 100))
	if f.Globals.JSON() {
		return output.JSON(ios, w)
	}
	_, err = fmt.Fprintln(ios.Out, w.URL)
	return err
}

func newCmdConnstr(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "acme <widget-id|widget-name>",
		Short:   "Print an Acme widget's connection URL",
		Example: `  WIDGET_URL=$(cachelink connstr acme w1)`,
		Args:    cmdutil.ExactArgs(1, "a widget id or name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runConnstr(cmd.Context(), f, args[0])
		},
	}
}

func runConnstr(ctx context.Context, f *cmdutil.Factory, ref string) error {
	c, err := newClient(f)
	if err != nil {
		return err
	}
	ws, err := c.List(ctx)
	if err != nil {
		return err
	}
	for _, w := range ws {
		if w.ID == ref || w.Name == ref {
			if f.Globals.JSON() {
				return output.JSON(f.IOStreams, w)
			}
			_, err = fmt.Fprintln(f.IOStreams.Out, w.URL)
			return err
		}
	}
	return clierr.NotFoundf("no Acme widget has the id or name %q", safetext.Line(ref, 100)).
		WithHint("Run `cachelink create acme --name NAME` to make one.")
}
