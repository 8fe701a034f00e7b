package polyscale_test

// PolyScale's own Node client (polyscale-node 0.0.23, from the public
// repository polyscale/polyscale-node; not on npm), run unmodified against
// the sandbox: its example must pass, and so must a harness of ours that
// calls every cache and rule method the client has. The sandbox's store and
// cachelink must then see what the client did.
//
// The client's source is vendored under testdata/third_party/polyscale-node
// (see the README there). It is TypeScript: .ci/run installs its build
// dependencies at the versions its package-lock.json pins (TypeScript,
// node-fetch, the @types it compiles against) with npm into a directory
// named by CACHELINK_TEST_POLYSCALE_NODE_DEPS, and this test compiles the
// client, its example and the harness (testdata/polyscale-node) with that
// TypeScript, type-checked against the client's published types.
//
// The example hard-codes http://localhost:8000 and reads API_KEY: it runs
// under node with a preload (testdata/polyscale-node/preload.cjs) that sends
// that origin to the sandbox and refuses every other request. The harness
// takes the sandbox's URL through the client's own url option.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cachelink/cachelink/internal/sandbox"
)

const (
	polyscaleNodeVersion = "0.0.23"
	// polyscaleNodeDir is the vendored client, relative to this package.
	polyscaleNodeDir = "../../../testdata/third_party/polyscale-node/polyscale-node-" + polyscaleNodeVersion
	// polyscaleNodeRunTimeout bounds each run of tsc or node.
	polyscaleNodeRunTimeout = 2 * time.Minute
	// The harness's steps (testdata/polyscale-node/harness.ts).
	polyscaleNodeHarnessSteps = 27
)

// polyscaleNodeDeps are the build dependencies .ci/run installs, at the
// versions the client's package-lock.json pins.
var polyscaleNodeDeps = map[string]string{
	"typescript":        "4.8.3",
	"node-fetch":        "2.6.13",
	"@types/node":       "18.7.18",
	"@types/node-fetch": "2.5.11",
}

// polyscaleNode is the client built into a temporary directory.
type polyscaleNode struct {
	node    string
	dir     string // the build's root: build/example/example.js, build/harness/harness.js
	preload string
}

// builtPolyScaleNode compiles the vendored client, its example and our
// harness with the TypeScript .ci/run installed (CACHELINK_TEST_POLYSCALE_NODE_DEPS,
// the directory given to `npm install --prefix`). Without it, or without
// node, the test skips, or fails in CI.
func builtPolyScaleNode(t *testing.T) polyscaleNode {
	t.Helper()
	ci := os.Getenv("CI") != ""
	deps := os.Getenv("CACHELINK_TEST_POLYSCALE_NODE_DEPS")
	node, nodeErr := exec.LookPath("node")
	switch {
	case (deps == "" || nodeErr != nil) && ci:
		t.Fatalf("CI=true but CACHELINK_TEST_POLYSCALE_NODE_DEPS is %q and node is %v: .ci/run should have installed nodejs and the client's build dependencies",
			deps, nodeErr)
	case deps == "" || nodeErr != nil:
		t.Skip("install polyscale-node's build dependencies (`npm install --prefix DIR` with the versions in .ci/run) and set CACHELINK_TEST_POLYSCALE_NODE_DEPS=DIR (with node on PATH) to run PolyScale's own client against the sandbox")
	}
	for pkg, want := range polyscaleNodeDeps {
		var p struct{ Version string }
		raw, err := os.ReadFile(filepath.Join(deps, "node_modules", filepath.FromSlash(pkg), "package.json"))
		if err == nil {
			err = json.Unmarshal(raw, &p)
		}
		if err != nil || p.Version != want {
			t.Fatalf("%s in %s: version %q (%v), want %s", pkg, deps, p.Version, err, want)
		}
	}

	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(polyscaleNodeDir)); err != nil {
		t.Fatal(err)
	}
	var pkg struct{ Name, Version string }
	raw, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err == nil {
		err = json.Unmarshal(raw, &pkg)
	}
	if err != nil || pkg.Name != "@polyscale/polyscale-node" || pkg.Version != polyscaleNodeVersion {
		t.Fatalf("vendored client: %+v (%v), want @polyscale/polyscale-node %s", pkg, err, polyscaleNodeVersion)
	}
	ours := map[string]string{
		"harness.ts":              filepath.Join(dir, "harness", "harness.ts"),
		"tsconfig.cachelink.json": filepath.Join(dir, "tsconfig.cachelink.json"),
		"preload.cjs":             filepath.Join(dir, "preload.cjs"),
	}
	for from, to := range ours {
		b, err := os.ReadFile(filepath.Join("testdata", "polyscale-node", from))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(deps, "node_modules"), filepath.Join(dir, "node_modules")); err != nil {
		t.Fatal(err)
	}
	c := polyscaleNode{node: node, dir: dir, preload: ours["preload.cjs"]}
	tsc := filepath.Join(deps, "node_modules", "typescript", "bin", "tsc")
	if out, code := c.run(t, nil, tsc, "--project", "tsconfig.cachelink.json"); code != 0 {
		t.Fatalf("tsc could not build polyscale-node %s, its example and the harness (exit %d):\n%s", polyscaleNodeVersion, code, out)
	}
	return c
}

