// Package run is `cachelink run`: it resolves connection strings and starts
// a command with them in its environment, so nothing is written to disk.
package run

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/clierr"
	pscmd "github.com/cachelink/cachelink/internal/cmd/polyscale"
	upcmd "github.com/cachelink/cachelink/internal/cmd/upstash"
	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/config"
	"github.com/cachelink/cachelink/internal/envfile"
	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/polyscale"
	"github.com/cachelink/cachelink/internal/upstash"
)

// Options is what `cachelink run` needs.
type Options struct {
	IO     *iostreams.IOStreams
	Config func() (*config.Config, error)
	Getenv func(string) string
	// PolyScale and Upstash return the API clients, used only to look a
	// cache or database up: a PolyScale cache id needs no request.
	PolyScale func() (*polyscale.Client, error)
	Upstash   func() (*upstash.Client, error)
	// Environ is the environment the child inherits (os.Environ).
	Environ func() []string
	// Exec starts the child and waits for it; nil means StartAndWait.
	// Tests replace it to see what would be started.
	Exec func(ctx context.Context, c *Child) error

	Cache     string   // --polyscale: a cache id or name
	OriginEnv string   // --origin-env: where the PolyScale origin is read
	EnvName   string   // --env-name: what the child sees the edge string as
	Databases []string // --upstash: database ids or names
	Command   []string // COMMAND [ARGS]
}

// Child is the command to start: argv, the environment, and the streams.
type Child struct {
	Args []string
	Env  []string // KEY=VALUE
	IO   *iostreams.IOStreams
}

// NewCmdRun returns `cachelink run`. runF replaces the run function in
// tests.
func NewCmdRun(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{
		IO: f.IOStreams, Config: f.Config, Getenv: f.Getenv, Environ: os.Environ,
		PolyScale: cmdutil.APIClient(f, polyscale.Provider, polyscale.KeyAPIURL, polyscale.NewClient),
		Upstash:   cmdutil.APIClient(f, upstash.Provider, upstash.KeyAPIURL, upstash.NewClient),
	}
	cmd := &cobra.Command{
		Use:   "run [--polyscale CACHE] [--upstash NAME] -- COMMAND [ARGS]",
		Short: "Start a command with connection strings in its environment",
		Long: `Start COMMAND with connection strings added to its environment, so that
nothing is written to disk and nothing but COMMAND's own output reaches stdout.

--polyscale CACHE reads the origin connection string from the environment
variable --origin-env (default DATABASE_URL), rewrites it to go through the
cache (as 'cachelink connstr polyscale' does), and gives it to COMMAND as
--env-name (default DATABASE_URL, so COMMAND sees the edge string in place of
the origin). A cache id needs no request; a name costs one.

--upstash NAME gives COMMAND the database's REDIS_URL, UPSTASH_REDIS_REST_URL
and UPSTASH_REDIS_REST_TOKEN.

COMMAND otherwise inherits cachelink's environment and streams. SIGINT,
SIGTERM and SIGHUP are forwarded to it, and cachelink exits with its status
(128+N when a signal N ended it; 127 when it cannot be started). An error
resolving a connection string exits as 'cachelink connstr' does, before
COMMAND starts. -o json is refused (exit 2): run has no output of its own.`,
		Example: `  cachelink run --polyscale 11111111-2222-4333-8444-555555555555 -- npm start
  cachelink run --upstash cache -- python worker.py
  cachelink run --polyscale shop --origin-env ORIGIN_URL --upstash cache -- ./server`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return clierr.Usagef("a command to run is needed: cachelink run [--polyscale CACHE] [--upstash NAME] -- COMMAND [ARGS]")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			// stdout is COMMAND's alone: there is no result of run's own
			// to print as JSON, and JSON mixed into COMMAND's output
			// would break whoever reads it.
			if f.Globals.JSON() {
				return clierr.Usagef("-o json does not apply to run: stdout is COMMAND's own output").
					WithHint("Drop -o json; 'cachelink connstr ... -o json' prints the connection details as JSON.")
			}
			opts.Command = args
			return cmdutil.Run(cmd, opts, runF, runRun)
		},
	}
	// Everything after COMMAND is COMMAND's, flags included.
	cmd.Flags().SetInterspersed(false)
	cmd.Flags().StringVar(&opts.Cache, "polyscale", "", "PolyScale cache id or name: COMMAND gets the origin rewritten for it")
	cmd.Flags().StringVar(&opts.OriginEnv, "origin-env", "DATABASE_URL", "With --polyscale: the environment variable holding the origin connection string")
	cmd.Flags().StringVar(&opts.EnvName, "env-name", "DATABASE_URL", "With --polyscale: the variable COMMAND sees the edge connection string as")
	cmd.Flags().StringArrayVar(&opts.Databases, "upstash", nil, "Upstash Redis database id or name: COMMAND gets REDIS_URL, UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN")
	cmdutil.CompleteFlag(cmd, "polyscale", pscmd.CompleteCaches(f))
	cmdutil.CompleteFlag(cmd, "upstash", upcmd.CompleteDatabases(f))
	// COMMAND is a program or a script: the shell's own completion.
	cmd.ValidArgsFunction = func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return nil, cobra.ShellCompDirectiveDefault
	}
	return cmd
}

