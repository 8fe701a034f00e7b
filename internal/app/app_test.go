package app_test

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cachelink/cachelink/internal/app"
	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/golden"
	"github.com/cachelink/cachelink/internal/iostreams"
)

const (
	cacheID = "11111111-2222-4333-8444-555555555555"
	// sentinel is a password that must never reach stderr.
	sentinel = "SENTINEL-pw-7f3a"
)

// run executes one command line in-process against a fresh command tree.
type run struct {
	args      []string
	env       map[string]string
	stdin     string
	stdoutTTY bool
	stderrTTY bool
}

type result struct {
	code           int
	stdout, stderr string
}

func (r run) exec(t *testing.T) result {
	t.Helper()
	env := map[string]string{"CACHELINK_CONFIG_DIR": t.TempDir(), "TERM": "xterm"}
	for _, k := range []string{"CACHELINK_POLYSCALE_EDGE_HOST", "CACHELINK_POLYSCALE_CLIENT_ID", "POLYSCALE_API_KEY", "UPSTASH_EMAIL", "UPSTASH_API_KEY", "CACHELINK_TOKEN_STORE", "CACHELINK_NO_INPUT", "CACHELINK_PROFILE", "NO_COLOR", "DATABASE_URL"} {
		env[k] = ""
	}
	maps.Copy(env, r.env)
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(r.stdin)
	ios.SetColorEnv(getenv(env))
	ios.SetStdoutTTY(r.stdoutTTY)
	ios.SetStderrTTY(r.stderrTTY)
	code := app.RunWith(context.Background(), ios, r.args, withEnv(env))
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

// getenv reads env, a run's own environment ("" is unset), and the
// process's for the variables env does not hold (PATH, HOME): the tests
// never change the process's environment, so they can run in parallel.
func getenv(env map[string]string) func(string) string {
	return func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		return os.Getenv(k)
	}
}

// withEnv makes the factory read env (see getenv).
func withEnv(env map[string]string) func(*cmdutil.Factory) {
	return func(f *cmdutil.Factory) { f.Getenv = getenv(env) }
}