// run runs node with args in the build's directory, with env (and PATH and
// an empty HOME), and returns its stdout and stderr, and its exit code.
func (c polyscaleNode) run(t *testing.T, env []string, args ...string) (stdoutAndStderr string, code int) {
	t.Helper()
	out, errOut, code := c.runSplit(t, env, args...)
	return out + errOut, code
}

func (c polyscaleNode) runSplit(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), polyscaleNodeRunTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.node, args...)
	cmd.Dir = c.dir
	// Nothing of the developer's environment (NODE_OPTIONS, API_KEY).
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "NO_COLOR=1"}, env...)
	var o, e strings.Builder
	cmd.Stdout, cmd.Stderr = &o, &e
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("node %s did not finish within %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), polyscaleNodeRunTimeout, o.String(), e.String())
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("node %s: %v", strings.Join(args, " "), err)
	}
	return o.String(), e.String(), code
}

// requestLog serves the sandbox of e and records each request as
// "METHOD /path STATUS".
type requestLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *requestLog) serve(t *testing.T, h http.Handler) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		h.ServeHTTP(rec, r)
		l.mu.Lock()
		l.lines = append(l.lines, fmt.Sprintf("%s %s %d", r.Method, r.URL.Path, rec.code))
		l.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	return srv
}

func (l *requestLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.lines
	l.lines = nil
	return out
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}

// TestPolyScaleNodeClientAgainstTheSandbox builds the client once and runs
// its example and the harness, each against a sandbox of its own.
func TestPolyScaleNodeClientAgainstTheSandbox(t *testing.T) {
	t.Parallel()
	client := builtPolyScaleNode(t)
	t.Run("its example", func(t *testing.T) {
		t.Parallel()
		polyscaleNodeExample(t, client)
	})
	t.Run("every cache and rule method", func(t *testing.T) {
		t.Parallel()
		polyscaleNodeHarness(t, client)
	})
}

