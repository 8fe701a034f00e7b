// Package sandboxcmd is the command line of cachelink-sandbox: `serve` runs
// the emulators of internal/sandbox on loopback and prints the environment
// that points cachelink at them; `demo` runs the whole main job against an
// in-process sandbox with the real cachelink binary.
package sandboxcmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/sandbox"
)

// Main runs cachelink-sandbox with the process's arguments and returns the
// exit code: 0, 1 on failure, 2 on bad usage.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
}

type usageError struct{ error }

// Run executes one command line.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := &cobra.Command{
		Use:           "cachelink-sandbox <command>",
		Short:         "Emulate PolyScale and Upstash on loopback for cachelink",
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newCmdServe(stdout, stderr), newCmdDemo(stdout, stderr))
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "Error: %s\n", err)
	var ue usageError
	if errors.As(err, &ue) || strings.HasPrefix(err.Error(), "unknown command") {
		return 2
	}
	return 1
}

type serveOptions struct {
	addr          string
	autoApprove   bool
	stateFile     string
	configDir     string
	printEnv      bool
	envFile       string
	apiKey        string
	edgeHost      string
	tokenLifetime time.Duration
	rotation      string        // Upstash's refresh rotation: rotate, same or none
	reuse         time.Duration // Upstash's reuse interval
	redirectURIs  []string
	faults        []string
	redis         sandbox.RedisSettings
}

func newCmdServe(stdout, stderr io.Writer) *cobra.Command {
	o := &serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve both providers on loopback until interrupted",
		Long: `Serve PolyScale's and Upstash's OAuth servers and APIs on one loopback address.

On start it prints, on stdout, the export lines that point cachelink at it.
They include a configuration directory of the sandbox's own
(CACHELINK_CONFIG_DIR) and the file credential store
(CACHELINK_TOKEN_STORE=file), so that logins to the sandbox never touch the
system keychain or replace a real login. The directory is --config-dir, else
one next to the --state file, else a new temporary directory named on stderr.

To load them into your shell while it keeps running:

  cachelink-sandbox serve --auto-approve --env-file sandbox.env &
  until [ -s sandbox.env ]; do sleep 0.1; done; . ./sandbox.env

or, with a fixed port, print them without serving:

  eval "$(cachelink-sandbox serve --addr 127.0.0.1:8085 --print-env)"
  cachelink-sandbox serve --addr 127.0.0.1:8085 &`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return serve(cmd.Context(), o, stdout, stderr)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", "127.0.0.1:0", "Loopback address to listen on (port 0 picks a free one)")
	f.BoolVar(&o.autoApprove, "auto-approve", false, "Skip the consent pages and approve every authorization")
	f.StringVar(&o.stateFile, "state", "", "Keep caches, databases and API keys in this JSON file across restarts")
	f.StringVar(&o.configDir, "config-dir", "", "cachelink configuration directory to export (default: FILE-cachelink next to --state FILE, else a new temporary directory)")
	f.BoolVar(&o.printEnv, "print-env", false, "Print the export lines for --addr (a fixed port) and exit")
	f.StringVar(&o.envFile, "env-file", "", "Also write the export lines to this file once listening")
	f.StringVar(&o.apiKey, "polyscale-api-key", "", "Accept this static PolyScale API key (CI mode) and export POLYSCALE_API_KEY")
	f.StringVar(&o.edgeHost, "edge-host", "", "PolyScale edge host to export (default: cachelink's own default)")
	f.DurationVar(&o.tokenLifetime, "token-lifetime", 0, "Access-token lifetime of both providers (default: PolyScale 1h, Upstash 48h as Auth0's 172800 s)")
	f.StringVar(&o.rotation, "upstash-refresh-rotation", "rotate", "Upstash refresh tokens: rotate (a new one each refresh, reuse detection), same (rotation off: the same one comes back) or none (rotation off: none comes back, the old one stays valid)")
	f.DurationVar(&o.reuse, "upstash-reuse-interval", 0, "With rotation, how long a rotated-out Upstash refresh token is still accepted (Auth0's reuse interval)")
	f.StringArrayVar(&o.redirectURIs, "redirect-uri", nil, "Register another redirect URI, as provider=URI (repeatable)")
	f.StringArrayVar(&o.faults, "fault", nil, `Inject a fault from the start, as JSON, e.g. '{"kind":"error","count":2,"status":503}' (repeatable; see docs/sandbox.md)`)
	f.StringVar(&o.redis.Endpoint, "redis-endpoint", "", "Endpoint given to new Upstash databases (default: a fake *.upstash.io name)")
	f.IntVar(&o.redis.Port, "redis-port", 0, "Port given to new Upstash databases (default 6379)")
	f.StringVar(&o.redis.Password, "redis-password", "", "Password given to new Upstash databases (default: random)")
	f.Float64Var(&o.redis.SlugEndpoints, "slug-endpoints", 0.5, "Share (0 to 1) of new Upstash databases whose endpoint is a bare slug such as beloved-stallion-58500, as Upstash returns for some (every 1/share-th one; without --redis-endpoint)")
	return cmd
}

