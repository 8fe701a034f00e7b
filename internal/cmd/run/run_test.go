//go:build unix

package run_test

// `cachelink run` end to end: in-process against the sandbox (the child is
// a real process: env, sh), and the real binary for signals.

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cachelink/cachelink/internal/cmdtest"
	"github.com/cachelink/cachelink/internal/connstr"
)

const (
	cacheID = "11111111-2222-4333-8444-555555555555"
	origin  = "postgres://app:SENTINEL-pw-7f3a@db.example.com:5432/shop?sslmode=verify-full"
)

// edgeOf is what `connstr polyscale cacheID` makes of origin.
func edgeOf(t *testing.T) string {
	t.Helper()
	o, err := connstr.Parse(origin)
	if err != nil {
		t.Fatal(err)
	}
	edge, err := connstr.ParseEdge("psedge.global")
	if err != nil {
		t.Fatal(err)
	}
	s, err := o.Rewrite(cacheID, edge)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// envLines are env(1)'s output as a map.
func envLines(out string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			m[k] = v
		}
	}
	return m
}

func TestRunPolyScaleReplacesDatabaseURL(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	e.Setenv("DATABASE_URL", origin)
	r := e.MustRun(t, "run", "--polyscale", cacheID, "--", "env")
	if r.Stderr != "" {
		t.Errorf("stderr = %q, want nothing", r.Stderr)
	}
	env := envLines(r.Stdout)
	if got, want := env["DATABASE_URL"], edgeOf(t); got != want {
		t.Errorf("the child's DATABASE_URL = %q, want %q", got, want)
	}
	if strings.Contains(r.Stdout, "db.example.com") {
		t.Errorf("the origin reached the child:\n%s", r.Stdout)
	}
	if env["PATH"] != os.Getenv("PATH") {
		t.Errorf("the child's PATH = %q, want the parent's", env["PATH"])
	}

	// --origin-env and --env-name: the origin's variable stays as it is.
	e.Setenv("DATABASE_URL", "")
	e.Setenv("ORIGIN_URL", origin)
	r = e.MustRun(t, "run", "--polyscale", cacheID, "--origin-env", "ORIGIN_URL", "--env-name", "CACHED_URL", "--", "env")
	if got := envLines(r.Stdout)["CACHED_URL"]; got != edgeOf(t) {
		t.Errorf("CACHED_URL = %q, want %q", got, edgeOf(t))
	}
}

func TestRunPolyScaleByName(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	e.Setenv("DATABASE_URL", origin)
	e.Setenv("POLYSCALE_API_KEY", "")
	// A name costs a request, and so credentials: there are none.
	r := e.ExpectExit(t, 4, "run", "--polyscale", "shop", "--", "sh", "-c", "echo started")
	if strings.Contains(r.Stderr, "SENTINEL") {
		t.Errorf("the password reached stderr:\n%s", r.Stderr)
	}
}

func TestRunUpstashSetsTheThreeVariables(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewUpstashCI(t, cmdtest.Options{})
	e.MustRun(t, "create", "upstash", "--name", "cache", "--region", "eu-west-1")
	dbs := e.Sandbox.Store.State().Databases
	d := dbs[len(dbs)-1]
	for _, ref := range []string{"cache", d.DatabaseID} {
		r := e.MustRun(t, "run", "--upstash", ref, "--", "env")
		cmdtest.CheckNoSecrets(t, r, e.UpstashDatabaseSecrets())
		env := envLines(r.Stdout)
		want := map[string]string{
			"REDIS_URL":                "rediss://default:" + d.Password + "@" + d.Endpoint + ":6379",
			"UPSTASH_REDIS_REST_URL":   "https://" + d.Endpoint,
			"UPSTASH_REDIS_REST_TOKEN": d.RestToken,
		}
		for k, v := range want {
			if env[k] != v {
				t.Errorf("%s: the child's %s = %q, want %q", ref, k, env[k], v)
			}
		}
	}
	// Not found: exit 3 as for connstr, and the command never starts.
	e.ExpectExit(t, 3, "run", "--upstash", "nope", "--", "sh", "-c", "echo started")
	// Two databases would set the same variables.
	e.ExpectExit(t, 2, "run", "--upstash", "cache", "--upstash", "cache", "--", "true")
}

