package readmetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const (
	readmePath = "../../README.md"
	tourBegin  = "<!-- tour:begin -->"
	tourEnd    = "<!-- tour:end -->"
	// tourTimeout bounds the whole tour (it takes a few seconds).
	tourTimeout = 3 * time.Minute
	// loginPort is where cachelink's default redirect URIs point: the tour
	// logs in with the defaults, so connect listens there.
	loginPort = "3000"
)

// tourSteps extracts the tour's commands from the README: the ```sh blocks
// between the tour markers, one step per command line (a line ending in a
// backslash goes on with the next), comments and blank lines dropped.
func tourSteps(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	_, after, ok := strings.Cut(readme, tourBegin)
	if !ok {
		t.Fatalf("README.md has no %s marker", tourBegin)
	}
	tour, _, ok := strings.Cut(after, tourEnd)
	if !ok {
		t.Fatalf("README.md has no %s marker after %s", tourEnd, tourBegin)
	}
	if strings.Count(readme, tourBegin) != 1 || strings.Count(readme, tourEnd) != 1 {
		t.Fatal("README.md must have one tour, between one pair of markers")
	}
	var steps []string
	inBlock, cont := false, ""
	for _, line := range strings.Split(tour, "\n") {
		switch {
		case !inBlock && line == "```sh":
			inBlock = true
			continue
		case inBlock && line == "```":
			inBlock = false
			continue
		case !inBlock:
			if strings.TrimSpace(line) != "" {
				t.Fatalf("README.md: text between the tour markers outside a ```sh block: %q", line)
			}
			continue
		}
		trimmed := strings.TrimSpace(line)
		if cont == "" && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if strings.HasSuffix(line, `\`) {
			cont += line + "\n"
			continue
		}
		steps = append(steps, cont+line)
		cont = ""
	}
	if inBlock || cont != "" {
		t.Fatal("README.md: the tour's last ```sh block or command is not closed")
	}
	if len(steps) == 0 {
		t.Fatal("README.md: the tour has no command")
	}
	return steps
}

// tourScript is the steps as one bash script that marks where each step's
// output begins (on stdout and stderr) and, when a step fails, which one.
func tourScript(steps []string) string {
	var b strings.Builder
	b.WriteString("set -eo pipefail\n")
	b.WriteString(`trap 's=$?; printf '"'"'\n@@failed %s %s\n'"'"' "$__tour_step" "$s" >&2' ERR` + "\n")
	for i, s := range steps {
		fmt.Fprintf(&b, "__tour_step=%d\nprintf '\\n@@step %d\\n'; printf '\\n@@step %d\\n' >&2\n%s\n", i, i, i, s)
	}
	b.WriteString("printf '\\n@@done\\n'\n")
	return b.String()
}

// splitSteps cuts an output into the parts each step printed, without the
// newlines the markers add and the output's own last newline.
func splitSteps(out string, n int) []string {
	parts := make([]string, n)
	re := regexp.MustCompile(`(?m)^@@(?:step (\d+)|done)$`)
	locs := re.FindAllStringSubmatchIndex(out, -1)
	for j, loc := range locs {
		if loc[2] < 0 || j+1 == len(locs) {
			continue // @@done, or the last step's part when the tour ended early
		}
		i, _ := strconv.Atoi(out[loc[2]:loc[3]])
		part := strings.TrimPrefix(out[loc[1]:locs[j+1][0]], "\n")
		part = strings.TrimSuffix(strings.TrimSuffix(part, "\n"), "\n")
		if i < n {
			parts[i] = part
		}
	}
	return parts
}

// buildBinaries builds cachelink and cachelink-sandbox into a new
// directory, the one the tour finds on PATH.
func buildBinaries(t *testing.T) string {
	t.Helper()
	bin := t.TempDir()
	cmd := exec.Command("go", "build", "-o", bin+string(filepath.Separator),
		"github.com/cachelink/cachelink/cmd/cachelink", "github.com/cachelink/cachelink/cmd/cachelink-sandbox")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// loginPortFree reports whether connect can listen on the login port of
// the defaults (localhost:3000, IPv4 and IPv6 where there is IPv6).
func loginPortFree() error {
	l, err := net.Listen("tcp", "127.0.0.1:"+loginPort)
	if err != nil {
		return err
	}
	defer l.Close()
	if l6, err := net.Listen("tcp", "[::1]:"+loginPort); err == nil {
		l6.Close()
	} else if errors.Is(err, syscall.EADDRINUSE) {
		return err
	}
	return nil
}

// step is what one step of the tour printed.
type step struct {
	cmd            string
	stdout, stderr string
}

// expectation checks the step whose command starts with prefix; every
// expectation must find its step, so a command that leaves the tour, or
// changes, brings the test here.
type expectation struct {
	prefix string
	check  func(t *testing.T, s step, tour *tourRun)
}

// tourRun holds what the steps established, for later ones to check.
type tourRun struct {
	cacheID   string
	cachedURL string
	dir       string
}

var (
	uuidPattern = `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`
	cachedURLRE = regexp.MustCompile(`^postgres://app:s3cret@psedge\.global:5432/shop\?sslmode=verify-full&application_name=(` + uuidPattern + `)$`)
)

func quiet(t *testing.T, s step, _ *tourRun) {
	t.Helper()
	if s.stdout != "" {
		t.Errorf("%s: printed on stdout %q, want nothing", s.cmd, s.stdout)
	}
}

func stdoutHas(words ...string) func(t *testing.T, s step, tour *tourRun) {
	return func(t *testing.T, s step, tour *tourRun) {
		t.Helper()
		for _, w := range words {
			if w == "$CACHE_ID" {
				w = tour.cacheID
			}
			if !strings.Contains(s.stdout, w) {
				t.Errorf("%s: stdout lacks %q:\n%s", s.cmd, w, s.stdout)
			}
		}
	}
}

func isCachedURL(t *testing.T, s step, tour *tourRun) {
	t.Helper()
	if s.stdout != tour.cachedURL {
		t.Errorf("%s: stdout %q, want the cache's connection string %q", s.cmd, s.stdout, tour.cachedURL)
	}
}

var expectations = []expectation{
	{"cachelink-sandbox serve ", quiet},
	{"cachelink connect polyscale", quiet}, // status shows the login
	{"cachelink connect upstash", quiet},
	{"cachelink status", stdoutHas("PolyScale", "Upstash", "dev@sandbox.cachelink.test", "caches:write")},
	{"TOKEN=$(cachelink token polyscale)", quiet},
	{"CACHED_URL=$(cachelink create polyscale ", quiet},
	{`echo "$CACHED_URL"`, func(t *testing.T, s step, tour *tourRun) {
		m := cachedURLRE.FindStringSubmatch(s.stdout)
		if m == nil {
			t.Fatalf("%s: printed %q, want a connection string through psedge.global with the cache id", s.cmd, s.stdout)
		}
		tour.cachedURL, tour.cacheID = m[0], m[1]
	}},
	{"cachelink list polyscale", stdoutHas("$CACHE_ID", "shop", "postgres")},
	{"cachelink get polyscale shop", stdoutHas("$CACHE_ID", "shop", "psedge.global")},
	{"cachelink rules set shop --table orders --ttl 30s", quiet}, // rules list shows it
	{"cachelink rules list shop", stdoutHas("TABLE", "orders", "30")},
	{"cachelink purge shop", quiet},
	{"cachelink connstr polyscale shop --origin-env DATABASE_URL\n", isCachedURL},
	{`printf '%s\n' "$DATABASE_URL" | cachelink connstr polyscale shop --origin -`, isCachedURL},
	{"MARIADB_URL=", func(t *testing.T, s step, tour *tourRun) {
		if want := tour.cacheID + "-app:pw@tcp(psedge.global:3307)/shop?parseTime=true"; s.stdout != want {
			t.Errorf("%s: stdout %q, want %q", s.cmd, s.stdout, want)
		}
	}},
	{"cachelink connstr polyscale shop --origin-env DATABASE_URL --write-env .env", quiet},
	{"cachelink connstr polyscale shop --origin-env DATABASE_URL -o json", func(t *testing.T, s step, tour *tourRun) {
		var v map[string]any
		if err := json.Unmarshal([]byte(s.stdout), &v); err != nil {
			t.Fatalf("%s: stdout is not a JSON object (%v): %s", s.cmd, err, s.stdout)
		}
		found := false
		for _, x := range v {
			found = found || x == tour.cachedURL
		}
		if !found {
			t.Errorf("%s: no value is the connection string %q: %s", s.cmd, tour.cachedURL, s.stdout)
		}
	}},
	{"REDIS_URL=$(cachelink create upstash --name cache", quiet}, // list upstash shows it
	{"cachelink connstr upstash cache --format env --write-env .env", quiet},
	{"cachelink list upstash", stdoutHas("cache", "eu-west-1", "redis")},
	{"cachelink reset-password cache --yes --write-env .env", quiet},
	{"cachelink create upstash --kind vector --name docs", stdoutHas("UPSTASH_VECTOR_REST_URL=https://", "UPSTASH_VECTOR_REST_TOKEN=")},
	{"cachelink run --polyscale shop --upstash cache", func(t *testing.T, s step, tour *tourRun) {
		env := readEnvFile(t, filepath.Join(tour.dir, ".env"))
		if want := tour.cachedURL + " " + env["REDIS_URL"]; s.stdout != want {
			t.Errorf("%s: stdout %q, want the cache's string and the REDIS_URL reset-password wrote (%q)", s.cmd, s.stdout, want)
		}
	}},
	{"cachelink delete polyscale shop --yes", quiet},
	{"cachelink delete upstash cache --yes", quiet},
	{"cachelink delete upstash docs --kind vector --yes", quiet},
	{"cachelink disconnect polyscale", quiet},
	{"cachelink disconnect upstash", quiet},
}

// readEnvFile reads a .env file cachelink wrote: NAME=VALUE lines, the
// value maybe in single quotes.
func readEnvFile(t *testing.T, path string) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s: line %q", path, line)
		}
		if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
			v = v[1 : len(v)-1]
		}
		env[k] = v
	}
	return env
}

