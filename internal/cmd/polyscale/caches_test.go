package polyscale_test

// These tests run the PolyScale cache commands (create, list, get, delete,
// purge) in-process against the sandbox, the way a user or a CI job runs
// them, and read as the specification of what each command does: what goes
// to stdout, what goes to stderr, the exit code, and what happened at
// "PolyScale" (the sandbox's store, counters and the requests it saw).

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cachelink/cachelink/internal/cmdtest"
	"github.com/cachelink/cachelink/internal/sandbox"
)

const (
	// ciKey is the workspace API key of CI mode (POLYSCALE_API_KEY).
	ciKey = "ci-key"
	// dbPassword is the origin database's password: it may appear in a
	// connection string on stdout, never on stderr.
	dbPassword = "s3cret-SENTINEL-pw"
	// pgOrigin is an origin whose host resolves without a network
	// (/etc/hosts), so the DNS check passes.
	pgOrigin = "postgres://app:" + dbPassword + "@localhost:5432/shop"
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// ciSandbox is a sandbox that accepts the API key ciKey, with
// POLYSCALE_API_KEY set to it: CI mode, no login and no keychain.
func ciSandbox(t *testing.T) *cmdtest.Env {
	t.Helper()
	e := cmdtest.New(t, cmdtest.Options{Sandbox: sandbox.Options{PolyScaleAPIKey: ciKey}})
	e.Setenv("DATABASE_URL", pgOrigin)
	return e
}

// expectExit runs cachelink and checks the run (see checkExit).
func expectExit(t *testing.T, e *cmdtest.Env, code int, args ...string) cmdtest.Result {
	t.Helper()
	return checkExit(t, e.Run(args...), code, args)
}

// checkExit checks the exit code, that a failure writes nothing to stdout
// and prints its error once (cmdtest.CheckExit), and that the origin
// password never reaches stderr.
func checkExit(t *testing.T, r cmdtest.Result, code int, args []string) cmdtest.Result {
	t.Helper()
	cmdtest.CheckExit(t, r, code, args)
	cmdtest.CheckNoSecrets(t, r, []string{dbPassword})
	return r
}

// newCacheViaCLI creates a cache for a postgres origin on 127.0.0.1:port
// with --type/--host/--port and returns its id (what stdout carries).
func newCacheViaCLI(t *testing.T, e *cmdtest.Env, name string, port int, extra ...string) string {
	t.Helper()
	args := append([]string{"create", "polyscale", "--name", name, "--type", "postgres", "--host", "127.0.0.1", "--port", strconv.Itoa(port)}, extra...)
	r := e.MustRun(t, args...)
	id := strings.TrimSuffix(r.Stdout, "\n")
	if !uuidRE.MatchString(id) {
		t.Fatalf("create printed %q, want a cache id", r.Stdout)
	}
	return id
}

// createCount is how many caches PolyScale (the sandbox) has created.
func createCount(e *cmdtest.Env) int64 { return e.Sandbox.Counters.Creates.Load() }

// sandboxCaches is what PolyScale (the sandbox) holds.
func sandboxCaches(e *cmdtest.Env) []sandbox.Cache { return e.Sandbox.Store.State().Caches }

// ---------------------------------------------------------------------------
// create

func TestCreateWithOriginPrintsTheRewrittenConnectionStringAndNothingElse(t *testing.T) {
	t.Parallel()
	e := ciSandbox(t)
	r := e.MustRun(t, "create", "polyscale", "--name", "shop", "--origin-env", "DATABASE_URL")

	cs := sandboxCaches(e)
	if len(cs) != 1 {
		t.Fatalf("caches at PolyScale = %d, want 1", len(cs))
	}
	c := cs[0]
	if c.Name != "shop" || c.Database != "postgres" || c.Host != "localhost" || c.Port != 5432 || !c.CachingEnabled || c.DefaultCachingBehaviour != "autoCached" {
		t.Errorf("created cache = %+v, want shop for postgres localhost:5432, caching on (autoCached)", c)
	}
	// X=$(cachelink create polyscale ...) captures exactly one line: the
	// origin with the edge host and the cache id; the password stays.
	want := "postgres://app:" + dbPassword + "@psedge.global:5432/shop?sslmode=require&application_name=" + c.ID + "\n"
	if r.Stdout != want {
		t.Errorf("stdout = %q\nwant     %q", r.Stdout, want)
	}
	if !strings.Contains(r.Stderr, "✓ Created PolyScale cache shop ("+c.ID+")") {
		t.Errorf("stderr lacks the success line:\n%s", r.Stderr)
	}
	if strings.Contains(r.Stderr, dbPassword) {
		t.Errorf("the password reached stderr:\n%s", r.Stderr)
	}
}

func TestCreateWithTypeHostPortPrintsTheCacheID(t *testing.T) {
	t.Parallel()
	e := ciSandbox(t)
	r := e.MustRun(t, "create", "polyscale", "--name", "orders", "--type", "mysql", "--host", "127.0.0.1", "--port", "3306",
		"--description", "orders database", "--no-caching")
	cs := sandboxCaches(e)
	if len(cs) != 1 {
		t.Fatalf("caches at PolyScale = %d, want 1", len(cs))
	}
	if r.Stdout != cs[0].ID+"\n" {
		t.Errorf("stdout = %q, want the cache id %s and a newline", r.Stdout, cs[0].ID)
	}
	c := cs[0]
	if c.Database != "mysql" || c.Host != "127.0.0.1" || c.Port != 3306 || c.CachingEnabled || c.Description == nil || *c.Description != "orders database" {
		t.Errorf("created cache = %+v", c)
	}
}

// createJSON is the contract's -o json of create.
type createJSON struct {
	ID               string  `json:"id"`
	Name             string  `json:"name"`
	Type             string  `json:"type"`
	Host             string  `json:"host"`
	Port             int     `json:"port"`
	Caching          *bool   `json:"caching"`
	ConnectionString string  `json:"connection_string"`
	Existed          bool    `json:"existed"`
	Description      *string `json:"description"`
}

func TestCreateJSONHasTheContractKeys(t *testing.T) {
	t.Parallel()
	e := ciSandbox(t)
	r := e.MustRun(t, "create", "polyscale", "--name", "shop", "--origin-env", "DATABASE_URL", "-o", "json")
	got := cmdtest.DecodePipedJSON[createJSON](t, r.Stdout)

	var keys map[string]any
	_ = json.Unmarshal([]byte(r.Stdout), &keys)
	for _, k := range []string{"id", "name", "type", "host", "port", "caching", "connection_string"} {
		if _, ok := keys[k]; !ok {
			t.Errorf("-o json lacks %q: %s", k, r.Stdout)
		}
	}
	if _, ok := keys["existed"]; ok {
		t.Errorf("a new cache should not say existed: %s", r.Stdout)
	}
	id := sandboxCaches(e)[0].ID
	if got.ID != id || got.Name != "shop" || got.Type != "postgres" || got.Host != "localhost" || got.Port != 5432 || got.Caching == nil || !*got.Caching {
		t.Errorf("-o json = %+v", got)
	}
	// -o json prints secrets, because that is what it is asked for.
	if want := "postgres://app:" + dbPassword + "@psedge.global:5432/shop?sslmode=require&application_name=" + id; got.ConnectionString != want {
		t.Errorf("connection_string = %q, want %q", got.ConnectionString, want)
	}

	// Without an origin there is no connection string to give.
	r = e.MustRun(t, "create", "polyscale", "--name", "plain", "--type", "postgres", "--host", "127.0.0.1", "--port", "5432", "-o", "json")
	if strings.Contains(r.Stdout, "connection_string") {
		t.Errorf("no origin, yet -o json has a connection_string: %s", r.Stdout)
	}
}

func TestCreateReadsTheOriginFromStdin(t *testing.T) {
	t.Parallel()
	e := ciSandbox(t)
	r := e.RunWith(cmdtest.RunOptions{Stdin: "mysql://app:" + dbPassword + "@127.0.0.1:3306/shop\n"},
		"create", "polyscale", "--name", "shop", "--origin", "-")
	checkExit(t, r, 0, nil)
	id := sandboxCaches(e)[0].ID
	if want := "mysql://" + id + "-app:" + dbPassword + "@psedge.global:3306/shop\n"; r.Stdout != want {
		t.Errorf("stdout = %q, want %q", r.Stdout, want)
	}
}

// ---------------------------------------------------------------------------
// create: everything is checked before the first request

func TestCreateRefusesBadInputBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		args   []string
		origin string // DATABASE_URL
		stderr string // a part of the message
	}{
		{"blank name", []string{"--name", "  ", "--origin-env", "DATABASE_URL"}, pgOrigin, "--name is required and must not be blank"},
		{"no name", []string{"--origin-env", "DATABASE_URL"}, pgOrigin, "--name is required"},
		{"name that is a cache id", []string{"--name", "11111111-2222-4333-8444-555555555555", "--origin-env", "DATABASE_URL"}, pgOrigin, "looks like a cache id"},
		{"name with a control character", []string{"--name", "sh\top", "--origin-env", "DATABASE_URL"}, pgOrigin, "control character"},
		{"name longer than 255", []string{"--name", strings.Repeat("n", 256), "--origin-env", "DATABASE_URL"}, pgOrigin, "longer than 255"},
		{"port 0", []string{"--name", "shop", "--type", "postgres", "--host", "127.0.0.1", "--port", "0"}, "", "--port"},
		{"port 70000", []string{"--name", "shop", "--type", "postgres", "--host", "127.0.0.1", "--port", "70000"}, "", "--port 70000 is not a port number (1-65535)"},
		{"port not a number", []string{"--name", "shop", "--type", "postgres", "--host", "127.0.0.1", "--port", "abc"}, "", `invalid argument "abc" for "--port"`},
		{"unknown type", []string{"--name", "shop", "--type", "oracle", "--host", "127.0.0.1", "--port", "1521"}, "", "oracle"},
		{"graphql is not an origin cachelink rewrites", []string{"--name", "shop", "--type", "graphql", "--host", "127.0.0.1", "--port", "443"}, "", "graphql"},
		{"missing host", []string{"--name", "shop", "--type", "postgres", "--port", "5432"}, "", "missing --host"},
		{"host that is a URL", []string{"--name", "shop", "--type", "postgres", "--host", "db.example.com/x", "--port", "5432"}, "", "is not a host name or address"},
		{"origin and --host", []string{"--name", "shop", "--origin-env", "DATABASE_URL", "--host", "127.0.0.1"}, pgOrigin, "--host and --port come from the origin"},
		{"origin and --port", []string{"--name", "shop", "--origin-env", "DATABASE_URL", "--port", "5432"}, pgOrigin, "--host and --port come from the origin"},
		{"origin and a --type it contradicts", []string{"--name", "shop", "--origin-env", "DATABASE_URL", "--type", "mysql"}, pgOrigin, "cannot change the database type from postgres"},
		{"both origin flags", []string{"--name", "shop", "--origin-env", "DATABASE_URL", "--origin", "-"}, pgOrigin, "cannot be used together"},
		{"origin variable unset", []string{"--name", "shop", "--origin-env", "NOT_SET_ANYWHERE"}, pgOrigin, "NOT_SET_ANYWHERE is not set"},
		{"unparsable origin", []string{"--name", "shop", "--origin-env", "DATABASE_URL"}, "postgres://app:" + dbPassword + "@localhost:99999/shop", `port: "99999" is not a number from 1 to 65535`},
		{"origin of an unknown scheme", []string{"--name", "shop", "--origin-env", "DATABASE_URL"}, "oracle://app:" + dbPassword + "@localhost/shop", `"oracle" is not supported`},
		{"host that does not resolve", []string{"--name", "shop", "--type", "postgres", "--host", "db.cachelink-test.invalid", "--port", "5432"}, "", "the origin host db.cachelink-test.invalid does not resolve"},
		{"origin host that does not resolve", []string{"--name", "shop", "--origin-env", "DATABASE_URL"}, "postgres://app:" + dbPassword + "@db.cachelink-test.invalid/shop", "--skip-dns-check"},
		{"an argument", []string{"--name", "shop", pgOrigin}, "", "takes no arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := ciSandbox(t)
			e.Setenv("DATABASE_URL", tt.origin)
			requests := e.CountRequests(t, "", "")
			args := append([]string{"create", "polyscale"}, tt.args...)
			r := expectExit(t, e, 2, args...)
			if !strings.Contains(r.Stderr, tt.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderr, r.Stderr)
			}
			if n := requests(); n != 0 {
				t.Errorf("%d requests reached PolyScale; invalid input must be refused before the first", n)
			}
			if n := e.Sandbox.Counters.Creates.Load(); n != 0 {
				t.Errorf("creates = %d, want 0", n)
			}
		})
	}
}