func runRun(ctx context.Context, opts *Options) error {
	if opts.Cache == "" && len(opts.Databases) == 0 {
		return clierr.Usagef("nothing to add to the environment: give --polyscale CACHE or --upstash NAME").
			WithHint("Run 'cachelink run --help' for usage.")
	}
	if len(opts.Databases) > 1 {
		return clierr.Usagef("--upstash is given %d times, but each database sets the same REDIS_URL, UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN", len(opts.Databases)).
			WithHint("Give one --upstash; 'cachelink connstr upstash NAME --format env --env-name VAR' prints the others under another name.")
	}
	var entries []envfile.Entry
	if opts.Cache != "" {
		e, err := polyscaleEntry(ctx, opts)
		if err != nil {
			return err
		}
		entries = append(entries, e)
	}
	for _, ref := range opts.Databases {
		es, err := upstashEntries(ctx, opts, ref)
		if err != nil {
			return err
		}
		entries = append(entries, es...)
	}
	exe := opts.Exec
	if exe == nil {
		exe = StartAndWait
	}
	return exe(ctx, &Child{Args: opts.Command, Env: withEntries(opts.Environ(), entries), IO: opts.IO})
}

// polyscaleEntry is the origin in --origin-env rewritten for the cache, as
// `connstr polyscale` does it, named --env-name.
func polyscaleEntry(ctx context.Context, opts *Options) (envfile.Entry, error) {
	if err := cmdutil.CheckEnvName(opts.EnvName); err != nil {
		return envfile.Entry{}, err
	}
	if !envfile.ValidKey(opts.OriginEnv) {
		return envfile.Entry{}, clierr.Usagef("invalid --origin-env %q: use letters, digits and '_', not starting with a digit", opts.OriginEnv)
	}
	cfg, err := opts.Config()
	if err != nil {
		return envfile.Entry{}, err
	}
	edge, err := pscmd.EdgeHost(cfg)
	if err != nil {
		return envfile.Entry{}, err
	}
	raw := opts.Getenv(opts.OriginEnv)
	if raw == "" {
		return envfile.Entry{}, clierr.Usagef("environment variable %s is not set or empty", opts.OriginEnv).
			WithHint(fmt.Sprintf("Export %s with the origin connection string, or name another variable with --origin-env.", opts.OriginEnv))
	}
	// Parsed as `connstr polyscale --origin-env` parses it, with its hints.
	origin, err := (&pscmd.OriginFlags{Env: opts.OriginEnv}).Read(opts.IO, true, opts.Getenv)
	if err != nil {
		return envfile.Entry{}, err
	}
	// An edge string in the origin's place (a `cachelink run` inside
	// another) has no database behind it to rewrite.
	if pscmd.OnEdge(origin.Host, edge) {
		return envfile.Entry{}, clierr.Usagef("the origin in %s already goes through the PolyScale edge (%s), not to a database", opts.OriginEnv, origin.Host).
			WithHint("Put the database's own connection string in " + opts.OriginEnv + ", or name another variable with --origin-env.")
	}
	cacheID := strings.ToLower(opts.Cache)
	if !polyscale.IsID(opts.Cache) {
		client, err := opts.PolyScale()
		if err != nil {
			return envfile.Entry{}, err
		}
		cache, err := client.FindCache(ctx, opts.Cache)
		if err != nil {
			return envfile.Entry{}, err
		}
		cacheID = cache.ID
		if cache.Database != string(origin.Type) {
			opts.IO.Warnf("the cache %s is for a %s database, but the origin is %s", cache.Name, cache.Database, origin.Type)
		}
	}
	out, err := origin.Rewrite(cacheID, edge)
	if err != nil {
		return envfile.Entry{}, clierr.Wrap(clierr.Usage, err)
	}
	return envfile.Entry{Key: opts.EnvName, Value: out}, nil
}