func TestREADMETourRunsAsWrittenAgainstTheSandbox(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("the tour is a bash script; no bash here")
	}
	steps := tourSteps(t)
	if err := loginPortFree(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the tour logs in with cachelink's default redirect URI, on port %s, which is taken: %v", loginPort, err)
		}
		t.Skipf("the tour logs in with cachelink's default redirect URI, on port %s, which is taken: %v", loginPort, err)
	}
	bin := buildBinaries(t)

	dir, home, tmp := t.TempDir(), t.TempDir(), t.TempDir()
	script := filepath.Join(tmp, "tour.sh")
	if err := os.WriteFile(script, []byte(tourScript(steps)), 0o644); err != nil {
		t.Fatal(err)
	}
	stdoutF, err := os.Create(filepath.Join(tmp, "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	defer stdoutF.Close()
	stderrF, err := os.Create(filepath.Join(tmp, "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer stderrF.Close()

	ctx, cancel := context.WithTimeout(context.Background(), tourTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", script)
	cmd.Dir = dir // an empty directory, as a new user's
	// A new user's environment: nothing of cachelink's or the developer's
	// (their logins, config, endpoints), an empty HOME; TMPDIR here so the
	// sandbox's configuration directory goes when the test ends.
	cmd.Env = []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"), "HOME=" + home, "TMPDIR=" + tmp, "LANG=C.UTF-8"}
	// Files, not pipes: the background sandbox must not hold the run
	// open. Its own process group, so that whatever the tour left running
	// (the sandbox, when a step failed before kill) is stopped.
	cmd.Stdout, cmd.Stderr = stdoutF, stderrF
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	runErr := cmd.Run()
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	outRaw, _ := os.ReadFile(stdoutF.Name())
	errRaw, _ := os.ReadFile(stderrF.Name())
	out, errOut := string(outRaw), string(errRaw)
	if ctx.Err() != nil {
		t.Fatalf("the tour did not finish within %v\nstdout:\n%s\nstderr:\n%s", tourTimeout, out, errOut)
	}
	if m := regexp.MustCompile(`(?m)^@@failed (\d+) (\d+)$`).FindStringSubmatch(errOut); m != nil {
		i, _ := strconv.Atoi(m[1])
		t.Fatalf("README tour step %d/%d exited %s:\n  %s\nstdout:\n%s\nstderr:\n%s", i+1, len(steps), m[2], steps[i], out, errOut)
	}
	if runErr != nil || !strings.HasSuffix(out, "\n@@done\n") {
		t.Fatalf("the tour ended early (%v)\nstdout:\n%s\nstderr:\n%s", runErr, out, errOut)
	}

	outs, errs := splitSteps(out, len(steps)), splitSteps(errOut, len(steps))
	tour := &tourRun{dir: dir}
	checked := make([]bool, len(steps))
	for _, x := range expectations {
		found := -1
		for i, s := range steps {
			if strings.HasPrefix(s+"\n", x.prefix) {
				if found >= 0 {
					t.Fatalf("two steps of the tour start with %q: %q and %q", x.prefix, steps[found], s)
				}
				found = i
			}
		}
		if found < 0 {
			t.Fatalf("no step of the README's tour starts with %q: a command changed? Update the tour's expectations here", x.prefix)
		}
		checked[found] = true
		x.check(t, step{cmd: steps[found], stdout: outs[found], stderr: errs[found]}, tour)
	}

	// What the tour leaves: a .env with the cache's string under its own
	// name and the database's (after reset-password) variables, 0600.
	envPath := filepath.Join(dir, ".env")
	if fi, err := os.Stat(envPath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf(".env: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
	env := readEnvFile(t, envPath)
	if env["CACHED_DATABASE_URL"] != tour.cachedURL {
		t.Errorf(".env CACHED_DATABASE_URL = %q, want %q", env["CACHED_DATABASE_URL"], tour.cachedURL)
	}
	for _, k := range []string{"REDIS_URL", "UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN"} {
		if env[k] == "" {
			t.Errorf(".env lacks %s: %v", k, env)
		}
	}
	if len(env) != 4 {
		t.Errorf(".env holds %d variables, want 4: %v", len(env), env)
	}
	// The sandbox kept the tour's logins in a directory of its own: nothing
	// went to the user's configuration directory.
	if _, err := os.Stat(filepath.Join(home, ".config", "cachelink")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the tour wrote to the user's configuration directory (%v)", err)
	}
	n := 0
	for _, c := range checked {
		if c {
			n++
		}
	}
	t.Logf("README tour: %d/%d steps exited 0; the output of %d checked", len(steps), len(steps), n)
}