func TestCreateSkipDNSCheckLetsAPrivateHostThrough(t *testing.T) {
	t.Parallel()
	e := ciSandbox(t)
	r := e.MustRun(t, "create", "polyscale", "--name", "private", "--type", "postgres", "--host", "db.cachelink-test.invalid", "--port", "5432", "--skip-dns-check")
	cs := sandboxCaches(e)
	if len(cs) != 1 || cs[0].Host != "db.cachelink-test.invalid" || r.Stdout != cs[0].ID+"\n" {
		t.Errorf("caches = %+v, stdout %q", cs, r.Stdout)
	}
}

// ---------------------------------------------------------------------------
// create --if-not-exists

func TestCreateIfNotExistsReturnsTheCacheOfTheSameOrigin(t *testing.T) {
	t.Parallel()
	e := ciSandbox(t)
	first := cmdtest.DecodePipedJSON[createJSON](t, e.MustRun(t, "create", "polyscale", "--name", "shop", "--origin-env", "DATABASE_URL", "--if-not-exists", "-o", "json").Stdout)
	if first.Existed {
		t.Errorf("the first run created the cache, yet says existed: %+v", first)
	}

	r := e.MustRun(t, "create", "polyscale", "--name", "shop", "--origin-env", "DATABASE_URL", "--if-not-exists", "-o", "json")
	again := cmdtest.DecodePipedJSON[createJSON](t, r.Stdout)
	if again.ID != first.ID || !again.Existed || again.ConnectionString != first.ConnectionString {
		t.Errorf("second run = %+v, want the same id %s with \"existed\": true", again, first.ID)
	}
	if !strings.Contains(r.Stderr, "Using the existing PolyScale cache shop ("+first.ID+")") {
		t.Errorf("stderr does not say the cache existed:\n%s", r.Stderr)
	}
	if n := e.Sandbox.Counters.Creates.Load(); n != 1 {
		t.Errorf("creates = %d, want 1: --if-not-exists must not create a second", n)
	}

	// Text output: the same connection string as the first time.
	r = e.MustRun(t, "create", "polyscale", "--name", "shop", "--origin-env", "DATABASE_URL", "--if-not-exists")
	if r.Stdout != first.ConnectionString+"\n" {
		t.Errorf("stdout = %q, want %q", r.Stdout, first.ConnectionString+"\n")
	}
	if len(sandboxCaches(e)) != 1 {
		t.Errorf("caches = %d, want 1", len(sandboxCaches(e)))
	}
}

