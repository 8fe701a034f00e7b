package polyscale

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/config"
	"github.com/cachelink/cachelink/internal/envfile"
	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/output"
	"github.com/cachelink/cachelink/internal/polyscale"
)

// ConnstrOptions is what `connstr polyscale` needs.
type ConnstrOptions struct {
	IO      *iostreams.IOStreams
	Config  func() (*config.Config, error)
	Getenv  func(string) string
	JSON    bool // -o json
	NoInput bool
	// PolyScale returns the API client, used only to look a cache up by
	// name: an id needs no request and no login.
	PolyScale func() (*polyscale.Client, error)

	CacheRef string // the cache id (a name needs the API; see run)
	Origin   OriginFlags
	Type     string // --type: overrides the detected database type (mysql <-> mariadb)
	Format   string // --format: url, env or json; "" = url, or json with -o json
	EnvName  string // --env-name
	WriteEnv string // --write-env
}

// NewCmdConnstr returns `connstr polyscale`. runF replaces the run
// function in tests.
func NewCmdConnstr(f *cmdutil.Factory, runF func(context.Context, *ConnstrOptions) error) *cobra.Command {
	opts := &ConnstrOptions{IO: f.IOStreams, Config: f.Config, Getenv: f.Getenv, PolyScale: newClient(f)}
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

The result crosses the internet to PolyScale's edge: a PostgreSQL sslmode that
allows clear text (disable, allow, prefer) becomes sslmode=require, and a MySQL,
MariaDB or SQL Server setting that does (tls=false, ssl-mode=DISABLED,
Encrypt=false, ...) is kept with a warning on stderr (docs/polyscale.md).

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
			return cmdutil.Run(cmd, opts, runF, connstrRun)
		},
	}
	opts.Origin.Register(cmd)
	cmd.Flags().StringVar(&opts.Type, "type", "", "Database type when the origin form does not tell (a Go MySQL DSN for MariaDB): mysql or mariadb")
	cmd.Flags().StringVar(&opts.Format, "format", "", "Output format: url, env or json (default url; json is the same as -o json)")
	cmd.Flags().StringVar(&opts.EnvName, "env-name", "DATABASE_URL", "Variable name for --format env and --write-env")
	cmdutil.WriteEnvFlag(cmd.Flags(), &opts.WriteEnv, "Merge NAME=value into this .env file (0600, atomic) instead of printing it")
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

func connstrRun(ctx context.Context, opts *ConnstrOptions) error {
	format, err := cmdutil.ResolveFormat(opts.Format, opts.JSON, opts.WriteEnv, "url", "env", "json")
	if err != nil {
		return err
	}
	if err := cmdutil.CheckEnvName(opts.EnvName); err != nil {
		return err
	}
	if err := cmdutil.CheckOriginVar(opts.WriteEnv, opts.EnvName, opts.Origin.Env); err != nil {
		return err
	}
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	edge, err := EdgeHost(cfg)
	if err != nil {
		return err
	}

	origin, err := opts.Origin.Read(opts.IO, opts.NoInput, opts.Getenv)
	if err != nil {
		return err
	}
	if err := checkNotEdge(origin.Host, edge); err != nil {
		return err
	}
	cacheID := strings.ToLower(opts.CacheRef)
	if !polyscale.IsID(opts.CacheRef) {
		// A name costs one request (and credentials); the origin was read
		// and checked first, so a typo there costs none.
		_, cache, err := findCache(ctx, opts.PolyScale, opts.CacheRef)
		if err != nil {
			return err
		}
		cacheID = cache.ID
		if cache.Database != string(origin.Type) && opts.Type == "" {
			opts.IO.Warnf("the cache %s is for a %s database, but the origin is %s", cache.Name, cache.Database, origin.Type)
		}
	}
	if opts.Type != "" {
		t, err := parseType(opts.Type)
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
		return cmdutil.PrintEnv(opts.IO, opts.WriteEnv, []envfile.Entry{{Key: opts.EnvName, Value: out}})
	}
	_, err = fmt.Fprintln(opts.IO.Out, out)
	return err
}