// TestGolden runs command lines end to end and compares stdout and stderr,
// separately, with testdata/app/<name>.stdout and .stderr.
func TestGolden(t *testing.T) {
	t.Parallel()
	pgURL := "postgres://app:" + sentinel + "@db.example.com:5432/shop?sslmode=verify-full"
	tests := []struct {
		name string
		run  run
		code int
	}{
		{"connstr-postgres-env", run{args: []string{"connstr", "polyscale", cacheID, "--origin-env", "DATABASE_URL"}, env: map[string]string{"DATABASE_URL": pgURL}}, 0},
		{"connstr-postgres-argv-warns", run{args: []string{"connstr", "polyscale", cacheID, "--origin", pgURL}}, 0},
		{"connstr-postgres-argv-warns-tty", run{args: []string{"connstr", "polyscale", cacheID, "--origin", pgURL}, stdoutTTY: true, stderrTTY: true}, 0},
		{"connstr-stdin", run{args: []string{"connstr", "polyscale", cacheID, "--origin", "-"}, stdin: "mysql://app:" + sentinel + "@db.example.com/shop\n"}, 0},
		{"connstr-mariadb-dsn-type", run{args: []string{"connstr", "polyscale", cacheID, "--origin-env", "DATABASE_URL", "--type", "mariadb"}, env: map[string]string{"DATABASE_URL": "app:" + sentinel + "@tcp(db.example.com:3306)/shop?parseTime=true"}}, 0},
		{"connstr-format-env", run{args: []string{"connstr", "polyscale", cacheID, "--origin-env", "DATABASE_URL", "--format", "env", "--env-name", "CACHED_URL"}, env: map[string]string{"DATABASE_URL": pgURL}}, 0},
		{"connstr-json-pipe", run{args: []string{"connstr", "polyscale", cacheID, "--origin-env", "DATABASE_URL", "-o", "json"}, env: map[string]string{"DATABASE_URL": pgURL}}, 0},
		{"connstr-json-tty", run{args: []string{"connstr", "polyscale", cacheID, "--origin-env", "DATABASE_URL", "--format", "json"}, env: map[string]string{"DATABASE_URL": pgURL}, stdoutTTY: true}, 0},
		{"connstr-edge-override", run{args: []string{"connstr", "polyscale", cacheID, "--origin-env", "DATABASE_URL"}, env: map[string]string{"DATABASE_URL": pgURL, "CACHELINK_POLYSCALE_EDGE_HOST": "edge.internal:6432"}}, 0},

		{"err-unparsable-origin", run{args: []string{"connstr", "polyscale", cacheID, "--origin-env", "DATABASE_URL"}, env: map[string]string{"DATABASE_URL": "postgres://app:" + sentinel + "@db.example.com:99999/shop"}}, 2},
		{"err-no-origin", run{args: []string{"connstr", "polyscale", cacheID}}, 2},
		{"err-both-origins", run{args: []string{"connstr", "polyscale", cacheID, "--origin", "x", "--origin-env", "Y"}}, 2},
		{"err-origin-env-unset", run{args: []string{"connstr", "polyscale", cacheID, "--origin-env", "DATABASE_URL"}}, 2},
		{"err-empty-stdin", run{args: []string{"connstr", "polyscale", cacheID, "--origin", "-"}}, 2},
		{"err-bad-format", run{args: []string{"connstr", "polyscale", cacheID, "--origin-env", "DATABASE_URL", "--format", "yaml"}, env: map[string]string{"DATABASE_URL": pgURL}}, 2},
		{"err-json-and-env-format", run{args: []string{"connstr", "polyscale", cacheID, "--origin-env", "DATABASE_URL", "--format", "env", "-o", "json"}, env: map[string]string{"DATABASE_URL": pgURL}}, 2},
		{"err-bad-env-name", run{args: []string{"connstr", "polyscale", cacheID, "--origin-env", "DATABASE_URL", "--format", "env", "--env-name", "1BAD"}, env: map[string]string{"DATABASE_URL": pgURL}}, 2},
		// A name needs the API and so credentials; there are none.
		{"err-cache-name-not-connected", run{args: []string{"connstr", "polyscale", "shop-cache", "--origin-env", "DATABASE_URL"},
			env: map[string]string{"DATABASE_URL": pgURL, "CACHELINK_TOKEN_STORE": "file"}}, 4},
		{"err-type-conflict", run{args: []string{"connstr", "polyscale", cacheID, "--origin-env", "DATABASE_URL", "--type", "mysql"}, env: map[string]string{"DATABASE_URL": pgURL}}, 2},
		{"err-bad-edge-host", run{args: []string{"connstr", "polyscale", cacheID, "--origin-env", "DATABASE_URL"}, env: map[string]string{"DATABASE_URL": pgURL, "CACHELINK_POLYSCALE_EDGE_HOST": "edge:notaport"}}, 2},
		{"err-extra-args-not-echoed", run{args: []string{"connstr", "polyscale", cacheID, pgURL}}, 2},
		{"err-missing-cache-id", run{args: []string{"connstr", "polyscale", "--origin-env", "DATABASE_URL"}}, 2},
		{"err-unknown-provider", run{args: []string{"connstr", "heroku", cacheID}}, 2},
		{"err-connstr-no-provider", run{args: []string{"connstr"}}, 2},
		{"err-unknown-command", run{args: []string{"conect", "polyscale"}}, 2},
		{"err-unknown-flag", run{args: []string{"connstr", "polyscale", cacheID, "--orign", "x"}}, 2},
		{"err-bad-output", run{args: []string{"version", "-o", "yaml"}}, 2},
		{"err-bad-profile", run{args: []string{"status", "--profile", "../etc"}}, 2},
		{"err-connect-no-client-id", run{args: []string{"connect", "polyscale"}}, 1},
		{"err-connect-unknown-provider", run{args: []string{"connect", "heroku"}}, 2},
		{"err-create-upstash-no-name", run{args: []string{"create", "upstash"}}, 2},
		{"err-create-upstash-bad-read-region", run{args: []string{"create", "upstash", "--name", "c", "--region", "eu-west-1", "--read-region", "af-south-1"}}, 2},
		{"err-connstr-upstash-not-connected", run{args: []string{"connstr", "upstash", "db"}, env: map[string]string{"CACHELINK_TOKEN_STORE": "file"}}, 4},
		{"err-connstr-upstash-half-env", run{args: []string{"connstr", "upstash", "db"}, env: map[string]string{"UPSTASH_EMAIL": "ci@example.com"}}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := tt.run.exec(t)
			if res.code != tt.code {
				t.Errorf("exit code = %d, want %d\nstderr: %s", res.code, tt.code, res.stderr)
			}
			if strings.Contains(res.stderr, sentinel) {
				t.Errorf("the password reached stderr:\n%s", res.stderr)
			}
			if tt.code != 0 && res.stdout != "" {
				t.Errorf("a failing command wrote to stdout: %q", res.stdout)
			}
			if tt.code != 0 && strings.Count(res.stderr, "Error: ") != 1 {
				t.Errorf("the error must be printed exactly once:\n%s", res.stderr)
			}
			golden.Assert(t, "app/"+tt.name+".stdout", []byte(res.stdout))
			golden.Assert(t, "app/"+tt.name+".stderr", []byte(res.stderr))
		})
	}
}