func TestCreateIfNotExistsRefusesANameUsedForAnotherOrigin(t *testing.T) {
	t.Parallel()
	e := ciSandbox(t)
	id := newCacheViaCLI(t, e, "shop", 6543)
	creates := e.CountRequests(t, "POST", "/v1/caches")

	r := expectExit(t, e, 2, "create", "polyscale", "--name", "shop", "--origin-env", "DATABASE_URL", "--if-not-exists")
	for _, want := range []string{`a PolyScale cache named "shop" exists for another origin`, "127.0.0.1:6543", id, "Choose another --name"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.Stderr)
		}
	}
	if n := creates(); n != 0 {
		t.Errorf("%d creates were sent, want none", n)
	}
	if len(sandboxCaches(e)) != 1 {
		t.Errorf("caches = %d, want 1", len(sandboxCaches(e)))
	}
}

// ---------------------------------------------------------------------------
// list

func TestListInThreeForms(t *testing.T) {
	t.Parallel()
	e := ciSandbox(t)
	a := newCacheViaCLI(t, e, "shop", 5432)
	b := newCacheViaCLI(t, e, "orders", 6432, "--no-caching")

	t.Run("piped: tab-separated, no header", func(t *testing.T) {
		r := e.MustRun(t, "list", "polyscale")
		want := a + "\tshop\tpostgres\t127.0.0.1\t5432\ton\n" +
			b + "\torders\tpostgres\t127.0.0.1\t6432\toff\n"
		if r.Stdout != want {
			t.Errorf("stdout = %q\nwant     %q", r.Stdout, want)
		}
		if r.Stderr != "" {
			t.Errorf("stderr = %q, want nothing", r.Stderr)
		}
	})
	t.Run("terminal: a table with a header", func(t *testing.T) {
		r := e.RunOnTerminal("list", "polyscale")
		checkExit(t, r, 0, nil)
		lines := strings.Split(strings.TrimSuffix(r.Stdout, "\n"), "\n")
		if len(lines) != 3 {
			t.Fatalf("want a header and two rows:\n%s", r.Stdout)
		}
		for i, fields := range [][]string{
			{"ID", "NAME", "TYPE", "HOST", "PORT", "CACHING"},
			{a, "shop", "postgres", "127.0.0.1", "5432", "on"},
			{b, "orders", "postgres", "127.0.0.1", "6432", "off"},
		} {
			if got := strings.Fields(lines[i]); strings.Join(got, "|") != strings.Join(fields, "|") {
				t.Errorf("line %d = %q, want the columns %v", i, lines[i], fields)
			}
			if strings.Contains(lines[i], "\t") {
				t.Errorf("line %d is aligned with tabs, want spaces: %q", i, lines[i])
			}
		}
		// The columns line up.
		if strings.Index(lines[0], "NAME") != strings.Index(lines[1], "shop") || strings.Index(lines[0], "CACHING") != strings.Index(lines[2], "off") {
			t.Errorf("columns are not aligned:\n%s", r.Stdout)
		}
	})
	t.Run("json: an array with the contract keys", func(t *testing.T) {
		r := e.MustRun(t, "list", "polyscale", "-o", "json")
		var got []map[string]any
		if err := json.Unmarshal([]byte(r.Stdout), &got); err != nil {
			t.Fatalf("%v\n%s", err, r.Stdout)
		}
		if len(got) != 2 || got[0]["id"] != a || got[1]["id"] != b || got[1]["caching"] != false || got[0]["port"] != float64(5432) || got[0]["type"] != "postgres" {
			t.Errorf("-o json = %s", r.Stdout)
		}
		if strings.Count(strings.TrimSpace(r.Stdout), "\n") != 0 {
			t.Errorf("piped JSON should be one line: %s", r.Stdout)
		}
	})
}

