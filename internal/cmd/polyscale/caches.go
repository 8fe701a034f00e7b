package polyscale

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/output"
	"github.com/cachelink/cachelink/internal/polyscale"
)

// ListOptions is what `list polyscale` needs.
type ListOptions struct {
	IO        *iostreams.IOStreams
	PolyScale func() (*polyscale.Client, error) // the API client
	JSON      bool                              // -o json
}

// NewCmdList returns `list polyscale`. runF replaces the run function in
// tests.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, PolyScale: newClient(f)}
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
			opts.JSON = f.Globals.JSON()
			return cmdutil.Run(cmd, opts, runF, listRun)
		},
	}
}

func listRun(ctx context.Context, opts *ListOptions) error {
	return cmdutil.List(ctx, opts.IO, opts.JSON, opts.PolyScale, (*polyscale.Client).ListCaches, cacheJSON, table)
}

// table is the list of caches, the same columns on a terminal and piped;
// the headers are the JSON keys.
func table(caches []polyscale.Cache) output.Table {
	t := output.Table{
		Headers: []string{"ID", "NAME", "TYPE", "HOST", "PORT", "CACHING"},
		Empty:   "No caches yet: create one with 'cachelink create polyscale --name NAME --origin-env DATABASE_URL'.",
	}
	for _, c := range caches {
		t.Rows = append(t.Rows, []string{c.ID, c.Name, c.Database, c.Host, strconv.Itoa(c.Port), caching(c.CachingEnabled)})
	}
	return t
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

// GetOptions is what `get polyscale` needs.
type GetOptions struct {
	IO        *iostreams.IOStreams
	PolyScale func() (*polyscale.Client, error) // the API client
	JSON      bool                              // -o json

	CacheRef string // the cache id or name
}

// NewCmdGet returns `get polyscale <id|name>`. runF replaces the run
// function in tests.
func NewCmdGet(f *cmdutil.Factory, runF func(context.Context, *GetOptions) error) *cobra.Command {
	opts := &GetOptions{IO: f.IOStreams, PolyScale: newClient(f)}
	return &cobra.Command{
		Use:   "polyscale <id|name>",
		Short: "Show a PolyScale cache",
		Long: `Show one PolyScale cache, by id or by name (a name costs one more request, and
a name two caches share exits 2 listing their ids). -o json prints the cache
with stable snake_case keys. Exits 3 when there is no such cache.`,
		Args: cmdutil.ExactArgs(1, "a cache id or name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.CacheRef = args[0]
			opts.JSON = f.Globals.JSON()
			return cmdutil.Run(cmd, opts, runF, getRun)
		},
	}
}

func getRun(ctx context.Context, opts *GetOptions) error {
	_, c, err := findCache(ctx, opts.PolyScale, opts.CacheRef)
	if err != nil {
		return err
	}
	return output.Print(opts.IO, opts.JSON, cacheJSON(c), detail(c))
}

// detail is one cache for `get polyscale`; its labels are the JSON keys
// (CacheJSON).
func detail(c *polyscale.Cache) output.Detail {
	d := output.Detail{Width: 27}
	d.Add("id", c.ID)
	d.Add("name", c.Name)
	if c.Description != nil && *c.Description != "" {
		d.Add("description", *c.Description)
	}
	d.Add("type", c.Database)
	d.Add("host", c.Host)
	d.Add("port", strconv.Itoa(c.Port))
	d.Add("caching", caching(c.CachingEnabled))
	if c.DefaultCachingBehaviour != "" {
		d.Add("default_caching_behaviour", c.DefaultCachingBehaviour)
	}
	if c.CreatedAt != "" {
		d.Add("created_at", output.NormalizeTime(c.CreatedAt))
	}
	if c.ConnectionURITemplate != "" {
		d.Add("connection_uri_template", c.ConnectionURITemplate)
	}
	return d
}

// DeleteOptions is what `delete polyscale` needs.
type DeleteOptions struct {
	IO        *iostreams.IOStreams
	PolyScale func() (*polyscale.Client, error) // the API client
	// ConfirmDelete asks to type the name on a terminal (see
	// cmdutil.Factory.ConfirmDelete).
	ConfirmDelete func(yes bool, what, name, warning string) error
	JSON          bool // -o json

	CacheRef string // the cache id or name
	Yes      bool   // --yes
}

// NewCmdDelete returns `delete polyscale <id|name>`. runF replaces the run
// function in tests.
func NewCmdDelete(f *cmdutil.Factory, runF func(context.Context, *DeleteOptions) error) *cobra.Command {
	opts := &DeleteOptions{IO: f.IOStreams, PolyScale: newClient(f), ConfirmDelete: f.ConfirmDelete}
	cmd := &cobra.Command{
		Use:   "polyscale <id|name>",
		Short: "Delete a PolyScale cache",
		Long: `Delete a PolyScale cache, by id or name. On a terminal cachelink asks you to
type the cache's name first; scripts pass --yes (without it, and without a
terminal, nothing is deleted and the command exits 2). Exits 3 when there is no
such cache. Applications still connecting through the cache stop working.

With -o json, stdout gets {"deleted": true, "provider": "polyscale", "kind":
"cache", "id": ..., "name": ...}.`,
		Example: `  cachelink delete polyscale shop
  cachelink delete polyscale 11111111-2222-4333-8444-555555555555 --yes`,
		Args: cmdutil.ExactArgs(1, "a cache id or name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.CacheRef = args[0]
			opts.JSON = f.Globals.JSON()
			return cmdutil.Run(cmd, opts, runF, deleteRun)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "Delete without asking")
	return cmd
}

func deleteRun(ctx context.Context, opts *DeleteOptions) error {
	client, c, err := findCache(ctx, opts.PolyScale, opts.CacheRef)
	if err != nil {
		return err
	}
	what := fmt.Sprintf("the PolyScale cache %s (%s, %s)", cmdutil.OneLine(c.Name), c.ID, hostPort(c.Host, c.Port))
	if err := opts.ConfirmDelete(opts.Yes, what, c.Name, "Applications connecting through it will fail."); err != nil {
		return err
	}
	ios := opts.IO
	if err := cmdutil.Deleted(client.DeleteCache(ctx, c.ID)); err != nil {
		return err
	}
	fmt.Fprintf(ios.ErrOut, "%s Deleted the PolyScale cache %s (%s)\n", ios.SuccessIcon(), cmdutil.OneLine(c.Name), c.ID)
	if opts.JSON {
		return output.JSON(ios, output.Deleted{Deleted: true, Provider: "polyscale", Kind: "cache", ID: c.ID, Name: c.Name})
	}
	return nil
}

// PurgeOptions is what `purge` needs.
type PurgeOptions struct {
	IO        *iostreams.IOStreams
	PolyScale func() (*polyscale.Client, error) // the API client
	JSON      bool                              // -o json

	CacheRef string // the cache id or name
}

// NewCmdPurge returns `purge <cache>`. runF replaces the run function in
// tests.
func NewCmdPurge(f *cmdutil.Factory, runF func(context.Context, *PurgeOptions) error) *cobra.Command {
	opts := &PurgeOptions{IO: f.IOStreams, PolyScale: newClient(f)}
	return &cobra.Command{
		Use:   "purge <cache-id|cache-name>",
		Short: "Empty a PolyScale cache of its stored results",
		Long: `Empty a PolyScale cache: every stored query result is dropped, and the next
queries go to the origin database. The cache itself and its rules stay.
Safe to repeat. Exits 3 when there is no such cache. With -o json, stdout gets
{"id": ..., "name": ..., "purged": true, "provider": "polyscale", "kind": "cache"}.`,
		Example: `  cachelink purge shop`,
		Args:    cmdutil.ExactArgs(1, "a cache id or name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.CacheRef = args[0]
			opts.JSON = f.Globals.JSON()
			return cmdutil.Run(cmd, opts, runF, purgeRun)
		},
	}
}

func purgeRun(ctx context.Context, opts *PurgeOptions) error {
	client, c, err := findCache(ctx, opts.PolyScale, opts.CacheRef)
	if err != nil {
		return err
	}
	if err := client.PurgeCache(ctx, c.ID); err != nil {
		return err
	}
	ios := opts.IO
	fmt.Fprintf(ios.ErrOut, "%s Purged the PolyScale cache %s (%s)\n", ios.SuccessIcon(), cmdutil.OneLine(c.Name), c.ID)
	if opts.JSON {
		return output.JSON(ios, purgeJSON{Purged: true, Provider: "polyscale", Kind: "cache", ID: c.ID, Name: c.Name})
	}
	return nil
}

// purgeJSON is what purge prints with -o json: the cache, named as a
// delete names what it deleted (see output.Deleted).
type purgeJSON struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Purged   bool   `json:"purged"`
	Provider string `json:"provider"`
	Kind     string `json:"kind"`
}
