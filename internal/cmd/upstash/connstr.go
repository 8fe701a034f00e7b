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
symlink) instead of printing them; --env-name renames REDIS_URL.`,
		Example: `  REDIS_URL=$(cachelink connstr upstash cache)
  cachelink connstr upstash cache --format env --write-env .env
  cachelink connstr upstash cache --format rest --read-only`,
		Args: cmdutil.ExactArgs(1, "a database id or name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.DBRef = args[0]
			opts.JSON = f.Globals.JSON()
			return cmdutil.Run(cmd, opts, runF, connstrRun)
		},
	}
	cmd.Flags().StringVar(&opts.Format, "format", "", "Output format: redis, rest, env or json (default redis)")
	cmd.Flags().BoolVar(&opts.ReadOnly, "read-only", false, "Use the read-only REST token")
	cmd.Flags().StringVar(&opts.WriteEnv, "write-env", "", "Merge the env lines into this .env file (0600, atomic) instead of printing them")
	cmd.Flags().StringVar(&opts.EnvName, "env-name", "REDIS_URL", "Variable name of the rediss:// URL for --format env and --write-env")
	return cmd
}

func connstrRun(ctx context.Context, opts *ConnstrOptions) error {
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