func TestListWithNoCaches(t *testing.T) {
	t.Parallel()
	e := ciSandbox(t)

	r := e.MustRun(t, "list", "polyscale")
	if r.Stdout != "" || r.Stderr != "" {
		t.Errorf("piped, no caches: stdout %q, stderr %q; want both empty", r.Stdout, r.Stderr)
	}
	r = e.RunOnTerminal("list", "polyscale")
	checkExit(t, r, 0, nil)
	if r.Stdout != "" || !strings.Contains(r.Stderr, "No caches yet") || !strings.Contains(r.Stderr, "cachelink create polyscale") {
		t.Errorf("terminal, no caches: stdout %q, stderr %q; want a hint on stderr only", r.Stdout, r.Stderr)
	}
	r = e.MustRun(t, "list", "polyscale", "-o", "json")
	if r.Stdout != "[]\n" {
		t.Errorf("-o json with no caches = %q, want []", r.Stdout)
	}
}

// ---------------------------------------------------------------------------
// get

func TestGetByIDAndByName(t *testing.T) {
	t.Parallel()
	e := ciSandbox(t)
	id := newCacheViaCLI(t, e, "shop", 5432, "--description", "the shop")
	c := sandboxCaches(e)[0]

	byID := e.MustRun(t, "get", "polyscale", id)
	byName := e.MustRun(t, "get", "polyscale", "shop")
	if byID.Stdout != byName.Stdout {
		t.Errorf("by id and by name differ:\n%s\n---\n%s", byID.Stdout, byName.Stdout)
	}
	tmpl := "postgres://[USERNAME]:[PASSWORD]@psedge.global:5432/[DATABASE]?application_name=" + id
	if c.ConnectionURITemplate != tmpl {
		t.Errorf("sandbox connectionUriTemplate = %q, want %q", c.ConnectionURITemplate, tmpl)
	}
	// The labels are the JSON keys.
	want := "id:                        " + id + "\n" +
		"name:                      shop\n" +
		"description:               the shop\n" +
		"type:                      postgres\n" +
		"host:                      127.0.0.1\n" +
		"port:                      5432\n" +
		"caching:                   on\n" +
		"default_caching_behaviour: autoCached\n" +
		"created_at:                " + c.CreatedAt + "\n" +
		"connection_uri_template:   " + tmpl + "\n"
	if byID.Stdout != want {
		t.Errorf("stdout = %q\nwant     %q", byID.Stdout, want)
	}

	js := e.MustRun(t, "get", "polyscale", "shop", "-o", "json")
	var got map[string]any
	if err := json.Unmarshal([]byte(js.Stdout), &got); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]any{"id": id, "name": "shop", "description": "the shop", "type": "postgres", "host": "127.0.0.1",
		"port": float64(5432), "caching": true, "default_caching_behaviour": "autoCached", "created_at": c.CreatedAt,
		"connection_uri_template": tmpl} {
		if got[k] != v {
			t.Errorf("-o json %s = %v, want %v", k, got[k], v)
		}
	}
}

func TestGetANameTwoCachesShareExits2ListingBoth(t *testing.T) {
	t.Parallel()
	e := ciSandbox(t)
	a := newCacheViaCLI(t, e, "shop", 5432)
	b := newCacheViaCLI(t, e, "shop", 6432, "--allow-duplicate")

	r := expectExit(t, e, 2, "get", "polyscale", "shop")
	if !strings.Contains(r.Stderr, `2 PolyScale caches are named "shop": `+a+", "+b) || !strings.Contains(r.Stderr, "Use the cache id") {
		t.Errorf("stderr should list both ids and say to use one:\n%s", r.Stderr)
	}
	// Either id picks one.
	if r := e.MustRun(t, "get", "polyscale", b); !strings.Contains(r.Stdout, "port:                      6432") {
		t.Errorf("get by id = %q", r.Stdout)
	}
}

func TestMissingCacheExits3(t *testing.T) {
	t.Parallel()
	const missingID = "11111111-2222-4333-8444-555555555555"
	for _, args := range [][]string{
		{"get", "polyscale", missingID},
		{"get", "polyscale", "nope"},
		{"delete", "polyscale", missingID, "--yes"},
		{"delete", "polyscale", "nope", "--yes"},
		{"purge", missingID},
		{"purge", "nope"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			e := ciSandbox(t)
			newCacheViaCLI(t, e, "shop", 5432)
			r := expectExit(t, e, 3, args...)
			if !strings.Contains(r.Stderr, "no PolyScale cache") || !strings.Contains(r.Stderr, "cachelink list polyscale") {
				t.Errorf("stderr should say there is no such cache and how to see them:\n%s", r.Stderr)
			}
			if len(sandboxCaches(e)) != 1 {
				t.Error("the other cache is gone")
			}
		})
	}
}

