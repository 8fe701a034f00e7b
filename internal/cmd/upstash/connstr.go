package upstash

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/envfile"
	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/output"
	"github.com/cachelink/cachelink/internal/upstash"
)

// ConnstrOptions is what `connstr upstash` needs.
type ConnstrOptions struct {
	IO      *iostreams.IOStreams
	Upstash func() (*upstash.Client, error) // the Developer API client
	JSON    bool                            // -o json

	DBRef    string
	Format   string // redis, rest, env or json; "" = redis, or json with -o json
	ReadOnly bool
	WriteEnv string
	EnvName  string // the variable for the rediss:// URL in env lines
	Kind     string // --kind: "" (a Redis database, else an index), redis, vector, search or qstash
	Region   string // --region: the QStash region, with --kind qstash
}

// NewCmdConnstr returns `connstr upstash`. runF replaces the run function
// in tests.
func NewCmdConnstr(f *cmdutil.Factory, runF func(context.Context, *ConnstrOptions) error) *cobra.Command {
	opts := &ConnstrOptions{IO: f.IOStreams, Upstash: newClient(f)}
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
symlink) instead of printing them; --env-name renames REDIS_URL.

A Vector or Search index (--kind vector|search, or a name that is no
database) prints UPSTASH_VECTOR_REST_URL and UPSTASH_VECTOR_REST_TOKEN (or
UPSTASH_SEARCH_...) lines by default; --format rest|token|json, --read-only
(the read-only token) and --write-env work as for a database. With --kind
the lookup is one request whatever the kind.

--kind qstash (no argument) prints the account's QStash token; --format env
gives QSTASH_TOKEN and QSTASH_URL (for the regions Upstash names a URL for);
--region picks one when the account has QStash in several.`,
		Example: `  REDIS_URL=$(cachelink connstr upstash cache)
  cachelink connstr upstash cache --format env --write-env .env
  cachelink connstr upstash cache --format rest --read-only`,
		Args: connstrArgs(&opts.Kind),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				opts.DBRef = args[0]
			}
			opts.JSON = f.Globals.JSON()
			return cmdutil.Run(cmd, opts, runF, connstrRun)
		},
	}
	cmd.Flags().StringVar(&opts.Format, "format", "", "Output format: redis, rest, env or json (default redis; json is the same as -o json)")
	cmd.Flags().BoolVar(&opts.ReadOnly, "read-only", false, "Use the read-only REST token")
	cmdutil.WriteEnvFlag(cmd.Flags(), &opts.WriteEnv, "Merge the env lines into this .env file (0600, atomic) instead of printing them")
	cmd.Flags().StringVar(&opts.EnvName, "env-name", "REDIS_URL", "Variable name of the rediss:// URL for --format env and --write-env")
	cmd.Flags().StringVar(&opts.Kind, "kind", "", "Its kind: redis, vector, search, or qstash (the account's QStash, no argument)")
	cmd.Flags().StringVar(&opts.Region, "region", "", "With --kind qstash: the QStash region (eu-central-1 or us-east-1), when the account has several")
	return cmd
}

func connstrRun(ctx context.Context, opts *ConnstrOptions) error {
	if done, err := connstrKindRun(ctx, opts); done {
		return err
	}
	format, err := cmdutil.ResolveFormat(opts.Format, opts.JSON, opts.WriteEnv, "redis", "rest", "env", "json")
	if err != nil {
		return err
	}
	if err := cmdutil.CheckEnvName(opts.EnvName); err != nil {
		return err
	}
	if opts.ReadOnly && format == "redis" {
		return clierr.Usagef("the Redis protocol has no read-only password; --read-only works with --format rest, env or json")
	}
	_, d, err := findDatabase(ctx, opts.Upstash, opts.DBRef)
	if err != nil {
		return err
	}
	return connstrDatabase(opts, d)
}

// connstrDatabase prints how to reach the database d in opts.Format.
func connstrDatabase(opts *ConnstrOptions, d *upstash.Database) error {
	format, err := cmdutil.ResolveFormat(opts.Format, opts.JSON, opts.WriteEnv, "redis", "rest", "env", "json")
	if err != nil {
		return err
	}
	token := d.RestToken
	if opts.ReadOnly {
		token = d.ReadOnlyRestToken
	}
	ios := opts.IO
	switch format {
	case "json":
		out := ToJSON(d)
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
		return cmdutil.PrintEnv(ios, opts.WriteEnv, entries)
	}
	_, err = fmt.Fprintln(ios.Out, upstash.RedisURL(d))
	return err
}
