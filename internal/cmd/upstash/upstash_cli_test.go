package upstash_test

// Upstash's own CLI (npm @upstash/cli), run unchanged against the sandbox:
// it must still list, create, get and delete Redis databases there, and
// cachelink must see what it did.
//
// The CLI hard-codes https://api.upstash.com. It runs as published, under
// node with a preload (written here, a test harness) that wraps
// globalThis.fetch: a request to that origin goes to the sandbox instead,
// any other request fails. The CLI reads UPSTASH_EMAIL and UPSTASH_API_KEY,
// the pair cachelink's CI mode uses; its config files and any .env file
// are kept out of reach (an empty HOME, config dirs and working directory).

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cachelink/cachelink/internal/cmdtest"
)

const (
	upstashCLIPackage = "@upstash/cli"
	upstashCLIVersion = "1.0.2" // pinned in .ci/run: the version this test was written against
	// upstashCLIRunTimeout bounds each run of the CLI.
	upstashCLIRunTimeout = 30 * time.Second
)

// upstashCLIPreload is loaded with node --require before the CLI: it sends
// the CLI's requests to api.upstash.com to CACHELINK_TEST_UPSTASH_ORIGIN
// (the sandbox) and refuses every other request, so nothing leaves the
// machine.
const upstashCLIPreload = `"use strict";
const from = "https://api.upstash.com";
const to = process.env.CACHELINK_TEST_UPSTASH_ORIGIN;
if (!to) throw new Error("CACHELINK_TEST_UPSTASH_ORIGIN is not set");
const realFetch = globalThis.fetch;
if (typeof realFetch !== "function") throw new Error("this node has no global fetch");
globalThis.fetch = function (input, init) {
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : undefined;
  if (url === undefined || !(url === from || url.startsWith(from + "/"))) {
    return Promise.reject(new Error("test preload: refusing a request outside " + from + ": " + String(url ?? input)));
  }
  return realFetch(to + url.slice(from.length), init);
};
`

// upstashCLI is the installed CLI and the files it runs with.
type upstashCLI struct {
	node    string
	script  string // .../node_modules/@upstash/cli/dist/cli.js
	preload string
}