// ---------------------------------------------------------------------------
// delete

func TestDeleteWithYes(t *testing.T) {
	t.Parallel()
	e := ciSandbox(t)
	keep := newCacheViaCLI(t, e, "keep", 5432)
	id := newCacheViaCLI(t, e, "shop", 6432)

	r := e.MustRun(t, "delete", "polyscale", "shop", "--yes")
	if r.Stdout != "" {
		t.Errorf("stdout = %q, want nothing", r.Stdout)
	}
	if !strings.Contains(r.Stderr, "✓ Deleted the PolyScale cache shop ("+id+")") {
		t.Errorf("stderr = %q", r.Stderr)
	}
	if cs := sandboxCaches(e); len(cs) != 1 || cs[0].ID != keep {
		t.Errorf("caches = %+v, want only %s", cs, keep)
	}
	// By id, with -y.
	e.MustRun(t, "delete", "polyscale", keep, "-y")
	if cs := sandboxCaches(e); len(cs) != 0 {
		t.Errorf("caches = %+v, want none", cs)
	}
}

func TestDeleteOnATerminalAsksForTheName(t *testing.T) {
	t.Parallel()
	e := ciSandbox(t)
	id := newCacheViaCLI(t, e, "shop", 5432)

	// A wrong name deletes nothing.
	r := e.RunWith(cmdtest.RunOptions{StdinTTY: true, Stdin: "shpo\n"}, "delete", "polyscale", id)
	checkExit(t, r, 1, nil)
	if !strings.Contains(r.Stderr, "Type its name to confirm: ") || !strings.Contains(r.Stderr, "nothing was deleted") {
		t.Errorf("stderr = %q", r.Stderr)
	}
	if len(sandboxCaches(e)) != 1 {
		t.Fatal("a wrong name deleted the cache")
	}

	// The right name deletes it.
	r = e.RunWith(cmdtest.RunOptions{StdinTTY: true, Stdin: "shop\n"}, "delete", "polyscale", id)
	checkExit(t, r, 0, nil)
	for _, want := range []string{"Delete the PolyScale cache shop (" + id + ", 127.0.0.1:5432)?", "Type its name to confirm: ", "✓ Deleted the PolyScale cache shop"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.Stderr)
		}
	}
	if len(sandboxCaches(e)) != 0 {
		t.Error("the cache was not deleted")
	}
}

func TestDeleteWithoutYesOrTerminalDeletesNothing(t *testing.T) {
	t.Parallel()
	e := ciSandbox(t)
	newCacheViaCLI(t, e, "shop", 5432)
	deletes := e.CountRequests(t, "DELETE", "")

	// Piped stdin: nobody to ask.
	r := e.RunWith(cmdtest.RunOptions{Stdin: "shop\n"}, "delete", "polyscale", "shop")
	checkExit(t, r, 2, nil)
	if !strings.Contains(r.Stderr, "needs confirmation") || !strings.Contains(r.Stderr, "--yes") {
		t.Errorf("stderr = %q", r.Stderr)
	}
	// A terminal, but --no-input forbids asking.
	r = e.RunWith(cmdtest.RunOptions{StdinTTY: true, Stdin: "shop\n"}, "delete", "polyscale", "shop", "--no-input")
	checkExit(t, r, 2, nil)

	if n := deletes(); n != 0 {
		t.Errorf("%d DELETE requests were sent, want none", n)
	}
	if len(sandboxCaches(e)) != 1 {
		t.Error("the cache was deleted")
	}
}

// ---------------------------------------------------------------------------
// purge

func TestPurge(t *testing.T) {
	t.Parallel()
	e := ciSandbox(t)
	id := newCacheViaCLI(t, e, "shop", 5432)
	purges := e.CountRequests(t, "PUT", "/v1/caches/"+id+"/purge")

	r := e.MustRun(t, "purge", "shop")
	if r.Stdout != "" || !strings.Contains(r.Stderr, "✓ Purged the PolyScale cache shop ("+id+")") {
		t.Errorf("stdout %q, stderr %q", r.Stdout, r.Stderr)
	}
	r = e.MustRun(t, "purge", id, "-o", "json")
	if want := `{"id":"` + id + `","name":"shop","purged":true,"provider":"polyscale","kind":"cache"}` + "\n"; r.Stdout != want {
		t.Errorf("-o json = %q, want %q", r.Stdout, want)
	}
	if n := purges(); n != 2 {
		t.Errorf("purge requests = %d, want 2", n)
	}
	if len(sandboxCaches(e)) != 1 {
		t.Error("purge removed the cache")
	}
}

// ---------------------------------------------------------------------------
// credentials: CI mode and a stored login

func TestCIModeNeverTouchesTheKeychain(t *testing.T) {
	t.Parallel()
	e := ciSandbox(t)
	e.MustRun(t, "create", "polyscale", "--name", "shop", "--origin-env", "DATABASE_URL")
	e.MustRun(t, "create", "polyscale", "--name", "shop", "--origin-env", "DATABASE_URL", "--if-not-exists", "-o", "json")
	e.MustRun(t, "list", "polyscale")
	e.MustRun(t, "list", "polyscale", "-o", "json")
	e.MustRun(t, "get", "polyscale", "shop")
	e.MustRun(t, "purge", "shop")
	e.MustRun(t, "delete", "polyscale", "shop", "--yes")
	expectExit(t, e, 3, "get", "polyscale", "shop")
	if n := e.Keyring.Calls.Load(); n != 0 {
		t.Errorf("keychain calls = %d, want 0 with %s set", n, "POLYSCALE_API_KEY")
	}
}