// upstashEntries are the variables `connstr upstash --format env` prints
// for the database ref names.
func upstashEntries(ctx context.Context, opts *Options, ref string) ([]envfile.Entry, error) {
	client, err := opts.Upstash()
	if err != nil {
		return nil, err
	}
	d, err := client.FindDatabase(ctx, ref)
	if err != nil {
		return nil, err
	}
	return []envfile.Entry{
		{Key: "REDIS_URL", Value: upstash.RedisURL(d)},
		{Key: "UPSTASH_REDIS_REST_URL", Value: upstash.RESTURL(d)},
		{Key: "UPSTASH_REDIS_REST_TOKEN", Value: d.RestToken},
	}, nil
}

// withEntries is env with each entry set, replacing any earlier value.
func withEntries(env []string, entries []envfile.Entry) []string {
	set := map[string]bool{}
	for _, e := range entries {
		set[e.Key] = true
	}
	out := make([]string, 0, len(env)+len(entries))
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if !set[k] {
			out = append(out, kv)
		}
	}
	for _, e := range entries {
		out = append(out, e.Key+"="+e.Value)
	}
	return out
}

// ExitError is how a run ends when COMMAND ran: cachelink exits with
// Code, COMMAND's status (128+N for signal N), and prints nothing more;
// internal/app recognises it by its ExitStatus method.
type ExitError struct{ Code int }

func (e *ExitError) Error() string   { return fmt.Sprintf("the command exited with status %d", e.Code) }
func (e *ExitError) ExitStatus() int { return e.Code }

// forwarded are the signals passed on to COMMAND.
var forwarded = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}

// StartAndWait starts c, forwards SIGINT, SIGTERM and SIGHUP to it while
// it runs, and returns an *ExitError with its status. The context does not
// end COMMAND: the signals that cancel it reach COMMAND, which decides.
func StartAndWait(_ context.Context, c *Child) error {
	cmd := exec.Command(c.Args[0], c.Args[1:]...)
	cmd.Env = c.Env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = c.IO.In, c.IO.Out, c.IO.ErrOut
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, forwarded...)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		code := 126
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
			code = 127
		}
		fmt.Fprintf(c.IO.ErrOut, "Error: cannot start %s: %v\n", c.Args[0], unwrapExec(err))
		fmt.Fprintln(c.IO.ErrOut, "Check the command's name and your PATH.")
		return &ExitError{Code: code}
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sigs:
				_ = cmd.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	return &ExitError{Code: exitStatus(cmd.ProcessState, err)}
}

// unwrapExec drops exec's "exec: \"name\": " prefix, which repeats the name.
func unwrapExec(err error) error {
	var ee *exec.Error
	if errors.As(err, &ee) {
		return ee.Err
	}
	return err
}

// exitStatus is the shell's $? for a finished process: its exit code, or
// 128+N when signal N ended it.
func exitStatus(ps *os.ProcessState, err error) int {
	if ps == nil {
		if err != nil {
			return 1
		}
		return 0
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}