func (o *serveOptions) sandboxOptions() (sandbox.Options, error) {
	rotation, err := sandbox.ParseRefreshRotation(o.rotation)
	if err != nil {
		return sandbox.Options{}, usageError{fmt.Errorf("--upstash-refresh-rotation: %v", err)}
	}
	if o.reuse < 0 || (o.reuse > 0 && rotation != sandbox.RotateRefreshTokens) {
		return sandbox.Options{}, usageError{fmt.Errorf("--upstash-reuse-interval %s: want a positive duration, with --upstash-refresh-rotation rotate", o.reuse)}
	}
	if o.tokenLifetime < 0 {
		return sandbox.Options{}, usageError{fmt.Errorf("--token-lifetime %s: want a positive duration", o.tokenLifetime)}
	}
	if s := o.redis.SlugEndpoints; !(s >= 0 && s <= 1) {
		return sandbox.Options{}, usageError{fmt.Errorf("--slug-endpoints %v: want a share from 0 to 1", s)}
	}
	clients := sandbox.DefaultClients()
	for _, spec := range o.redirectURIs {
		provider, uri, ok := strings.Cut(spec, "=")
		if !ok || uri == "" {
			return sandbox.Options{}, usageError{fmt.Errorf("--redirect-uri %q: want provider=URI", spec)}
		}
		found := false
		for i := range clients {
			if clients[i].Provider == provider {
				clients[i].RedirectURIs = append(clients[i].RedirectURIs, uri)
				found = true
			}
		}
		if !found {
			return sandbox.Options{}, usageError{fmt.Errorf("--redirect-uri %q: unknown provider %q", spec, provider)}
		}
	}
	return sandbox.Options{
		Clients:             clients,
		AutoApprove:         o.autoApprove,
		AccessTokenLifetime: o.tokenLifetime,
		UpstashRefresh:      sandbox.RefreshPolicy{Rotation: rotation, ReuseInterval: o.reuse},
		PolyScaleAPIKey:     o.apiKey,
		Redis:               o.redis,
		StateFile:           o.stateFile,
	}, nil
}