func TestAStoredLoginWorksWithoutAnAPIKey(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	e.Setenv("DATABASE_URL", pgOrigin)
	e.MustRun(t, "connect", "polyscale")

	r := e.MustRun(t, "create", "polyscale", "--name", "shop", "--origin-env", "DATABASE_URL")
	cs := sandboxCaches(e)
	if len(cs) != 1 || !strings.Contains(r.Stdout, "application_name="+cs[0].ID) {
		t.Fatalf("caches %+v, stdout %q", cs, r.Stdout)
	}
	if cs[0].WorkspaceID == "" {
		t.Error("the cache belongs to no workspace")
	}
	e.MustRun(t, "get", "polyscale", "shop")
	e.MustRun(t, "delete", "polyscale", "shop", "--yes")
	if e.Keyring.Calls.Load() == 0 {
		t.Error("a stored login was used without reading the keychain")
	}
}

func TestNotConnectedExits4(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	r := expectExit(t, e, 4, "list", "polyscale")
	if !strings.Contains(r.Stderr, "cachelink connect polyscale") || !strings.Contains(r.Stderr, "POLYSCALE_API_KEY") {
		t.Errorf("stderr should name the login and the env var:\n%s", r.Stderr)
	}
}

// ---------------------------------------------------------------------------
// PolyScale's errors and their exit codes

func TestAWrongAPIKeyExits4WithoutPrintingIt(t *testing.T) {
	t.Parallel()
	const wrongKey = "wrong-key-SENTINEL-5d1e"
	e := ciSandbox(t)
	e.Setenv("POLYSCALE_API_KEY", wrongKey)
	for _, args := range [][]string{
		{"list", "polyscale"},
		{"get", "polyscale", "shop"},
		{"create", "polyscale", "--name", "shop", "--origin-env", "DATABASE_URL"},
		{"purge", "shop"},
		{"delete", "polyscale", "shop", "--yes"},
		{"list", "polyscale", "--debug"},
	} {
		r := expectExit(t, e, 4, args...)
		if !strings.Contains(r.Stderr, "POLYSCALE_API_KEY") {
			t.Errorf("%v: stderr should name POLYSCALE_API_KEY:\n%s", args, r.Stderr)
		}
		if strings.Contains(r.Stderr, wrongKey) {
			t.Errorf("%v: stderr shows the key:\n%s", args, r.Stderr)
		}
	}
	if n := e.Sandbox.Counters.Creates.Load(); n != 0 {
		t.Errorf("creates = %d, want 0", n)
	}
	if n := e.Keyring.Calls.Load(); n != 0 {
		t.Errorf("keychain calls = %d: a rejected env key must not fall back to the keychain", n)
	}
}

func TestALoginWithoutCachesWriteExits4NamingTheScope(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	e.Setenv("DATABASE_URL", pgOrigin)
	e.MustRun(t, "connect", "polyscale", "--scopes", "caches:read")

	// Reading works.
	e.MustRun(t, "list", "polyscale")

	r := expectExit(t, e, 4, "create", "polyscale", "--name", "shop", "--origin-env", "DATABASE_URL")
	if !strings.Contains(r.Stderr, "caches:write") || !strings.Contains(r.Stderr, "cachelink connect polyscale --scopes") {
		t.Errorf("stderr should name caches:write and how to get it:\n%s", r.Stderr)
	}
	if n := e.Sandbox.Counters.Creates.Load(); n != 0 {
		t.Errorf("creates = %d, want 0", n)
	}
}

func TestPersistent5xxExits5AfterBoundedRetries(t *testing.T) {
	t.Parallel()
	e := ciSandbox(t)
	id := newCacheViaCLI(t, e, "shop", 5432)
	failing := func() {
		e.Sandbox.Faults.Clear()
		e.AddFault(t, sandbox.FaultRule{Kind: sandbox.FaultError, Status: 503, Rate: 1}) // until cleared
	}
	expect5 := func(args ...string) {
		t.Helper()
		r := expectExit(t, e, 5, args...)
		if !strings.Contains(r.Stderr, "PolyScale answered 503") || !strings.Contains(r.Stderr, "try again later") {
			t.Errorf("%v: stderr = %q", args, r.Stderr)
		}
	}

	// A read is sent 4 times in all (the first and 3 retries), then given up.
	for _, args := range [][]string{{"list", "polyscale"}, {"get", "polyscale", id}, {"get", "polyscale", "shop"}} {
		failing()
		gets := e.CountRequests(t, "GET", "/v1/caches")
		expect5(args...)
		if n := gets(); n != 4 {
			t.Errorf("%v: %d attempts, want 4", args, n)
		}
	}
	// So are a purge (PUT) and a delete, after finding the cache.
	for _, tc := range []struct {
		method string
		args   []string
	}{
		{"PUT", []string{"purge", id}},
		{"DELETE", []string{"delete", "polyscale", id, "--yes"}},
	} {
		e.Sandbox.Faults.Clear()
		e.AddFault(t, sandbox.FaultRule{Kind: sandbox.FaultError, Status: 503, Rate: 1, Method: tc.method})
		writes := e.CountRequests(t, tc.method, "/v1/caches")
		expect5(tc.args...)
		if n := writes(); n != 4 {
			t.Errorf("%v: %d attempts, want 4", tc.args, n)
		}
	}
	// A create first lists the caches of that name (4 failed attempts);
	// unable to tell what exists, it sends no POST at all.
	failing()
	gets, posts := e.CountRequests(t, "GET", "/v1/caches"), e.CountRequests(t, "POST", "/v1/caches")
	expect5("create", "polyscale", "--name", "new", "--origin-env", "DATABASE_URL")
	if g, p := gets(), posts(); g != 4 || p != 0 {
		t.Errorf("create: %d GETs and %d POSTs, want 4 and 0", g, p)
	}

	if n := createCount(e); n != 1 {
		t.Errorf("creates = %d, want only the first", n)
	}
	if len(sandboxCaches(e)) != 1 {
		t.Error("the cache is gone")
	}
}

// ---------------------------------------------------------------------------
// retries: what is safe to resend, and a create whose answer was lost