func TestRunExitStatusPassesThrough(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	e.Setenv("DATABASE_URL", origin)
	for _, tt := range []struct {
		script string
		code   int
	}{
		{"exit 0", 0},
		{"exit 7", 7},
		{"echo out; echo err >&2; exit 1", 1},
		{"kill -KILL $$", 128 + int(syscall.SIGKILL)},
	} {
		r := e.Run("run", "--polyscale", cacheID, "--", "sh", "-c", tt.script)
		if r.Code != tt.code {
			t.Errorf("%q: exit %d, want %d\nstderr: %s", tt.script, r.Code, tt.code, r.Stderr)
		}
		if tt.code == 1 && (r.Stdout != "out\n" || r.Stderr != "err\n") {
			t.Errorf("%q: stdout %q, stderr %q: want the command's own output only", tt.script, r.Stdout, r.Stderr)
		}
		if tt.code != 1 && (r.Stdout != "" || r.Stderr != "") {
			t.Errorf("%q: stdout %q, stderr %q: want nothing", tt.script, r.Stdout, r.Stderr)
		}
	}
}

func TestRunErrorsBeforeTheCommandStarts(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	started := []string{"--", "sh", "-c", "echo started"}
	// DATABASE_URL unset, unparsable, a bad --env-name; nothing to add.
	e.ExpectExit(t, 2, append([]string{"run", "--polyscale", cacheID}, started...)...)
	e.Setenv("DATABASE_URL", "postgres://app:pw@db.example.com:99999/shop")
	e.ExpectExit(t, 2, append([]string{"run", "--polyscale", cacheID}, started...)...)
	e.Setenv("DATABASE_URL", origin)
	e.ExpectExit(t, 2, append([]string{"run", "--polyscale", cacheID, "--env-name", "1BAD"}, started...)...)
	// An edge string where the origin should be: a run inside a run.
	e.Setenv("DATABASE_URL", edgeOf(t))
	e.ExpectExit(t, 2, append([]string{"run", "--polyscale", cacheID}, started...)...)
	e.Setenv("DATABASE_URL", origin)
	e.ExpectExit(t, 2, append([]string{"run"}, started...)...)
	e.ExpectExit(t, 2, "run", "--polyscale", cacheID)

	// A command that does not exist: 127, as a shell says.
	r := e.Run("run", "--polyscale", cacheID, "--", "cachelink-no-such-command")
	if r.Code != 127 || r.Stdout != "" || strings.Count(r.Stderr, "Error: ") != 1 {
		t.Errorf("exit %d, stdout %q, stderr %q; want 127 and the error once", r.Code, r.Stdout, r.Stderr)
	}
}

// TestRunForwardsSignals runs the real binary: SIGTERM (and SIGINT,
// SIGHUP) to cachelink reach the command, and cachelink exits with the
// command's status.
func TestRunForwardsSignals(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds cachelink")
	}
	bin := filepath.Join(t.TempDir(), "cachelink")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/cachelink/cachelink/cmd/cachelink").CombinedOutput(); err != nil {
		t.Fatalf("building cachelink: %v\n%s", err, out)
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			trap := map[syscall.Signal]string{syscall.SIGTERM: "TERM", syscall.SIGINT: "INT", syscall.SIGHUP: "HUP"}[sig]
			// sh runs the trap between short foreground sleeps. (A
			// background sleep and `wait` lose a signal that arrives
			// between "echo ready" and the wait itself, which a loaded
			// machine made happen.)
			script := `trap 'exit 9' ` + trap + `; echo ready; while :; do sleep 0.1; done`
			cmd := exec.Command(bin, "run", "--polyscale", cacheID, "--", "sh", "-c", script)
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "CACHELINK_CONFIG_DIR=" + t.TempDir(), "NO_COLOR=1", "DATABASE_URL=" + origin}
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			lines := bufio.NewScanner(stdout)
			if !lines.Scan() || lines.Text() != "ready" {
				t.Fatalf("the command did not start: %q\n%s", lines.Text(), stderr.String())
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			waited := make(chan error, 1)
			go func() {
				for lines.Scan() {
				}
				waited <- cmd.Wait()
			}()
			select {
			case err := <-waited:
				var ee *exec.ExitError
				code := 0
				if errors.As(err, &ee) {
					if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
						t.Fatalf("cachelink was killed by %v instead of forwarding it", ws.Signal())
					}
					code = ee.ExitCode()
				} else if err != nil {
					t.Fatal(err)
				}
				if code != 9 {
					t.Errorf("exit %d, want 9 (the command's); stderr:\n%s", code, stderr.String())
				}
				if stderr.Len() != 0 {
					t.Errorf("stderr = %q, want nothing", stderr.String())
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("cachelink still runs 10 s after %v", sig)
			}
		})
	}
}