func TestConnstrCapturesExactlyOneLine(t *testing.T) {
	t.Parallel()
	res := run{
		args: []string{"connstr", "polyscale", cacheID, "--origin-env", "DATABASE_URL"},
		env:  map[string]string{"DATABASE_URL": "postgresql://app:p%40ss%2Fw%3Ard@[2001:db8::1]:5432/shop"},
	}.exec(t)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	if strings.Count(res.stdout, "\n") != 1 || !strings.HasSuffix(res.stdout, "\n") {
		t.Fatalf("stdout must be exactly one line, got %q", res.stdout)
	}
	if res.stderr != "" {
		t.Fatalf("nothing should reach stderr on success without warnings, got %q", res.stderr)
	}
	want := "postgresql://app:p%40ss%2Fw%3Ard@psedge.global:5432/shop?sslmode=require&application_name=" + cacheID + "\n"
	if res.stdout != want {
		t.Fatalf("stdout = %q\nwant     %q", res.stdout, want)
	}
}

func TestWriteEnvMergesIntoFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, ".env")
	if err := os.WriteFile(path, []byte("# app settings\nPORT=8080\nDATABASE_URL=postgres://old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res := run{
		args: []string{"connstr", "polyscale", cacheID, "--origin-env", "ORIGIN", "--write-env", path},
		env:  map[string]string{"ORIGIN": "postgres://app:" + sentinel + "@db.example.com/shop"},
	}.exec(t)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	if res.stdout != "" {
		t.Errorf("--write-env must not print the value, stdout = %q", res.stdout)
	}
	b, _ := os.ReadFile(path)
	want := "# app settings\nPORT=8080\nDATABASE_URL='postgres://app:" + sentinel + "@psedge.global:5432/shop?sslmode=require&application_name=" + cacheID + "'\n"
	if string(b) != want {
		t.Errorf(".env = %q\nwant   %q", b, want)
	}
	info, _ := os.Stat(path)
	if info.Mode().Perm() != 0o600 {
		t.Errorf(".env mode = %04o, want 0600", info.Mode().Perm())
	}
	if !strings.Contains(res.stderr, "Updated DATABASE_URL in "+path) {
		t.Errorf("stderr should confirm the write, got %q", res.stderr)
	}
}

func TestWriteEnvRefusesSymlink(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	target := filepath.Join(dir, "elsewhere")
	if err := os.WriteFile(target, []byte("KEEP=1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, ".env")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	res := run{
		args: []string{"connstr", "polyscale", cacheID, "--origin-env", "ORIGIN", "--write-env", link},
		env:  map[string]string{"ORIGIN": "postgres://app:pw@db.example.com/shop"},
	}.exec(t)
	if res.code != 2 {
		t.Fatalf("exit %d, want 2: %s", res.code, res.stderr)
	}
	if b, _ := os.ReadFile(target); string(b) != "KEEP=1\n" {
		t.Fatalf("the symlink's target was changed: %q", b)
	}
	// What happened, then what to do, each on its own line.
	if lines := strings.Split(strings.TrimSuffix(res.stderr, "\n"), "\n"); len(lines) != 2 ||
		strings.Contains(lines[0], "instead") || lines[1] != "Pass the path of the real file instead." {
		t.Errorf("stderr:\n%s", res.stderr)
	}
}

func TestWriteEnvIntoAMissingDirectorySaysWhatToDo(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "nodir", ".env")
	res := run{
		args: []string{"connstr", "polyscale", cacheID, "--origin-env", "ORIGIN", "--write-env", path},
		env:  map[string]string{"ORIGIN": "postgres://app:pw@db.example.com/shop"},
	}.exec(t)
	lines := strings.Split(strings.TrimSuffix(res.stderr, "\n"), "\n")
	if res.code != 1 || len(lines) != 2 || !strings.HasSuffix(lines[0], "does not exist") ||
		!strings.HasPrefix(lines[1], "Create the directory ") {
		t.Errorf("exit %d, stderr:\n%s", res.code, res.stderr)
	}
}