func TestListSurvivesTwo503s(t *testing.T) {
	t.Parallel()
	e := ciSandbox(t)
	id := newCacheViaCLI(t, e, "shop", 5432)
	gets := e.CountRequests(t, "GET", "/v1/caches")
	e.AddFault(t, sandbox.FaultRule{Kind: sandbox.FaultError, Status: 503, Count: 2, Method: "GET"})

	r := e.MustRun(t, "list", "polyscale")
	if !strings.HasPrefix(r.Stdout, id+"\tshop\t") {
		t.Errorf("stdout = %q", r.Stdout)
	}
	if n := gets(); n != 3 {
		t.Errorf("GET requests = %d, want 3 (two 503s, then the answer)", n)
	}
}

func TestCreateWaitsOutA429AndCreatesOnce(t *testing.T) {
	t.Parallel()
	e := ciSandbox(t)
	posts := e.CountRequests(t, "POST", "/v1/caches")
	e.AddFault(t, sandbox.FaultRule{Kind: sandbox.Fault429, RetryAfter: "1", Count: 1, Method: "POST", PathPrefix: "/v1/caches"})

	start := time.Now()
	r := e.MustRun(t, "create", "polyscale", "--name", "shop", "--origin-env", "DATABASE_URL")
	elapsed := time.Since(start)

	cs := sandboxCaches(e)
	if len(cs) != 1 || createCount(e) != 1 {
		t.Fatalf("caches = %d, creates = %d; want exactly one", len(cs), createCount(e))
	}
	if !strings.Contains(r.Stdout, "application_name="+cs[0].ID) {
		t.Errorf("stdout = %q", r.Stdout)
	}
	if got := posts(); got != 2 {
		t.Errorf("POST requests = %d, want 2: the 429 (nothing created) and the retry", got)
	}
	// Retry-After: 1 was honoured, not the test policy's ≤50 ms backoff.
	// (A lower bound on elapsed time: it cannot be flaky.)
	if elapsed < time.Second {
		t.Errorf("the retry came after %v, before the Retry-After of 1s", elapsed)
	}
}

func TestACreateAnswered503IsNotResent(t *testing.T) {
	t.Parallel()
	for _, status := range []int{500, 503} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			t.Parallel()
			e := ciSandbox(t)
			posts := e.CountRequests(t, "POST", "/v1/caches")
			// One failure only: a resent create would succeed and show up.
			e.AddFault(t, sandbox.FaultRule{Kind: sandbox.FaultError, Status: status, Count: 1, Method: "POST"})

			r := expectExit(t, e, 5, "create", "polyscale", "--name", "shop", "--origin-env", "DATABASE_URL")
			if !strings.Contains(r.Stderr, "PolyScale answered "+strconv.Itoa(status)) {
				t.Errorf("stderr = %q", r.Stderr)
			}
			if got := posts(); got != 1 {
				t.Errorf("POST requests = %d, want exactly 1", got)
			}
			if got := createCount(e); got != 0 || len(sandboxCaches(e)) != 0 {
				t.Errorf("creates = %d, caches = %d; want none", got, len(sandboxCaches(e)))
			}
		})
	}
}

func TestACreateWhoseAnswerWasLostIsAdoptedNotRepeated(t *testing.T) {
	t.Parallel()
	e := ciSandbox(t)
	posts := e.CountRequests(t, "POST", "/v1/caches")
	// PolyScale creates the cache, then the connection drops before the
	// answer: the client cannot know whether it happened.
	e.AddFault(t, sandbox.FaultRule{Kind: sandbox.FaultDropAfterCreate, Count: 1})

	r := e.MustRun(t, "create", "polyscale", "--name", "shop", "--origin-env", "DATABASE_URL")

	if got := posts(); got != 1 {
		t.Errorf("POST requests = %d, want 1: a create whose answer was lost is never resent", got)
	}
	cs := sandboxCaches(e)
	if len(cs) != 1 || createCount(e) != 1 {
		t.Fatalf("caches = %d, creates = %d; want exactly one", len(cs), createCount(e))
	}
	if want := "postgres://app:" + dbPassword + "@psedge.global:5432/shop?sslmode=require&application_name=" + cs[0].ID + "\n"; r.Stdout != want {
		t.Errorf("stdout = %q\nwant     %q", r.Stdout, want)
	}
	for _, want := range []string{"the answer to the create was lost", "looking the cache up by name", "adopting " + cs[0].ID} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.Stderr)
		}
	}
}

func TestAnAdoptedCacheIsTheNewOneNotAnOlderNamesake(t *testing.T) {
	t.Parallel()
	e := ciSandbox(t)
	// An older cache of the same name and origin must not be mistaken for
	// the one this run created.
	older := cmdtest.DecodePipedJSON[createJSON](t, e.MustRun(t, "create", "polyscale", "--name", "shop", "--origin-env", "DATABASE_URL", "-o", "json").Stdout).ID
	e.AddFault(t, sandbox.FaultRule{Kind: sandbox.FaultDropAfterCreate, Count: 1})

	r := e.MustRun(t, "create", "polyscale", "--name", "shop", "--origin-env", "DATABASE_URL", "--allow-duplicate")

	cs := sandboxCaches(e)
	if len(cs) != 2 || createCount(e) != 2 || cs[0].ID != older {
		t.Fatalf("caches = %+v, creates = %d; want the older one and exactly one new", cs, createCount(e))
	}
	adopted := cs[1].ID
	if !strings.HasSuffix(r.Stdout, "application_name="+adopted+"\n") || !strings.Contains(r.Stderr, "adopting "+adopted) {
		t.Errorf("stdout %q, stderr %q: want the new cache %s, not the older %s", r.Stdout, r.Stderr, adopted, older)
	}
}