// installedUpstashCLI finds the pinned @upstash/cli that .ci/run installs
// with npm (tests reach no registry themselves): the directory given to
// `npm install --prefix` is in CACHELINK_TEST_UPSTASH_CLI. Without it, or
// without node, the test skips, or fails in CI.
func installedUpstashCLI(t *testing.T) upstashCLI {
	t.Helper()
	ci := os.Getenv("CI") != ""
	dir := os.Getenv("CACHELINK_TEST_UPSTASH_CLI")
	node, nodeErr := exec.LookPath("node")
	switch {
	case (dir == "" || nodeErr != nil) && ci:
		t.Fatalf("CI=true but CACHELINK_TEST_UPSTASH_CLI is %q and node is %v: .ci/run should have installed nodejs and %s@%s",
			dir, nodeErr, upstashCLIPackage, upstashCLIVersion)
	case dir == "" || nodeErr != nil:
		t.Skipf("run `npm install --prefix DIR %s@%s` and set CACHELINK_TEST_UPSTASH_CLI=DIR (with node on PATH) to run Upstash's CLI against the sandbox",
			upstashCLIPackage, upstashCLIVersion)
	}

	pkgDir := filepath.Join(dir, "node_modules", filepath.FromSlash(upstashCLIPackage))
	raw, err := os.ReadFile(filepath.Join(pkgDir, "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	var pkg struct {
		Version string            `json:"version"`
		Bin     map[string]string `json:"bin"`
	}
	if err := json.Unmarshal(raw, &pkg); err != nil {
		t.Fatalf("%s's package.json: %v", upstashCLIPackage, err)
	}
	if pkg.Version != upstashCLIVersion {
		t.Fatalf("npm installed %s@%s, want %s", upstashCLIPackage, pkg.Version, upstashCLIVersion)
	}
	bin := pkg.Bin["upstash"]
	if bin == "" {
		t.Fatalf("%s@%s has no upstash bin: %s", upstashCLIPackage, pkg.Version, raw)
	}
	c := upstashCLI{node: node, script: filepath.Join(pkgDir, filepath.FromSlash(bin)), preload: filepath.Join(t.TempDir(), "preload-fetch.cjs")}
	if err := os.WriteFile(c.preload, []byte(upstashCLIPreload), 0o644); err != nil {
		t.Fatal(err)
	}
	return c
}

// upstashCLIRun is what one run of the CLI produced.
type upstashCLIRun struct {
	Stdout, Stderr string
	Code           int
}

// run runs the CLI with args against e's sandbox, with e's environment
// (UPSTASH_EMAIL and UPSTASH_API_KEY in CI mode) and extraEnv, from an
// empty working directory, with an empty HOME and config directories.
func (c upstashCLI) run(t *testing.T, e *cmdtest.Env, extraEnv []string, args ...string) upstashCLIRun {
	t.Helper()
	home := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), upstashCLIRunTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.node, append([]string{"--require", c.preload, c.script}, args...)...)
	cmd.Dir = t.TempDir() // no .env for dotenv to load
	var env []string
	for _, kv := range e.Environ() {
		// NODE_OPTIONS and friends would change how node runs the CLI.
		if !strings.HasPrefix(kv, "NODE_") {
			env = append(env, kv)
		}
	}
	env = append(env,
		"CACHELINK_TEST_UPSTASH_ORIGIN="+strings.TrimRight(e.Server.URL, "/"),
		"HOME="+home,
		"XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"UPSTASH_CONFIG_HOME="+filepath.Join(home, "upstash"),
		"UPSTASH_LEGACY_CONFIG_HOME="+home,
		"NO_COLOR=1")
	cmd.Env = append(env, extraEnv...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	r := upstashCLIRun{Stdout: stdout.String(), Stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("upstash %s did not finish within %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), upstashCLIRunTimeout, r.Stdout, r.Stderr)
	case errors.As(err, &exit):
		r.Code = exit.ExitCode()
	case err != nil:
		t.Fatalf("upstash %s: %v", strings.Join(args, " "), err)
	}
	return r
}

// upstashCLIJSON runs the CLI, fails t unless it exits 0 with nothing on
// stderr, and decodes its stdout (JSON) into a T.
func upstashCLIJSON[T any](t *testing.T, c upstashCLI, e *cmdtest.Env, args ...string) T {
	t.Helper()
	r := c.run(t, e, nil, args...)
	if r.Code != 0 || r.Stderr != "" {
		t.Fatalf("upstash %s: exit %d, want 0 and a quiet stderr\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.Code, r.Stdout, r.Stderr)
	}
	var v T
	if err := json.Unmarshal([]byte(r.Stdout), &v); err != nil {
		t.Fatalf("upstash %s: stdout is not the JSON expected (%v):\n%s", strings.Join(args, " "), err, r.Stdout)
	}
	return v
}

// upstashCLIFails runs the CLI, fails t unless it exits 1 with nothing on
// stdout and its JSON error on stderr, and returns the error's message.
func upstashCLIFails(t *testing.T, c upstashCLI, e *cmdtest.Env, extraEnv []string, args ...string) string {
	t.Helper()
	r := c.run(t, e, extraEnv, args...)
	if r.Code != 1 || r.Stdout != "" {
		t.Fatalf("upstash %s: exit %d, want 1 and nothing on stdout\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.Code, r.Stdout, r.Stderr)
	}
	var v struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal([]byte(r.Stderr), &v); err != nil || v.Error == "" {
		t.Fatalf("upstash %s: stderr is not {\"error\": ...} (%v):\n%s", strings.Join(args, " "), err, r.Stderr)
	}
	return v.Error
}

// upstashCLIDatabase is the part of the Developer API's Database object
// the test checks, as the CLI prints it.
type upstashCLIDatabase struct {
	DatabaseID    string   `json:"database_id"`
	DatabaseName  string   `json:"database_name"`
	Region        string   `json:"region"`
	PrimaryRegion string   `json:"primary_region"`
	ReadRegions   []string `json:"read_regions"`
	Endpoint      string   `json:"endpoint"`
	Port          int      `json:"port"`
	Password      *string  `json:"password"`
	TLS           bool     `json:"tls"`
	State         string   `json:"state"`
}

var upstashCLIUUID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestUpstashCLIListsCreatesGetsAndDeletesRedisDatabases(t *testing.T) {
	t.Parallel()
	cli := installedUpstashCLI(t)
	e := ciMode(t)
	const name, primary, read = "from-upstash-cli", "eu-west-1", "us-east-1"
	// Every request of the CLI reaches the sandbox (none is lost to the
	// real api.upstash.com: the preload refuses any other origin).
	creates := e.CountRequests(t, "POST", "/v2/redis/database")
	calls := e.CountRequests(t, "", "/v2/redis/")

	// An account with no database lists none.
	if dbs := upstashCLIJSON[[]upstashCLIDatabase](t, cli, e, "redis", "list"); len(dbs) != 0 {
		t.Fatalf("upstash redis list on an empty account: %+v", dbs)
	}

	// create: the CLI's own request shape (region "global", primary_region,
	// read_regions).
	d := upstashCLIJSON[upstashCLIDatabase](t, cli, e, "redis", "create", "--name", name, "--region", primary, "--read-regions", read)
	if !upstashCLIUUID.MatchString(d.DatabaseID) || d.DatabaseName != name || d.Region != "global" ||
		d.PrimaryRegion != primary || !slices.Equal(d.ReadRegions, []string{read}) ||
		d.Endpoint == "" || d.Port == 0 || !d.TLS || d.State != "active" || d.Password == nil || *d.Password == "" {
		t.Fatalf("upstash redis create printed %+v", d)
	}
	if n := creates(); n != 1 {
		t.Errorf("POST /v2/redis/database = %d, want 1", n)
	}
	dbs := databases(e)
	if len(dbs) != 1 {
		t.Fatalf("the sandbox holds %d databases after one create, want 1: %+v", len(dbs), dbs)
	}
	s := dbs[0]
	if s.DatabaseID != d.DatabaseID || s.DatabaseName != name || s.PrimaryRegion != primary ||
		!slices.Equal(s.ReadRegions, []string{read}) || s.Endpoint != d.Endpoint || s.Password != *d.Password {
		t.Fatalf("the sandbox holds %+v, the CLI printed %+v", s, d)
	}

	// list shows it.
	dbsCLI := upstashCLIJSON[[]upstashCLIDatabase](t, cli, e, "redis", "list")
	if len(dbsCLI) != 1 || dbsCLI[0].DatabaseID != d.DatabaseID || dbsCLI[0].DatabaseName != name {
		t.Fatalf("upstash redis list after the create: %+v", dbsCLI)
	}

	// get by id, with and without its credentials.
	g := upstashCLIJSON[upstashCLIDatabase](t, cli, e, "redis", "get", "--db-id", d.DatabaseID)
	if g.DatabaseID != d.DatabaseID || g.DatabaseName != name || g.PrimaryRegion != primary ||
		g.Endpoint != d.Endpoint || g.Port != d.Port || g.Password == nil || *g.Password != s.Password {
		t.Fatalf("upstash redis get printed %+v, want the database created (%+v)", g, d)
	}
	h := upstashCLIJSON[upstashCLIDatabase](t, cli, e, "redis", "get", "--db-id", d.DatabaseID, "--hide-credentials")
	if h.DatabaseID != d.DatabaseID || (h.Password != nil && *h.Password != "") {
		t.Fatalf("upstash redis get --hide-credentials printed %+v", h)
	}

	// cachelink sees the database the CLI created.
	var seen []dbJSON
	if err := json.Unmarshal([]byte(mustSucceed(t, e, "list", "upstash", "-o", "json").Stdout), &seen); err != nil {
		t.Fatalf("cachelink list upstash -o json: %v", err)
	}
	if len(seen) != 1 || seen[0].ID != d.DatabaseID || seen[0].Name != name || seen[0].PrimaryRegion != primary ||
		!slices.Equal(seen[0].ReadRegions, []string{read}) {
		t.Fatalf("cachelink list upstash -o json: %+v, want the database the CLI created (%s)", seen, d.DatabaseID)
	}

	// A wrong key is refused, and nothing changes.
	if msg := upstashCLIFails(t, cli, e, []string{"UPSTASH_API_KEY=not-a-key-upstash-issued"}, "redis", "list"); msg == "" {
		t.Fatal("no error message for a wrong API key")
	}

	// delete, then list and get show it gone.
	type deleted struct {
		Deleted    bool   `json:"deleted"`
		DatabaseID string `json:"database_id"`
	}
	del := upstashCLIJSON[deleted](t, cli, e, "redis", "delete", "--db-id", d.DatabaseID)
	if !del.Deleted || del.DatabaseID != d.DatabaseID {
		t.Fatalf("upstash redis delete printed %+v", del)
	}
	if dbs := databases(e); len(dbs) != 0 {
		t.Fatalf("the sandbox still holds %+v after the delete", dbs)
	}
	if dbs := upstashCLIJSON[[]upstashCLIDatabase](t, cli, e, "redis", "list"); len(dbs) != 0 {
		t.Fatalf("upstash redis list after the delete: %+v", dbs)
	}
	if msg := upstashCLIFails(t, cli, e, nil, "redis", "get", "--db-id", d.DatabaseID); !strings.Contains(msg, "database not found") {
		t.Errorf("upstash redis get of the deleted database: error %q, want one saying database not found", msg)
	}
	seen = nil
	if err := json.Unmarshal([]byte(mustSucceed(t, e, "list", "upstash", "-o", "json").Stdout), &seen); err != nil {
		t.Fatalf("cachelink list upstash -o json: %v", err)
	}
	if len(seen) != 0 {
		t.Fatalf("cachelink list upstash -o json after the delete: %+v", seen)
	}

	// list, create, list, get x2, list (wrong key), delete, list, get from
	// the CLI; two lists from cachelink.
	if n := calls(); n != 11 {
		t.Errorf("requests to /v2/redis/ = %d, want 11 (9 from the CLI, 2 from cachelink)", n)
	}
}
