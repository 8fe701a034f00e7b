package polyscale_test

// Golden outputs of create, list and get: what a person sees on a terminal
// and what a script sees through a pipe, as text and as JSON. stdout and
// stderr are compared separately with testdata/polyscale/<case>.stdout and
// .stderr at the repository root. After an intended change of output, run
//
//	go test ./internal/cmd/polyscale/ -run TestGolden -update
//
// and review the diff of testdata/polyscale/ like any other change.

import (
	"strings"
	"testing"

	"github.com/cachelink/cachelink/internal/cmdtest"
)

// normalize makes an output deterministic before it is compared: the
// sandbox gives every cache a random UUID and a creation time of now.
// cmdtest.Normalize replaces each cache id by a fixed UUID numbered by the
// cache's place in the sandbox's store (creation order): the first cache
// becomes 00000000-0000-4000-8000-000000000001, and so on; other UUIDs
// (those a test case types itself) are left as they are. Timestamps become
// 2001-02-03T04:05:06Z and the sandbox's address http://sandbox.test.
func normalize(e *cmdtest.Env, s string) string {
	var ids []string
	for _, c := range sandboxCaches(e) {
		ids = append(ids, c.ID)
	}
	return e.Normalize(s, ids...)
}

// goldenFixture is the workspace of most cases: two caches, created in
// this order (so their placeholders are ...0001 and ...0002).
func goldenFixture(t *testing.T, e *cmdtest.Env) {
	t.Helper()
	newCacheViaCLI(t, e, "shop", 5432, "--description", "the shop's catalogue")
	e.MustRun(t, "create", "polyscale", "--name", "orders", "--type", "mysql", "--host", "::1", "--port", "3306", "--no-caching")
}

func TestGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		fixture  bool     // start with goldenFixture's two caches
		terminal bool     // stdout and stderr are a terminal (colour on)
		origin   string   // DATABASE_URL; default pgOrigin
		args     []string // after "cachelink"
		code     int
	}{
		// list
		{name: "list-pipe", fixture: true, args: []string{"list", "polyscale"}},
		{name: "list-tty", fixture: true, terminal: true, args: []string{"list", "polyscale"}},
		{name: "list-json-pipe", fixture: true, args: []string{"list", "polyscale", "-o", "json"}},
		{name: "list-json-tty", fixture: true, terminal: true, args: []string{"list", "polyscale", "-o", "json"}},
		{name: "list-empty-pipe", args: []string{"list", "polyscale"}},
		{name: "list-empty-tty", terminal: true, args: []string{"list", "polyscale"}},
		{name: "list-empty-json-pipe", args: []string{"list", "polyscale", "-o", "json"}},

		// get
		{name: "get-pipe", fixture: true, args: []string{"get", "polyscale", "shop"}},
		{name: "get-tty", fixture: true, terminal: true, args: []string{"get", "polyscale", "orders"}},
		{name: "get-json-pipe", fixture: true, args: []string{"get", "polyscale", "shop", "-o", "json"}},
		{name: "get-json-tty", fixture: true, terminal: true, args: []string{"get", "polyscale", "orders", "-o", "json"}},
		{name: "get-err-missing", fixture: true, args: []string{"get", "polyscale", "nope"}, code: 3},
		{name: "get-err-missing-id", fixture: true, args: []string{"get", "polyscale", "12345678-1234-4234-8234-123456789abc"}, code: 3},

		// create
		{name: "create-origin-pipe", args: []string{"create", "polyscale", "--name", "shop", "--origin-env", "DATABASE_URL"}},
		{name: "create-origin-tty", terminal: true, args: []string{"create", "polyscale", "--name", "shop", "--origin-env", "DATABASE_URL"}},
		{name: "create-origin-argv-warns", args: []string{"create", "polyscale", "--name", "shop", "--origin", pgOrigin}},
		{name: "create-mysql-dsn", origin: "app:" + dbPassword + "@tcp(127.0.0.1:3306)/shop?parseTime=true", args: []string{"create", "polyscale", "--name", "shop", "--origin-env", "DATABASE_URL"}},
		{name: "create-id-pipe", args: []string{"create", "polyscale", "--name", "shop", "--type", "postgres", "--host", "127.0.0.1", "--port", "5432"}},
		{name: "create-id-tty", terminal: true, args: []string{"create", "polyscale", "--name", "shop", "--type", "postgres", "--host", "127.0.0.1", "--port", "5432"}},
		{name: "create-json-pipe", args: []string{"create", "polyscale", "--name", "shop", "--origin-env", "DATABASE_URL", "-o", "json"}},
		{name: "create-json-tty", terminal: true, args: []string{"create", "polyscale", "--name", "shop", "--origin-env", "DATABASE_URL", "-o", "json"}},
		{name: "create-if-not-exists-existing-json", fixture: true, origin: "postgres://app:" + dbPassword + "@127.0.0.1:5432/shop",
			args: []string{"create", "polyscale", "--name", "shop", "--origin-env", "DATABASE_URL", "--if-not-exists", "-o", "json"}},
		{name: "create-err-if-not-exists-other-origin", fixture: true,
			args: []string{"create", "polyscale", "--name", "shop", "--origin-env", "DATABASE_URL", "--if-not-exists"}, code: 2},
		{name: "create-err-unparsable-origin", origin: "postgres://app:" + dbPassword + "@localhost:99999/shop",
			args: []string{"create", "polyscale", "--name", "shop", "--origin-env", "DATABASE_URL"}, code: 2},
		{name: "create-err-host-does-not-resolve",
			args: []string{"create", "polyscale", "--name", "shop", "--type", "postgres", "--host", "db.cachelink-test.invalid", "--port", "5432"}, code: 2},
		{name: "create-err-name-is-an-id",
			args: []string{"create", "polyscale", "--name", "12345678-1234-4234-8234-123456789abc", "--origin-env", "DATABASE_URL"}, code: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := ciSandbox(t)
			// Colour follows the terminal: make it independent of the
			// environment the tests run in.
			e.FixColour()
			if tt.origin != "" {
				e.Setenv("DATABASE_URL", tt.origin)
			}
			if tt.fixture {
				goldenFixture(t, e)
			}
			r := e.RunWith(cmdtest.RunOptions{StdoutTTY: tt.terminal, StderrTTY: tt.terminal}, tt.args...)
			checkExit(t, r, tt.code, tt.args)
			cmdtest.AssertGolden(t, "polyscale/"+tt.name, r, func(s string) string { return normalize(e, s) })
		})
	}
}

// The placeholders must not hide a difference between two caches: the
// fixture's ids are distinct and each is replaced by its own placeholder.
func TestGoldenNormalizationKeepsCachesApart(t *testing.T) {
	t.Parallel()
	e := ciSandbox(t)
	goldenFixture(t, e)
	cs := sandboxCaches(e)
	const typed = "12345678-1234-4234-8234-123456789abc"
	in := cs[1].ID + " " + cs[0].ID + " " + strings.ToUpper(cs[0].ID) + " " + typed + " " + cs[0].CreatedAt + " " + e.Server.URL + "/v1"
	want := "00000000-0000-4000-8000-000000000002 00000000-0000-4000-8000-000000000001 00000000-0000-4000-8000-000000000001 " + typed + " 2001-02-03T04:05:06Z http://sandbox.test/v1"
	if got := normalize(e, in); got != want {
		t.Errorf("normalize(%q)\n= %q\nwant %q", in, got, want)
	}
}
