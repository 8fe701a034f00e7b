package sandboxcmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/sandbox"
)

// demoOrigin is the sample application database the demo caches.
const demoOrigin = "postgres://app:s3cret@db.example.com:5432/shop?sslmode=verify-full"

func newCmdDemo(stdout, stderr io.Writer) *cobra.Command {
	var cachelinkPath string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run cachelink's main job end to end against an in-process sandbox",
		Long: `Start a sandbox with auto-approve, then drive the real cachelink binary through
the main job: connect both providers (the browser is this program's 'browse'
command, plugged in through BROWSER like any user's browser), create a PolyScale
cache for a sample Postgres origin, an Upstash database and an Upstash Vector
index, and print their connection strings (the index's two variables) on stdout. Nothing touches your keychain or your config:
the demo uses a temporary config directory and file credential store.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return demo(cmd.Context(), cachelinkPath, stdout, stderr)
		},
	}
	cmd.Flags().StringVar(&cachelinkPath, "cachelink", "", "cachelink binary to drive (default: build it from this checkout, else PATH)")

	browse := &cobra.Command{
		Use:    "browse <url>",
		Short:  "Act as a browser that approves: follow the redirects of an authorize URL",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return browseURL(cmd.Context(), args[0])
		},
	}
	cmd.AddCommand(browse)
	return cmd
}

// browseURL follows the redirects of an authorize URL as a browser would,
// ending on cachelink's loopback callback.
func browseURL(ctx context.Context, u string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 400 {
		return fmt.Errorf("the login page answered %s", resp.Status)
	}
	return nil
}

type demoRun struct {
	bin    string
	env    []string
	stderr io.Writer
}

// step runs cachelink with args, shows what it printed, and returns its
// stdout.
func (d *demoRun) step(ctx context.Context, title string, args ...string) (string, error) {
	fmt.Fprintf(d.stderr, "\n→ %s\n  $ cachelink %s\n", title, strings.Join(args, " "))
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, d.bin, args...)
	cmd.Env = d.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err := cmd.Run()
	if stderr.Len() > 0 {
		fmt.Fprint(d.stderr, indent(stderr.String()))
	}
	if err != nil {
		return "", fmt.Errorf("cachelink %s: %w", args[0], err)
	}
	if stdout.Len() > 0 {
		// What a script would capture, shown to the person watching.
		fmt.Fprint(d.stderr, indent(stdout.String()))
	}
	return strings.TrimSpace(stdout.String()), nil
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return "  " + strings.Join(lines, "\n  ") + "\n"
}

func demo(ctx context.Context, cachelinkPath string, stdout, stderr io.Writer) error {
	tmp, err := os.MkdirTemp("", "cachelink-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	bin, err := findCachelink(ctx, cachelinkPath, tmp, stderr)
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}

	// The login's loopback port: a free one, registered with both clients,
	// so that a dev server on port 3000 does not stop the demo.
	port, err := freeLoopbackPort()
	if err != nil {
		return err
	}
	clients := sandbox.DefaultClients()
	for i := range clients {
		u := "http://localhost:" + port
		if clients[i].Provider == "polyscale" {
			u += "/callback"
		}
		clients[i].RedirectURIs = []string{u}
	}
	sb, err := sandbox.New(sandbox.Options{AutoApprove: true, Clients: clients})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	srvCtx, stopServer := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- serveUntilDone(srvCtx, ln, sb.Handler()) }()
	defer func() { stopServer(); <-served }()
	fmt.Fprintf(stderr, "Sandbox serving PolyScale and Upstash at %s (auto-approve)\n", base)

	env := os.Environ()
	for _, e := range sb.Env(base, "") {
		env = append(env, e.Name+"="+e.Value)
	}
	for _, e := range isolation(filepath.Join(tmp, "config")) {
		env = append(env, e.Name+"="+e.Value)
	}
	env = append(env,
		"BROWSER="+self+" demo browse",
		"DATABASE_URL="+demoOrigin,
		"NO_COLOR=1",
	)
	d := &demoRun{bin: bin, env: env, stderr: stderr}

	if _, err := d.step(ctx, "Connect PolyScale (browser login, PKCE)", "connect", "polyscale"); err != nil {
		return err
	}
	if _, err := d.step(ctx, "Connect Upstash (browser login, then a Developer API key)", "connect", "upstash"); err != nil {
		return err
	}
	pgURL, err := d.step(ctx, "Create a PolyScale cache for the sample Postgres origin",
		"create", "polyscale", "--name", "demo-shop", "--origin-env", "DATABASE_URL", "--skip-dns-check")
	if err != nil {
		return err
	}
	if _, err := d.step(ctx, "List the caches", "list", "polyscale"); err != nil {
		return err
	}
	if _, err := d.step(ctx, "Print the cache's connection string again, by name", "connstr", "polyscale", "demo-shop", "--origin-env", "DATABASE_URL"); err != nil {
		return err
	}
	redisURL, err := d.step(ctx, "Create an Upstash Redis database", "create", "upstash", "--name", "demo-cache", "--region", "eu-west-1")
	if err != nil {
		return err
	}
	if _, err := d.step(ctx, "Print its REST details for Upstash's SDKs", "connstr", "upstash", "demo-cache", "--format", "env", "--read-only"); err != nil {
		return err
	}
	vectorEnv, err := d.step(ctx, "Create an Upstash Vector index (same login): its two variables",
		"create", "upstash", "--kind", "vector", "--name", "demo-docs", "--region", "eu-west-1", "--dimensions", "384", "--similarity", "cosine")
	if err != nil {
		return err
	}
	if _, err := d.step(ctx, "List everything on Upstash, with its kind", "list", "upstash"); err != nil {
		return err
	}
	if _, err := d.step(ctx, "Who is connected, and how", "status"); err != nil {
		return err
	}

	fmt.Fprintln(stderr, "\nConnection strings:")
	fmt.Fprintf(stdout, "DATABASE_URL=%s\n", pgURL)
	fmt.Fprintf(stdout, "REDIS_URL=%s\n", redisURL)
	fmt.Fprintln(stdout, vectorEnv) // UPSTASH_VECTOR_REST_URL and UPSTASH_VECTOR_REST_TOKEN
	return nil
}

// freeLoopbackPort returns a port free on 127.0.0.1 and, where the machine
// has IPv6, on [::1]: connect binds both.
func freeLoopbackPort() (string, error) {
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", err
		}
		_, port, _ := net.SplitHostPort(l.Addr().String())
		l6, err6 := net.Listen("tcp", "[::1]:"+port)
		l.Close()
		if err6 == nil {
			l6.Close()
			return port, nil
		}
		if !errors.Is(err6, syscall.EADDRINUSE) {
			return port, nil // no IPv6 here
		}
	}
	return "", errors.New("no loopback port is free on both 127.0.0.1 and [::1]")
}

// findCachelink returns the binary to drive: --cachelink, else one built
// from this checkout, else cachelink on PATH.
func findCachelink(ctx context.Context, flag, tmp string, stderr io.Writer) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if _, err := os.Stat("go.mod"); err == nil {
		out := filepath.Join(tmp, "cachelink")
		if runtime.GOOS == "windows" {
			out += ".exe"
		}
		fmt.Fprintln(stderr, "Building cachelink from this checkout...")
		cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "github.com/cachelink/cachelink/cmd/cachelink")
		cmd.Stderr = stderr
		if err := cmd.Run(); err == nil {
			return out, nil
		}
	}
	if p, err := exec.LookPath("cachelink"); err == nil {
		return p, nil
	}
	return "", errors.New("no cachelink binary: run the demo from a checkout of cachelink, pass --cachelink PATH, or install it with go install github.com/cachelink/cachelink/cmd/cachelink@latest")
}