// polyscaleNodeExample runs the client's own example, unmodified.
func polyscaleNodeExample(t *testing.T, client polyscaleNode) {
	e := ciSandbox(t)
	var log requestLog
	srv := log.serve(t, e.Sandbox.Handler())

	stdout, stderr, code := client.runSplit(t, []string{"API_KEY=" + ciKey, "CACHELINK_TEST_POLYSCALE_ORIGIN=" + srv.URL},
		"--require", client.preload, filepath.Join("build", "example", "example.js"))
	// The example catches every error and prints it on stderr: a quiet
	// stderr is how it says every assertion held.
	if code != 0 || stderr != "" {
		t.Fatalf("polyscale-node's example: exit %d, want 0 and a quiet stderr\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	id := regexp.MustCompile(`^\{ id: '([0-9a-f-]{36})' \}\n$`).FindStringSubmatch(stdout)
	if id == nil {
		t.Fatalf("the example printed %q, want the created cache's { id: '...' }", stdout)
	}
	// Its twelve calls, each answered as the client expects; the four
	// assertions between them held (nothing on stderr).
	want := []string{
		"POST /v1/caches 201",
		"POST /v1/caches/ID/cache-ttls 201", // AUTO some-template
		"GET /v1/caches/ID/cache-ttls 200",  // one rule, AUTO
		"POST /v1/caches/ID/cache-ttls 201", // MANUAL some-template: switches it
		"GET /v1/caches/ID/cache-ttls 200",  // one rule, MANUAL
		"POST /v1/caches/ID/cache-ttls 201", // TABLE tableA
		"GET /v1/caches/ID/cache-ttls 200",  // two rules
		"PATCH /v1/caches/ID/cache-ttls/tableA 200",
		"DELETE /v1/caches/ID/cache-ttls/TABLE/tableA 204",
		"DELETE /v1/caches/ID/cache-ttls/MANUAL/some-template 204",
		"GET /v1/caches/ID/cache-ttls 200", // none
		"DELETE /v1/caches/ID 204",
	}
	got := log.take()
	for i := range got {
		got[i] = strings.ReplaceAll(got[i], id[1], "ID")
	}
	if !slices.Equal(got, want) {
		t.Fatalf("the example's requests:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	st := e.Sandbox.Store.State()
	if len(st.Caches) != 0 || len(st.CacheRules) != 0 {
		t.Fatalf("the example deletes what it made; the sandbox still holds %+v %+v", st.Caches, st.CacheRules)
	}
	if n := e.Sandbox.Counters.Snapshot().Creates; n != 1 {
		t.Errorf("creates = %d, want the example's 1", n)
	}
	t.Logf("polyscale-node %s example: %d/%d calls and 4/4 assertions passed", polyscaleNodeVersion, len(got), len(want))
}

// harnessKept is what the harness leaves in place and prints: the cache
// and its rules as the client read them.
type harnessKept struct {
	Cache map[string]any
	Rules []map[string]any
}

// polyscaleNodeHarness runs our harness: every cache and rule method of
// the client, then compares what it left with the sandbox's store and with
// what cachelink shows.
func polyscaleNodeHarness(t *testing.T, client polyscaleNode) {
	e := ciSandbox(t)
	var log requestLog
	srv := log.serve(t, e.Sandbox.Handler())

	stdout, stderr, code := client.runSplit(t, []string{"POLYSCALE_URL=" + srv.URL, "POLYSCALE_API_KEY=" + ciKey},
		filepath.Join("build", "harness", "harness.js"))
	var passed, failed []string
	var kept harnessKept
	summary := ""
	sc := bufio.NewScanner(strings.NewReader(stdout))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "ok "):
			passed = append(passed, line)
		case strings.HasPrefix(line, "not ok "):
			failed = append(failed, line)
		case strings.HasPrefix(line, "kept "):
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "kept ")), &kept); err != nil {
				t.Fatalf("the harness's kept line: %v\n%s", err, line)
			}
		default:
			summary = line
		}
	}
	if code != 0 || stderr != "" || len(failed) != 0 || len(passed) != polyscaleNodeHarnessSteps {
		t.Fatalf("polyscale-node harness: exit %d, %d/%d steps passed, want all and a quiet stderr\nfailed:\n%s\nstdout:\n%s\nstderr:\n%s",
			code, len(passed), polyscaleNodeHarnessSteps, strings.Join(failed, "\n"), stdout, stderr)
	}
	if want := fmt.Sprintf("%d passed, 0 failed", polyscaleNodeHarnessSteps); summary != want {
		t.Errorf("the harness's last line is %q, want %q", summary, want)
	}
	// Every request reached the sandbox and none was a server error.
	for _, l := range log.take() {
		if strings.HasSuffix(l, " 500") || !strings.HasPrefix(strings.Fields(l)[1], "/v1/caches") {
			t.Errorf("request %q", l)
		}
	}

	// The sandbox's store holds what the client read: one cache, and its
	// rules, field for field.
	st := e.Sandbox.Store.State()
	if len(st.Caches) != 1 {
		t.Fatalf("the sandbox holds %d caches, want the 1 the harness kept: %+v", len(st.Caches), st.Caches)
	}
	asJSON := func(v any) map[string]any {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	if s := asJSON(st.Caches[0]); !jsonEqual(s, kept.Cache) {
		t.Errorf("the sandbox holds the cache %v, the client read %v", s, kept.Cache)
	}
	id, _ := kept.Cache["id"].(string)
	var storeRules []map[string]any
	for _, r := range st.CacheRules {
		storeRules = append(storeRules, asJSON(r))
	}
	if len(storeRules) != 3 || len(kept.Rules) != 3 {
		t.Fatalf("rules: the sandbox holds %v, the client read %v; want TABLE orders, TEMPLATE tmpl-by-id, AUTO tmpl-auto", storeRules, kept.Rules)
	}
	for i := range storeRules {
		if !jsonEqual(storeRules[i], kept.Rules[i]) {
			t.Errorf("rule %d: the sandbox holds %v, the client read %v", i, storeRules[i], kept.Rules[i])
		}
	}
	byKey := map[string]sandbox.CacheRule{}
	for _, r := range st.CacheRules {
		byKey[r.Key] = r
	}
	if r := byKey["orders"]; r.Type != "TABLE" || r.Value == nil || *r.Value != 30 || r.CacheID != id {
		t.Errorf("orders: %+v, want TABLE 30 on %s", r, id)
	}
	if r := byKey["tmpl-by-id"]; r.Type != "TEMPLATE" || r.Value == nil || *r.Value != 120 || r.Name != "orders by id" {
		t.Errorf("tmpl-by-id: %+v, want TEMPLATE 120 named orders by id", r)
	}
	if r := byKey["tmpl-auto"]; r.Type != "AUTO" || r.Value != nil {
		t.Errorf("tmpl-auto: %+v, want AUTO without a value", r)
	}

	// cachelink sees the cache and the rules the client made.
	list := e.MustRun(t, "list", "polyscale", "-o", "json").Stdout
	if !strings.Contains(list, id) || !strings.Contains(list, "node-client-pg") {
		t.Errorf("cachelink list polyscale -o json does not show the client's cache %s:\n%s", id, list)
	}
	get := e.MustRun(t, "get", "polyscale", "node-client-pg").Stdout
	if tmpl, _ := kept.Cache["connectionUriTemplate"].(string); tmpl == "" || !strings.Contains(get, tmpl) {
		t.Errorf("cachelink get polyscale does not show the connectionUriTemplate %q:\n%s", tmpl, get)
	}
	rules := e.MustRun(t, "rules", "list", "node-client-pg").Stdout
	for _, k := range []string{"orders", "tmpl-by-id", "tmpl-auto"} {
		if !strings.Contains(rules, k) {
			t.Errorf("cachelink rules list does not show the client's rule %s:\n%s", k, rules)
		}
	}
	t.Logf("polyscale-node %s harness: %d/%d steps passed", polyscaleNodeVersion, len(passed), polyscaleNodeHarnessSteps)
}

// jsonEqual compares two decoded JSON objects.
func jsonEqual(a, b map[string]any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
