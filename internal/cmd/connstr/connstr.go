// Package connstr implements `cachelink connstr`: print the connection
// string of an existing cache or database, in the form the caller asks for.
package connstr

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/clierr"
	upstashcmd "github.com/cachelink/cachelink/internal/cmd/upstash"
	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/config"
	"github.com/cachelink/cachelink/internal/connstr"
	"github.com/cachelink/cachelink/internal/envfile"
	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/output"
	"github.com/cachelink/cachelink/internal/polyscale"
	"github.com/cachelink/cachelink/internal/upstash"
)

// NewCmdConnstr returns `connstr` with one subcommand per provider.
func NewCmdConnstr(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "connstr <provider>",
		Short: "Print the connection string of a cache or database",
	}
	f.ProviderParent(cmd)
	cmd.AddCommand(NewCmdPolyScale(f, nil), newCmdUpstash(f))
	return cmd
}

// UpstashOptions is what `connstr upstash` needs.
type UpstashOptions struct {
	DBRef    string
	Format   string // redis, rest, env or json; "" = redis, or json with -o json
	ReadOnly bool
	WriteEnv string
	EnvName  string // the variable for the rediss:// URL in env lines
}

func newCmdUpstash(f *cmdutil.Factory) *cobra.Command {
	opts := &UpstashOptions{}
	cmd := &cobra.Command{
		Use:   "upstash <db-id|db-name>",
		Short: "Print an Upstash Redis database's rediss:// URL or REST details",
		Long: `Print how to reach an Upstash Redis database:

  --format redis   rediss://default:PASSWORD@ENDPOINT:PORT (the default)
  --format rest    the REST URL, https://ENDPOINT
  --format env     REDIS_URL, UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN
                   lines, the names Upstash's SDKs read
  --format json    all of it (also -o json)

--read-only uses the read-only REST token (REST, env and json only: the Redis
protocol has no read-only password, so REDIS_URL is left out). --write-env FILE
merges the env lines into FILE (other lines kept, 0600, atomic, never through a
symlink) instead of printing them; --env-name renames REDIS_URL.`,
		Example: `  REDIS_URL=$(cachelink connstr upstash cache)
  cachelink connstr upstash cache --format env --write-env .env
  cachelink connstr upstash cache --format rest --read-only`,
		Args: cmdutil.ExactArgs(1, "a database id or name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.DBRef = args[0]
			return runUpstash(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().StringVar(&opts.Format, "format", "", "Output format: redis, rest, env or json (default redis)")
	cmd.Flags().BoolVar(&opts.ReadOnly, "read-only", false, "Use the read-only REST token")
	cmd.Flags().StringVar(&opts.WriteEnv, "write-env", "", "Merge the env lines into this .env file (0600, atomic) instead of printing them")
	cmd.Flags().StringVar(&opts.EnvName, "env-name", "REDIS_URL", "Variable name of the rediss:// URL for --format env and --write-env")
	return cmd
}

func runUpstash(ctx context.Context, f *cmdutil.Factory, opts *UpstashOptions) error {
	format := opts.Format
	if format != "" {
		if err := cmdutil.OneOf("format", format, "redis", "rest", "env", "json"); err != nil {
			return err
		}
	}
	if f.Globals.JSON() {
		if format != "" && format != "json" {
			return clierr.Usagef("-o json and --format %s disagree; use one of them", format)
		}
		format = "json"
	}
	if opts.WriteEnv != "" {
		if format != "" && format != "env" {
			return clierr.Usagef("--write-env writes env lines; it cannot be combined with --format %s or -o json", format)
		}
		format = "env"
	}
	if format == "" {
		format = "redis"
	}
	if !envfile.ValidKey(opts.EnvName) {
		return clierr.Usagef("invalid --env-name %q: use letters, digits and '_', not starting with a digit", opts.EnvName)
	}
	if opts.ReadOnly && format == "redis" {
		return clierr.Usagef("the Redis protocol has no read-only password; --read-only works with --format rest, env or json")
	}
	client, err := f.Upstash()
	if err != nil {
		return err
	}
	d, err := client.FindDatabase(ctx, opts.DBRef)
	if err != nil {
		return err
	}
	token := d.RestToken
	if opts.ReadOnly {
		token = d.ReadOnlyRestToken
	}
	ios := f.IOStreams
	switch format {
	case "json":
		out := upstashcmd.ToJSON(d)
		if opts.ReadOnly {
			out.RedisURL, out.RESTToken = "", ""
		}
		return output.JSON(ios, out)
	case "rest":
		_, err = fmt.Fprintln(ios.Out, upstash.RESTURL(d))
		return err
	case "env":
		var entries []envfile.Entry
		if !opts.ReadOnly {
			entries = append(entries, envfile.Entry{Key: opts.EnvName, Value: upstash.RedisURL(d)})
		}
		entries = append(entries,
			envfile.Entry{Key: "UPSTASH_REDIS_REST_URL", Value: upstash.RESTURL(d)},
			envfile.Entry{Key: "UPSTASH_REDIS_REST_TOKEN", Value: token})
		if opts.WriteEnv != "" {
			return writeEnv(ios, opts.WriteEnv, entries)
		}
		s, err := envfile.Format(entries)
		if err != nil {
			return clierr.Wrap(clierr.Usage, err)
		}
		_, err = fmt.Fprint(ios.Out, s)
		return err
	}
	_, err = fmt.Fprintln(ios.Out, upstash.RedisURL(d))
	return err
}

// PolyScaleOptions is what `connstr polyscale` needs.
type PolyScaleOptions struct {
	IO      *iostreams.IOStreams
	Config  func() (*config.Config, error)
	JSON    bool // -o json
	NoInput bool
	// PolyScale returns the API client, used only to look a cache up by
	// name: an id needs no request and no login.
	PolyScale func() (*polyscale.Client, error)

	CacheRef string // the cache id (a name needs the API; see run)
	Origin   cmdutil.OriginFlags
	Type     string // --type: overrides the detected database type (mysql <-> mariadb)
	Format   string // --format: url, env or json; "" = url, or json with -o json
	EnvName  string // --env-name
	WriteEnv string // --write-env
}

// NewCmdPolyScale returns `connstr polyscale`. runF replaces the run
// function in tests.
func NewCmdPolyScale(f *cmdutil.Factory, runF func(context.Context, *PolyScaleOptions) error) *cobra.Command {
	opts := &PolyScaleOptions{IO: f.IOStreams, Config: f.Config, PolyScale: f.PolyScale}
	cmd := &cobra.Command{
		Use:   "polyscale <cache-id|cache-name> (--origin-env NAME | --origin - | --origin URL)",
		Short: "Rewrite an origin database connection string to go through a PolyScale cache",
		Long: `Rewrite an origin database connection string so the application connects
through a PolyScale cache: the host becomes the PolyScale edge (polyscale.edge_host),
the port the one for the database type (PostgreSQL 5432, MySQL 3306, MariaDB 3307,
SQL Server 1433), and the cache id goes into application_name (PostgreSQL) or in
front of the user name (the others). User, password and database are kept, and the
result is written in the same form as the origin: URL, PostgreSQL keyword/value,
Go MySQL DSN or ADO.NET.

Accepted origins:
  PostgreSQL   postgres://... or postgresql://...   host=... port=... user=... dbname=...
  MySQL        mysql://...                         user:pass@tcp(host:3306)/db?params
  MariaDB      mariadb://...                       a Go MySQL DSN with --type mariadb
  SQL Server   sqlserver://...                     Server=host,1433;Database=db;User Id=u;Password=p

With a cache id this works offline and needs no login; a cache name costs one
request to PolyScale (and credentials), and a name two caches share exits 2
listing their ids.

The origin carries the database password: prefer --origin-env or --origin -
over --origin, which leaves it in shell history and the process list.`,
		Example: `  cachelink connstr polyscale 11111111-2222-4333-8444-555555555555 --origin-env DATABASE_URL
  printf '%s\n' "$DATABASE_URL" | cachelink connstr polyscale "$CACHE_ID" --origin -
  cachelink connstr polyscale "$CACHE_ID" --origin-env DATABASE_URL --write-env .env --env-name CACHED_DATABASE_URL`,
		Args: cmdutil.ExactArgs(1, "a cache id or name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.CacheRef = args[0]
			opts.JSON = f.Globals.JSON()
			cfg, err := f.Config()
			if err != nil {
				return err
			}
			opts.NoInput = cfg.Bool(config.NoInput)
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runPolyScale(cmd.Context(), opts)
		},
	}
	opts.Origin.Register(cmd)
	cmd.Flags().StringVar(&opts.Type, "type", "", "Database type when the origin form does not tell (a Go MySQL DSN for MariaDB): mysql or mariadb")
	cmd.Flags().StringVar(&opts.Format, "format", "", "Output format: url, env or json (default url)")
	cmd.Flags().StringVar(&opts.EnvName, "env-name", "DATABASE_URL", "Variable name for --format env and --write-env")
	cmd.Flags().StringVar(&opts.WriteEnv, "write-env", "", "Merge NAME=value into this .env file (0600, atomic) instead of printing it")
	return cmd
}

// polyscaleResult is the JSON form; its keys are part of the contract.
type polyscaleResult struct {
	CacheID          string `json:"cache_id"`
	Type             string `json:"type"`
	Host             string `json:"host"`
	Port             int    `json:"port"`
	ConnectionString string `json:"connection_string"`
}

func runPolyScale(ctx context.Context, opts *PolyScaleOptions) error {
	format, err := resolveFormat(opts)
	if err != nil {
		return err
	}
	if !envfile.ValidKey(opts.EnvName) {
		return clierr.Usagef("invalid --env-name %q: use letters, digits and '_', not starting with a digit", opts.EnvName)
	}
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	edge, err := connstr.ParseEdge(cfg.String(config.PolyScaleEdgeHost))
	if err != nil {
		return clierr.Usagef("invalid polyscale.edge_host: %w", err).
			WithHint(fmt.Sprintf("Set it (config file or %s) to a host or host:port.", config.EnvName(config.PolyScaleEdgeHost)))
	}

	origin, err := opts.Origin.Read(opts.IO, opts.NoInput)
	if err != nil {
		return err
	}
	cacheID := strings.ToLower(opts.CacheRef)
	if !polyscale.IsID(opts.CacheRef) {
		// A name costs one request (and credentials); the origin was read
		// and checked first, so a typo there costs none.
		client, err := opts.PolyScale()
		if err != nil {
			return err
		}
		cache, err := client.FindCache(ctx, opts.CacheRef)
		if err != nil {
			return err
		}
		cacheID = cache.ID
		if cache.Database != string(origin.Type) && opts.Type == "" {
			opts.IO.Warnf("the cache %s is for a %s database, but the origin is %s", cache.Name, cache.Database, origin.Type)
		}
	}
	if opts.Type != "" {
		t, err := connstr.ParseDBType(opts.Type)
		if err != nil {
			return clierr.Wrap(clierr.Usage, err)
		}
		if err := origin.SetType(t); err != nil {
			return clierr.Wrap(clierr.Usage, err)
		}
	}
	out, err := origin.Rewrite(cacheID, edge)
	if err != nil {
		return clierr.Wrap(clierr.Usage, err)
	}

	switch format {
	case "json":
		port := edge.Port
		if port == 0 {
			port = origin.Type.EdgePort()
		}
		return output.JSON(opts.IO, polyscaleResult{
			CacheID:          cacheID,
			Type:             string(origin.Type),
			Host:             edge.Host,
			Port:             port,
			ConnectionString: out,
		})
	case "env":
		entries := []envfile.Entry{{Key: opts.EnvName, Value: out}}
		if opts.WriteEnv != "" {
			return writeEnv(opts.IO, opts.WriteEnv, entries)
		}
		s, err := envfile.Format(entries)
		if err != nil {
			return clierr.Wrap(clierr.Usage, err)
		}
		_, err = fmt.Fprint(opts.IO.Out, s)
		return err
	}
	_, err = fmt.Fprintln(opts.IO.Out, out)
	return err
}

// resolveFormat reconciles --format, -o json and --write-env.
func resolveFormat(opts *PolyScaleOptions) (string, error) {
	format := opts.Format
	if format != "" {
		if err := cmdutil.OneOf("format", format, "url", "env", "json"); err != nil {
			return "", err
		}
	}
	if opts.JSON {
		if format != "" && format != "json" {
			return "", clierr.Usagef("-o json and --format %s disagree; use one of them", format)
		}
		format = "json"
	}
	if opts.WriteEnv != "" {
		if format != "" && format != "env" {
			return "", clierr.Usagef("--write-env writes env lines; it cannot be combined with --format %s or -o json", format)
		}
		format = "env"
	}
	if format == "" {
		format = "url"
	}
	return format, nil
}

func writeEnv(ios *iostreams.IOStreams, path string, entries []envfile.Entry) error {
	res, err := envfile.Merge(path, entries)
	switch {
	case errors.Is(err, envfile.ErrSymlink), errors.Is(err, envfile.ErrNotRegular),
		errors.Is(err, envfile.ErrInvalidKey), errors.Is(err, envfile.ErrInvalidValue):
		return clierr.Wrap(clierr.Usage, err)
	case err != nil:
		return clierr.Errorf("writing %s: %w", path, err)
	}
	verb := "Added"
	if len(res.Replaced) > 0 {
		verb = "Updated"
	}
	keys := append(append([]string{}, res.Replaced...), res.Added...)
	fmt.Fprintf(ios.ErrOut, "%s %s %s in %s\n", ios.SuccessIcon(), verb, strings.Join(keys, ", "), path)
	if res.PermissionsTightened {
		ios.Warnf("%s was readable by others; it is now 0600 because it holds a password", path)
	}
	return nil
}
