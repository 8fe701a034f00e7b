package polyscale_test

// Guarded writes: what `connstr polyscale` and `create polyscale` refuse
// so that no data is lost.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cachelink/cachelink/internal/sandbox"
)

const guardCacheID = "11111111-2222-4333-8444-555555555555"

func TestWriteEnvNeverReplacesTheOriginVariable(t *testing.T) {
	t.Parallel()
	e := ciSandbox(t)
	path := filepath.Join(t.TempDir(), ".env")
	content := "# app\nDATABASE_URL=" + pgOrigin + "\nOTHER=1\n"
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	r := expectExit(t, e, 2, "connstr", "polyscale", guardCacheID, "--origin-env", "DATABASE_URL", "--write-env", path)
	if !strings.Contains(r.Stderr, "--env-name") {
		t.Errorf("stderr has no hint naming --env-name:\n%s", r.Stderr)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != content {
		t.Errorf(".env changed:\n%s\nwant:\n%s", got, content)
	}

	// Another name is written beside the origin, which stays.
	expectExit(t, e, 0, "connstr", "polyscale", guardCacheID, "--origin-env", "DATABASE_URL", "--write-env", path, "--env-name", "CACHED_DATABASE_URL")
	got, _ = os.ReadFile(path)
	if !strings.HasPrefix(string(got), content) || !strings.Contains(string(got), "CACHED_DATABASE_URL=") {
		t.Errorf(".env after --env-name CACHED_DATABASE_URL:\n%s", got)
	}
}

func TestEmptyWriteEnvIsAUsageError(t *testing.T) {
	t.Parallel()
	e := ciSandbox(t)
	r := expectExit(t, e, 2, "connstr", "polyscale", guardCacheID, "--origin-env", "DATABASE_URL", "--write-env", "")
	if r.Stdout != "" {
		t.Errorf("stdout = %q, want nothing", r.Stdout)
	}
	r = expectExit(t, e, 2, "connstr", "polyscale", guardCacheID, "--origin-env", "DATABASE_URL", "--write-env=")
	if r.Stdout != "" {
		t.Errorf("stdout = %q, want nothing", r.Stdout)
	}
}

func TestAnOriginOnTheEdgeIsRefused(t *testing.T) {
	t.Parallel()
	e := ciSandbox(t)
	edgeURL := "postgres://app:" + dbPassword + "@psedge.global:5432/shop?application_name=" + guardCacheID + "&sslmode=require"
	e.Setenv("EDGE_URL", edgeURL)
	for _, args := range [][]string{
		{"connstr", "polyscale", guardCacheID, "--origin-env", "EDGE_URL"},
		{"create", "polyscale", "--name", "loop", "--origin-env", "EDGE_URL", "--skip-dns-check"},
		{"create", "polyscale", "--name", "loop", "--type", "postgres", "--host", "PSEDGE.global.", "--port", "5432", "--skip-dns-check"},
	} {
		r := expectExit(t, e, 2, args...)
		if !strings.Contains(r.Stderr, "PolyScale edge") {
			t.Errorf("%v: stderr does not say the origin is the edge:\n%s", args, r.Stderr)
		}
	}
	if n := len(e.Sandbox.Store.State().Caches); n != 0 {
		t.Errorf("%d caches were created, want none", n)
	}
}

func TestASecondCreateOfTheSameNameIsRefused(t *testing.T) {
	t.Parallel()
	e := ciSandbox(t)
	args := []string{"create", "polyscale", "--name", "twice", "--origin-env", "DATABASE_URL"}
	expectExit(t, e, 0, args...)
	r := expectExit(t, e, 1, args...)
	for _, want := range []string{"--if-not-exists", "--allow-duplicate"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("stderr does not name %s:\n%s", want, r.Stderr)
		}
	}
	if n := len(e.Sandbox.Store.State().Caches); n != 1 {
		t.Fatalf("%d caches after two identical creates, want 1", n)
	}
	expectExit(t, e, 0, append(args, "--if-not-exists")...)
	expectExit(t, e, 0, append(args, "--allow-duplicate")...)
	if n := len(e.Sandbox.Store.State().Caches); n != 2 {
		t.Fatalf("%d caches after --allow-duplicate, want 2", n)
	}
}

func TestALostCreateAnswerNeverSaysNothingWasCreated(t *testing.T) {
	t.Parallel()
	e := ciSandbox(t)
	// A gateway error after the create was sent: cachelink looks the
	// name up, finds nothing yet, and says the cache may still appear.
	e.AddFault(t, sandbox.FaultRule{Kind: sandbox.FaultError, Status: 504, Count: 1, Method: "POST"})
	r := expectExit(t, e, 5, "create", "polyscale", "--name", "late", "--origin-env", "DATABASE_URL")
	for _, want := range []string{"looking the cache up by name", "may still appear", "cachelink list polyscale"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.Stderr)
		}
	}
	if s := strings.ToLower(r.Stderr); strings.Contains(s, "was created") || strings.Contains(s, "try again.") {
		t.Errorf("stderr claims nothing was created:\n%s", r.Stderr)
	}

	// The answer lost after the cache was made: it is adopted, one cache.
	e.AddFault(t, sandbox.FaultRule{Kind: sandbox.FaultDropAfterCreate, Count: 1})
	r = expectExit(t, e, 0, "create", "polyscale", "--name", "late", "--origin-env", "DATABASE_URL")
	if !strings.Contains(r.Stderr, "adopting") {
		t.Errorf("stderr does not say the cache was adopted:\n%s", r.Stderr)
	}
	if n := len(e.Sandbox.Store.State().Caches); n != 1 {
		t.Errorf("%d caches, want 1", n)
	}
}

func TestACreateAnsweredAfterTheTimeoutIsAdoptedNotRepeated(t *testing.T) {
	t.Parallel()
	e := ciSandbox(t)
	// PolyScale makes the cache at once and answers an hour later; the
	// client gives up after api_timeout. The sandbox's answers take
	// milliseconds, so 1s leaves the other requests room.
	e.Setenv("CACHELINK_API_TIMEOUT", "1s")
	e.AddFault(t, sandbox.FaultRule{Kind: sandbox.FaultLateAnswer, Latency: time.Hour, Count: 1, PathPrefix: "/v1/caches"})
	r := expectExit(t, e, 0, "create", "polyscale", "--name", "slow", "--origin-env", "DATABASE_URL")
	caches := e.Sandbox.Store.State().Caches
	if len(caches) != 1 {
		t.Fatalf("%d caches after a create answered late, want 1", len(caches))
	}
	for _, want := range []string{"the answer to the create was lost", "adopting " + caches[0].ID} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.Stderr)
		}
	}
	if s := strings.ToLower(r.Stderr); strings.Contains(s, "nothing was created") || strings.Contains(s, "no cache") || strings.Contains(s, "try again") {
		t.Errorf("stderr says nothing was created:\n%s", r.Stderr)
	}
	if !strings.Contains(r.Stdout, "application_name="+caches[0].ID) {
		t.Errorf("stdout = %q, want the connection string of the adopted cache", r.Stdout)
	}
}