func serve(ctx context.Context, o *serveOptions, stdout, stderr io.Writer) error {
	if err := checkLoopback(o.addr); err != nil {
		return usageError{err}
	}
	opts, err := o.sandboxOptions()
	if err != nil {
		return err
	}
	sb, err := sandbox.New(opts)
	if err != nil {
		return err
	}
	for _, spec := range o.faults {
		var rule sandbox.FaultRule
		if err := json.Unmarshal([]byte(spec), &rule); err != nil {
			return usageError{fmt.Errorf("--fault %s: not a fault rule in JSON: %v", spec, err)}
		}
		if err := sb.Faults.Add(rule); err != nil {
			return usageError{fmt.Errorf("--fault %s: %v", spec, err)}
		}
	}
	if o.printEnv {
		_, port, _ := net.SplitHostPort(o.addr)
		if port == "0" {
			return usageError{errors.New("--print-env needs a fixed port in --addr, such as 127.0.0.1:8085")}
		}
		dir, err := o.cachelinkDir(stderr)
		if err != nil {
			return err
		}
		_, err = io.WriteString(stdout, exportLines(append(sb.Env("http://"+o.addr, o.edgeHost), isolation(dir)...)))
		return err
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", o.addr, err)
	}
	dir, err := o.cachelinkDir(stderr)
	if err != nil {
		ln.Close()
		return err
	}
	base := "http://" + ln.Addr().String()
	exports := exportLines(append(sb.Env(base, o.edgeHost), isolation(dir)...))
	if _, err := io.WriteString(stdout, exports); err != nil {
		ln.Close()
		return err
	}
	if o.envFile != "" {
		if err := writeFileAtomic(o.envFile, exports); err != nil {
			ln.Close()
			return err
		}
	}
	fmt.Fprintf(stderr, "cachelink-sandbox: serving PolyScale and Upstash at %s (Ctrl-C to stop)\n", base)
	return serveUntilDone(ctx, ln, sb.Handler())
}

// serveUntilDone serves on ln until ctx ends, then shuts down gracefully.
func serveUntilDone(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}

// isolation is the environment that keeps cachelink's logins to the
// sandbox apart from real ones: a configuration directory of the sandbox's
// own and the file credential store, never the system keychain, where a
// sandbox login would replace the real login of the same provider and
// profile. The demo runs cachelink with the same two variables.
func isolation(dir string) []sandbox.EnvVar {
	return []sandbox.EnvVar{
		{Name: "CACHELINK_CONFIG_DIR", Value: dir},
		{Name: "CACHELINK_TOKEN_STORE", Value: "file"},
	}
}

// cachelinkDir returns the configuration directory cachelink uses against
// this sandbox, as an absolute path, and makes sure it exists (0700):
// --config-dir, else "<state without extension>-cachelink" next to the
// --state file (logins then last as long as the state), else a new
// temporary directory. It refuses cachelink's own default directory.
func (o *serveOptions) cachelinkDir(stderr io.Writer) (string, error) {
	dir := o.configDir
	switch {
	case dir != "":
	case o.stateFile != "":
		dir = strings.TrimSuffix(o.stateFile, filepath.Ext(o.stateFile)) + "-cachelink"
	default:
		tmp, err := os.MkdirTemp("", "cachelink-sandbox-")
		if err != nil {
			return "", fmt.Errorf("creating a configuration directory for cachelink: %w", err)
		}
		fmt.Fprintf(stderr, "cachelink-sandbox: cachelink's configuration and logins for this sandbox go to %s (file store; your keychain is not used)\n", tmp)
		return tmp, nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if base, err := os.UserConfigDir(); err == nil && filepath.Clean(abs) == filepath.Join(base, "cachelink") {
		return "", usageError{fmt.Errorf("--config-dir %s is cachelink's own configuration directory; the sandbox needs one of its own", dir)}
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return "", fmt.Errorf("creating cachelink's configuration directory for the sandbox: %w", err)
	}
	fmt.Fprintf(stderr, "cachelink-sandbox: cachelink's configuration and logins for this sandbox go to %s (file store; your keychain is not used)\n", abs)
	return abs, nil
}

func exportLines(env []sandbox.EnvVar) string {
	var b strings.Builder
	for _, e := range env {
		fmt.Fprintf(&b, "export %s=%s\n", e.Name, sandbox.ShellQuote(e.Value))
	}
	return b.String()
}

// checkLoopback refuses any address but loopback: the sandbox hands out
// tokens and is never meant to be reachable from another machine.
func checkLoopback(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr %q: %v", addr, err)
	}
	if port == "" {
		return fmt.Errorf("--addr %q: no port", addr)
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--addr %q: %w", addr, sandbox.ErrNotLoopback)
	}
	return nil
}

func writeFileAtomic(path, content string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".sandbox-env-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(content); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