func TestConfigFileSetsEdgeHost(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "custom.yaml")
	if err := os.WriteFile(cfg, []byte("polyscale:\n  edge_host: private.edge.example\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	res := run{
		args: []string{"connstr", "polyscale", cacheID, "--origin-env", "DATABASE_URL", "--config", cfg},
		env:  map[string]string{"DATABASE_URL": "sqlserver://sa:pw@db.example.com:1433?database=shop"},
	}.exec(t)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	want := "sqlserver://" + cacheID + "-sa:pw@private.edge.example:1433?database=shop\n"
	if res.stdout != want {
		t.Fatalf("stdout = %q, want %q", res.stdout, want)
	}
}

func TestMissingConfigFileIsUsageError(t *testing.T) {
	t.Parallel()
	res := run{args: []string{"connstr", "polyscale", cacheID, "--origin-env", "X", "--config", "/nonexistent/cachelink.yaml"}}.exec(t)
	if res.code != 2 || !strings.Contains(res.stderr, "does not exist") {
		t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
	}
	// What happened, then what to do, each on its own line.
	want := "Error: config file /nonexistent/cachelink.yaml does not exist\nCreate it, or drop --config.\n"
	if res.stderr != want {
		t.Errorf("stderr = %q, want %q", res.stderr, want)
	}
}

func TestInvalidTokenStoreSaysWhatToDo(t *testing.T) {
	t.Parallel()
	res := run{args: []string{"list", "upstash"}, env: map[string]string{"CACHELINK_TOKEN_STORE": "bogus"}}.exec(t)
	want := "Error: invalid CACHELINK_TOKEN_STORE \"bogus\"\nSet CACHELINK_TOKEN_STORE to auto, keyring or file, or unset it.\n"
	if res.code != 2 || res.stderr != want {
		t.Errorf("exit %d, stderr %q, want 2 and %q", res.code, res.stderr, want)
	}
}

func TestInvalidConfigFileSaysWhatToDo(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte("a: [\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	res := run{args: []string{"connstr", "polyscale", cacheID, "--origin-env", "X", "--config", path}}.exec(t)
	lines := strings.Split(strings.TrimSuffix(res.stderr, "\n"), "\n")
	if res.code != 1 || len(lines) != 2 || !strings.Contains(lines[0], "not valid YAML") || !strings.HasPrefix(lines[1], "Fix the YAML in ") {
		t.Errorf("exit %d, stderr:\n%s", res.code, res.stderr)
	}
}

func TestHelpAndVersionReadNoConfig(t *testing.T) {
	t.Parallel()
	// A config file that would be refused proves --help and version never read it.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte("x: 1\n"), 0o666); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Join(dir, "config.yaml"), 0o666)
	for _, args := range [][]string{{"--help"}, {"connstr", "polyscale", "--help"}, {"version"}, {"completion", "bash"}} {
		res := run{args: args, env: map[string]string{"CACHELINK_CONFIG_DIR": dir}}.exec(t)
		if res.code != 0 {
			t.Errorf("%v: exit %d: %s", args, res.code, res.stderr)
		}
		if res.stdout == "" {
			t.Errorf("%v printed nothing on stdout", args)
		}
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	res := run{args: []string{"version"}}.exec(t)
	if res.code != 0 || !strings.HasPrefix(res.stdout, "cachelink version ") {
		t.Fatalf("exit %d, stdout %q", res.code, res.stdout)
	}
	res = run{args: []string{"version", "-o", "json"}}.exec(t)
	for _, key := range []string{`"version":`, `"commit":`, `"date":`, `"go_version":`, `"platform":`} {
		if !strings.Contains(res.stdout, key) {
			t.Errorf("version -o json lacks %s: %s", key, res.stdout)
		}
	}
}

func TestInterruptedRunExits130(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ios, in, _, errOut := iostreams.Test()
	in.WriteString("")
	env := map[string]string{"CACHELINK_CONFIG_DIR": t.TempDir(), "DATABASE_URL": "postgres://a:b@h/db"}
	// The command itself does not block, so cancellation is observed after it.
	code := app.RunWith(ctx, ios, []string{"connstr", "polyscale", cacheID}, withEnv(env))
	if code != app.ExitInterrupted {
		t.Fatalf("exit %d, want 130; stderr %q", code, errOut.String())
	}
}