func TestACreateWhoseAnswerWasLostIsAdoptedWithIfNotExistsAndJSON(t *testing.T) {
	t.Parallel()
	e := ciSandbox(t)
	e.AddFault(t, sandbox.FaultRule{Kind: sandbox.FaultDropAfterCreate, Count: 1})

	r := e.MustRun(t, "create", "polyscale", "--name", "shop", "--origin-env", "DATABASE_URL", "--if-not-exists", "-o", "json")
	got := cmdtest.DecodePipedJSON[createJSON](t, r.Stdout)
	cs := sandboxCaches(e)
	if len(cs) != 1 || createCount(e) != 1 || got.ID != cs[0].ID || got.Existed {
		t.Errorf("caches = %+v, json = %+v; want one, adopted, not \"existed\"", cs, got)
	}
	if !strings.Contains(r.Stderr, "adopting "+cs[0].ID) {
		t.Errorf("stderr = %q", r.Stderr)
	}
}

func TestGatewayErrorsAnd429AreRetriedForGetPurgeAndDelete(t *testing.T) {
	t.Parallel()
	e := ciSandbox(t)
	id := newCacheViaCLI(t, e, "shop", 5432)

	e.AddFault(t, sandbox.FaultRule{Kind: sandbox.FaultError, Status: 502, Count: 1, Method: "GET"})
	e.MustRun(t, "get", "polyscale", id)
	e.AddFault(t, sandbox.FaultRule{Kind: sandbox.FaultError, Status: 504, Count: 1, Method: "PUT"})
	e.MustRun(t, "purge", id)
	e.AddFault(t, sandbox.FaultRule{Kind: sandbox.Fault429, RetryAfter: "0", Count: 1, Method: "DELETE"})
	e.MustRun(t, "delete", "polyscale", id, "--yes")
	if len(sandboxCaches(e)) != 0 {
		t.Error("the cache was not deleted")
	}
}

// postCache creates a cache through PolyScale's API directly, as another
// tool or PolyScale's own console would, with whatever it accepts.
func postCache(t *testing.T, e *cmdtest.Env, body string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.Server.URL+"/v1/caches", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+ciKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ ID string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /v1/caches: %s %v", resp.Status, err)
	}
	return out.ID
}

func TestACreateThatSucceededIsReportedEvenIfReadingItBackFails(t *testing.T) {
	t.Parallel()
	e := ciSandbox(t)
	// Every attempt of the read-back after the create fails; the list of
	// caches (/v1/caches, no trailing slash) is not affected.
	e.AddFault(t, sandbox.FaultRule{Kind: sandbox.FaultError, Status: 503, Count: 4, Method: "GET", PathPrefix: "/v1/caches/"})

	r := e.Run("create", "polyscale", "--name", "shop", "--origin-env", "DATABASE_URL")
	cs := sandboxCaches(e)
	if len(cs) != 1 {
		t.Fatalf("caches = %d, want 1", len(cs))
	}
	// The cache exists: saying it failed invites a second run, which
	// creates a second cache. The create's answer (the id) is enough to
	// print the connection string.
	if r.Code != 0 || !strings.Contains(r.Stdout, "application_name="+cs[0].ID) {
		t.Errorf("exit %d, stdout %q, stderr:\n%s\nwant exit 0 and the connection string of %s", r.Code, r.Stdout, r.Stderr, cs[0].ID)
	}
}

func TestCreateRefusesAnOriginTogetherWithPort0(t *testing.T) {
	t.Parallel()
	e := ciSandbox(t)
	requests := e.CountRequests(t, "", "")
	r := expectExit(t, e, 2, "create", "polyscale", "--name", "shop", "--origin-env", "DATABASE_URL", "--port", "0")
	if !strings.Contains(r.Stderr, "come from the origin") {
		t.Errorf("stderr = %q", r.Stderr)
	}
	r = expectExit(t, e, 2, "create", "polyscale", "--name", "shop", "--type", "postgres", "--host", "127.0.0.1", "--port", "0")
	if !strings.Contains(r.Stderr, "--port 0 is not a port number") {
		t.Errorf("stderr = %q, want it to say that 0 is not a port (it was given, not missing)", r.Stderr)
	}
	if n := requests(); n != 0 {
		t.Errorf("%d requests, want none", n)
	}
}

func TestCreateRefusesControlCharactersInHost(t *testing.T) {
	t.Parallel()
	for _, host := range []string{"\t", "db\nevil", "db\x1b[31m"} {
		e := ciSandbox(t)
		requests := e.CountRequests(t, "", "")
		expectExit(t, e, 2, "create", "polyscale", "--name", "shop", "--type", "postgres", "--host", host, "--port", "5432", "--skip-dns-check")
		if n := requests(); n != 0 {
			t.Errorf("host %q: %d requests, want none", host, n)
		}
	}
}

func TestListAndGetKeepProviderTextOnOneLine(t *testing.T) {
	t.Parallel()
	e := ciSandbox(t)
	id := postCache(t, e, `{"name":"shop","host":"db\nevil\u001b[2J","port":5432,"database":"postgres","cachingEnabled":true,"defaultCachingBehaviour":"autoCached"}`)

	r := e.MustRun(t, "list", "polyscale")
	if strings.Count(r.Stdout, "\n") != 1 || strings.Contains(r.Stdout, "\x1b") {
		t.Errorf("piped list: one cache must be one line without control characters: %q", r.Stdout)
	}
	r = e.RunOnTerminal("list", "polyscale")
	if strings.Count(r.Stdout, "\n") != 2 || strings.Contains(r.Stdout, "\x1b") {
		t.Errorf("table: %q", r.Stdout)
	}
	r = e.MustRun(t, "get", "polyscale", id)
	if strings.Contains(r.Stdout, "\x1b") || !strings.Contains(r.Stdout, "host:                      db evil") {
		t.Errorf("get: %q", r.Stdout)
	}
}

func TestAFailedReadIsNotCalledAmbiguous(t *testing.T) {
	t.Parallel()
	e := ciSandbox(t)
	e.AddFault(t, sandbox.FaultRule{Kind: sandbox.FaultError, Status: 502, Rate: 1, Method: "GET"})
	r := expectExit(t, e, 5, "list", "polyscale")
	if strings.Contains(r.Stderr, "may or may not") {
		t.Errorf("a list changes nothing, yet stderr says it may have been carried out:\n%s", r.Stderr)
	}
}
