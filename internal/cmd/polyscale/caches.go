package polyscale

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/output"
	"github.com/cachelink/cachelink/internal/polyscale"
)

// NewCmdList returns `list polyscale`.
func NewCmdList(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "polyscale",
		Short: "List PolyScale caches",
		Long: `List the caches of the connected PolyScale workspace: a table on a terminal,
tab-separated columns without a header when piped (id, name, type, host, port,
caching), or a JSON array with -o json.`,
		Example: `  cachelink list polyscale
  cachelink list polyscale | cut -f1,2
  cachelink list polyscale -o json | jq -r '.[].id'`,
		Args: cmdutil.ExactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			client, err := f.PolyScale()
			if err != nil {
				return err
			}
			caches, err := client.ListCaches(cmd.Context())
			if err != nil {
				return err
			}
			ios := f.IOStreams
			if f.Globals.JSON() {
				out := make([]CacheJSON, len(caches))
				for i := range caches {
					out[i] = cacheJSON(&caches[i])
				}
				return output.JSON(ios, out)
			}
			if ios.IsStdoutTTY() {
				if len(caches) == 0 {
					fmt.Fprintln(ios.ErrOut, "No caches yet: create one with `cachelink create polyscale --name NAME --origin-env DATABASE_URL`.")
					return nil
				}
				return table(ios.Out, caches)
			}
			for _, c := range caches {
				fmt.Fprintf(ios.Out, "%s\t%s\t%s\t%s\t%d\t%s\n", cmdutil.OneLine(c.ID), cmdutil.OneLine(c.Name), cmdutil.OneLine(c.Database), cmdutil.OneLine(c.Host), c.Port, caching(c.CachingEnabled))
			}
			return nil
		},
	}
}

func table(w io.Writer, caches []polyscale.Cache) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tTYPE\tORIGIN\tCACHING")
	for _, c := range caches {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", cmdutil.OneLine(c.ID), cmdutil.OneLine(c.Name), cmdutil.OneLine(c.Database), hostPort(c.Host, c.Port), caching(c.CachingEnabled))
	}
	return tw.Flush()
}

func hostPort(host string, port int) string {
	host = cmdutil.OneLine(host)
	if strings.Contains(host, ":") {
		return fmt.Sprintf("[%s]:%d", host, port)
	}
	return fmt.Sprintf("%s:%d", host, port)
}

func caching(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

// NewCmdGet returns `get polyscale <id|name>`.
func NewCmdGet(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "polyscale <id|name>",
		Short: "Show a PolyScale cache",
		Long: `Show one PolyScale cache, by id or by name (a name costs one more request, and
a name two caches share exits 2 listing their ids). -o json prints the cache
with stable snake_case keys. Exits 3 when there is no such cache.`,
		Args: cmdutil.ExactArgs(1, "a cache id or name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			client, err := f.PolyScale()
			if err != nil {
				return err
			}
			c, err := client.FindCache(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if f.Globals.JSON() {
				return output.JSON(f.IOStreams, cacheJSON(c))
			}
			w := f.IOStreams.Out
			fmt.Fprintf(w, "id:          %s\n", cmdutil.OneLine(c.ID))
			fmt.Fprintf(w, "name:        %s\n", cmdutil.OneLine(c.Name))
			if c.Description != nil && *c.Description != "" {
				fmt.Fprintf(w, "description: %s\n", cmdutil.OneLine(*c.Description))
			}
			fmt.Fprintf(w, "type:        %s\n", cmdutil.OneLine(c.Database))
			fmt.Fprintf(w, "origin:      %s\n", hostPort(c.Host, c.Port))
			fmt.Fprintf(w, "caching:     %s (%s)\n", caching(c.CachingEnabled), cmdutil.OneLine(c.DefaultCachingBehaviour))
			if c.CreatedAt != "" {
				fmt.Fprintf(w, "created:     %s\n", cmdutil.OneLine(c.CreatedAt))
			}
			if c.ConnectionURITemplate != "" {
				fmt.Fprintf(w, "template:    %s\n", cmdutil.OneLine(c.ConnectionURITemplate))
			}
			return nil
		},
	}
}

// NewCmdDelete returns `delete polyscale <id|name>`.
func NewCmdDelete(f *cmdutil.Factory) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "polyscale <id|name>",
		Short: "Delete a PolyScale cache",
		Long: `Delete a PolyScale cache, by id or name. On a terminal cachelink asks you to
type the cache's name first; scripts pass --yes (without it, and without a
terminal, nothing is deleted and the command exits 2). Exits 3 when there is no
such cache. Applications still connecting through the cache stop working.`,
		Example: `  cachelink delete polyscale shop
  cachelink delete polyscale 11111111-2222-4333-8444-555555555555 --yes`,
		Args: cmdutil.ExactArgs(1, "a cache id or name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDelete(cmd.Context(), f, args[0], yes)
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "Delete without asking")
	return cmd
}

func runDelete(ctx context.Context, f *cmdutil.Factory, ref string, yes bool) error {
	client, err := f.PolyScale()
	if err != nil {
		return err
	}
	c, err := client.FindCache(ctx, ref)
	if err != nil {
		return err
	}
	what := fmt.Sprintf("the PolyScale cache %s (%s, %s)", cmdutil.OneLine(c.Name), c.ID, hostPort(c.Host, c.Port))
	if err := f.ConfirmDelete(yes, what, c.Name, "Applications connecting through it will fail."); err != nil {
		return err
	}
	ios := f.IOStreams
	if err := client.DeleteCache(ctx, c.ID); err != nil {
		// A retried DELETE whose first attempt went through finds nothing.
		if clierr.KindOf(err) != clierr.NotFound {
			return err
		}
	}
	fmt.Fprintf(ios.ErrOut, "%s Deleted the PolyScale cache %s (%s)\n", ios.SuccessIcon(), cmdutil.OneLine(c.Name), c.ID)
	return nil
}

// NewCmdPurge returns `purge <cache>`.
func NewCmdPurge(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "purge <cache-id|cache-name>",
		Short: "Empty a PolyScale cache of its stored results",
		Long: `Empty a PolyScale cache: every stored query result is dropped, and the next
queries go to the origin database. The cache itself and its rules stay.
Safe to repeat. Exits 3 when there is no such cache.`,
		Example: `  cachelink purge shop`,
		Args:    cmdutil.ExactArgs(1, "a cache id or name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			client, err := f.PolyScale()
			if err != nil {
				return err
			}
			c, err := client.FindCache(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if err := client.PurgeCache(cmd.Context(), c.ID); err != nil {
				return err
			}
			ios := f.IOStreams
			fmt.Fprintf(ios.ErrOut, "%s Purged the PolyScale cache %s (%s)\n", ios.SuccessIcon(), cmdutil.OneLine(c.Name), c.ID)
			if f.Globals.JSON() {
				return output.JSON(ios, map[string]any{"id": c.ID, "name": c.Name, "purged": true})
			}
			return nil
		},
	}
}
