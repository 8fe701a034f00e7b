package upstash_test

// These tests run the Upstash commands (create, list, get, delete,
// reset-password) in-process against the sandbox, the way a user or a CI
// job runs them, and read as the specification of what each command does:
// what goes to stdout, what goes to stderr, the exit code, and what
// happened at "Upstash" (the sandbox's store, counters and the requests it
// saw). Most behaviour is checked twice: with a stored login (`cachelink
// connect upstash`, keychain) and in CI mode (UPSTASH_EMAIL and
// UPSTASH_API_KEY).
//
// Other files: errors_test.go (exit codes, retries, CI and the keychain),
// apikey_test.go (the Developer API key of a stored login), goredis_test.go
// (go-redis accepts every URL cachelink prints), golden_test.go.

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cachelink/cachelink/internal/cmdtest"
	"github.com/cachelink/cachelink/internal/sandbox"
)

// ---------------------------------------------------------------------------
// The two ways to be signed in

// connected is a sandbox with a stored login: `cachelink connect upstash`
// ran (OAuth in the sandbox, one Developer API key minted and kept in the
// in-memory keychain).
func connected(t *testing.T, opts ...sandbox.Options) *cmdtest.Env {
	t.Helper()
	return cmdtest.NewUpstashLogin(t, cmdtest.Options{Sandbox: sandboxOptions(opts)})
}

// ciMode is a sandbox with UPSTASH_EMAIL and UPSTASH_API_KEY set, as in a CI
// job: the key was minted by a login that was then disconnected, so the
// keychain holds nothing, and its call counter starts at zero.
func ciMode(t *testing.T, opts ...sandbox.Options) *cmdtest.Env {
	t.Helper()
	return cmdtest.NewUpstashCI(t, cmdtest.Options{Sandbox: sandboxOptions(opts)})
}

func sandboxOptions(opts []sandbox.Options) sandbox.Options {
	if len(opts) == 0 {
		return sandbox.Options{}
	}
	return opts[0]
}

// bothModes runs fn as two parallel subtests: with a stored login, and
// in CI mode.
func bothModes(t *testing.T, fn func(t *testing.T, e *cmdtest.Env)) {
	t.Run("stored login", func(t *testing.T) {
		t.Parallel()
		fn(t, connected(t))
	})
	t.Run("CI mode", func(t *testing.T) {
		t.Parallel()
		fn(t, ciMode(t))
	})
}

// ---------------------------------------------------------------------------
// Running cachelink

// mustSucceed runs cachelink and fails the test unless it exits 0; no
// secret may reach stderr.
func mustSucceed(t *testing.T, e *cmdtest.Env, args ...string) cmdtest.Result {
	t.Helper()
	r := e.MustRun(t, args...)
	checkNoSecretsOnStderr(t, e, r)
	return r
}

// expectExit runs cachelink and checks the exit code (see checkExit).
func expectExit(t *testing.T, e *cmdtest.Env, code int, args ...string) cmdtest.Result {
	t.Helper()
	return checkExit(t, e, e.Run(args...), code, args)
}

// checkExit checks the exit code; that a failure writes nothing to stdout
// and prints its error once (cmdtest.CheckExit); and that no secret reaches
// stderr.
func checkExit(t *testing.T, e *cmdtest.Env, r cmdtest.Result, code int, args []string) cmdtest.Result {
	t.Helper()
	cmdtest.CheckExit(t, r, code, args)
	checkNoSecretsOnStderr(t, e, r)
	return r
}

// checkNoSecretsOnStderr: no database password or token, and no API key,
// ever reaches stderr.
func checkNoSecretsOnStderr(t *testing.T, e *cmdtest.Env, r cmdtest.Result) {
	t.Helper()
	cmdtest.CheckNoSecrets(t, r, e.UpstashSecrets())
}

// ---------------------------------------------------------------------------
// What "Upstash" (the sandbox) holds and saw

// databases is what Upstash holds, in creation order.
func databases(e *cmdtest.Env) []sandbox.Database { return e.Sandbox.Store.State().Databases }

// onlyDatabase is the one database Upstash holds.
func onlyDatabase(t *testing.T, e *cmdtest.Env) sandbox.Database {
	t.Helper()
	dbs := databases(e)
	if len(dbs) != 1 {
		t.Fatalf("Upstash holds %d databases, want 1: %+v", len(dbs), dbs)
	}
	return dbs[0]
}

// database is the database id at Upstash, as it is now.
func database(t *testing.T, e *cmdtest.Env, id string) sandbox.Database {
	t.Helper()
	for _, d := range databases(e) {
		if d.DatabaseID == id {
			return d
		}
	}
	t.Fatalf("Upstash holds no database %s", id)
	return sandbox.Database{}
}

// createCount is how many databases Upstash has created.
func createCount(e *cmdtest.Env) int64 { return e.Sandbox.Counters.Creates.Load() }

// redisURL is the rediss:// URL of the contract for d, whose password
// (the sandbox's random hex) needs no escaping.
func redisURL(d sandbox.Database) string {
	return "rediss://default:" + d.Password + "@" + d.Endpoint + ":" + strconv.Itoa(d.Port)
}

// newDB creates a database with the CLI and returns it as Upstash holds it.
func newDB(t *testing.T, e *cmdtest.Env, name, region string, extra ...string) sandbox.Database {
	t.Helper()
	r := mustSucceed(t, e, append([]string{"create", "upstash", "--name", name, "--region", region}, extra...)...)
	dbs := databases(e)
	d := dbs[len(dbs)-1]
	if r.Stdout != redisURL(d)+"\n" {
		t.Fatalf("create printed %q, want the rediss:// URL of %s", r.Stdout, d.DatabaseID)
	}
	return d
}

// recordWaits makes the retry policy record its waits instead of sleeping.
func recordWaits(e *cmdtest.Env) func() []time.Duration {
	var mu sync.Mutex
	var waits []time.Duration
	e.Retry.Sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		waits = append(waits, d)
		mu.Unlock()
		return ctx.Err()
	}
	return func() []time.Duration {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(waits)
	}
}

// dbJSON is a database in -o json (create, get, list, reset-password,
// connstr --format json).
type dbJSON struct {
	ID                string   `json:"id"`
	Name              string   `json:"name"`
	PrimaryRegion     string   `json:"primary_region"`
	ReadRegions       []string `json:"read_regions"`
	Endpoint          string   `json:"endpoint"`
	Port              int      `json:"port"`
	State             string   `json:"state"`
	Type              string   `json:"type"`
	Eviction          bool     `json:"eviction"`
	Budget            int64    `json:"budget"`
	CreatedAt         string   `json:"created_at"`
	RedisURL          string   `json:"redis_url"`
	RESTURL           string   `json:"rest_url"`
	RESTToken         string   `json:"rest_token"`
	ReadOnlyRESTToken string   `json:"read_only_rest_token"`
	Existed           bool     `json:"existed"`
}

// jsonKeys are the keys of a JSON object.
func jsonKeys(t *testing.T, stdout string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(stdout), &m); err != nil {
		t.Fatalf("stdout is not a JSON object: %v\n%s", err, stdout)
	}
	return m
}

// checkDBJSON checks that got describes d with its secrets.
func checkDBJSON(t *testing.T, got dbJSON, d sandbox.Database) {
	t.Helper()
	want := dbJSON{
		ID: d.DatabaseID, Name: d.DatabaseName, PrimaryRegion: d.PrimaryRegion, ReadRegions: d.ReadRegions,
		Endpoint: d.Endpoint, Port: d.Port, State: d.State, Type: d.Type, Eviction: d.Eviction, Budget: d.Budget,
		CreatedAt: time.Unix(d.CreationTime, 0).UTC().Format(time.RFC3339),
		RedisURL:  redisURL(d), RESTURL: "https://" + d.Endpoint, RESTToken: d.RestToken, ReadOnlyRESTToken: d.ReadOnlyRestToken,
		Existed: got.Existed,
	}
	if want.ReadRegions == nil {
		want.ReadRegions = []string{}
	}
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Errorf("-o json =\n%s\nwant\n%s", g, w)
	}
}

// ---------------------------------------------------------------------------
// create

func TestCreatePrintsOneLineTheRedissURL(t *testing.T) {
	t.Parallel()
	bothModes(t, func(t *testing.T, e *cmdtest.Env) {
		r := mustSucceed(t, e, "create", "upstash", "--name", "cache", "--region", "eu-west-1")

		d := onlyDatabase(t, e)
		if d.DatabaseName != "cache" || d.Region != "global" || d.PrimaryRegion != "eu-west-1" || len(d.ReadRegions) != 0 || !d.TLS || d.Eviction {
			t.Errorf("created database = %+v, want cache, global with primary eu-west-1, TLS, no read regions, no eviction", d)
		}
		// REDIS_URL=$(cachelink create upstash ...) captures exactly one
		// line: the rediss:// URL with the password.
		if want := "rediss://default:" + d.Password + "@" + d.Endpoint + ":6379\n"; r.Stdout != want {
			t.Errorf("stdout = %q\nwant     %q", r.Stdout, want)
		}
		if want := "✓ Created Upstash database cache (" + d.DatabaseID + ", eu-west-1)\n"; r.Stderr != want {
			t.Errorf("stderr = %q\nwant     %q", r.Stderr, want)
		}
		if n := createCount(e); n != 1 {
			t.Errorf("creates = %d, want 1", n)
		}
	})
}

func TestCreateJSONHasTheContractKeys(t *testing.T) {
	t.Parallel()
	bothModes(t, func(t *testing.T, e *cmdtest.Env) {
		r := mustSucceed(t, e, "create", "upstash", "--name", "cache", "--region", "eu-west-1", "-o", "json")
		d := onlyDatabase(t, e)

		keys := jsonKeys(t, r.Stdout)
		for _, k := range []string{"id", "name", "primary_region", "read_regions", "endpoint", "port", "redis_url", "rest_url", "rest_token", "read_only_rest_token"} {
			if _, ok := keys[k]; !ok {
				t.Errorf("-o json lacks %q: %s", k, r.Stdout)
			}
		}
		if _, ok := keys["existed"]; ok {
			t.Errorf("a new database should not say existed: %s", r.Stdout)
		}
		// -o json prints the secrets: that is what it is asked for.
		got := cmdtest.DecodePipedJSON[dbJSON](t, r.Stdout)
		checkDBJSON(t, got, d)
		if got.RESTToken == got.ReadOnlyRESTToken {
			t.Error("the read-only REST token is the read-write one")
		}
		if !strings.Contains(r.Stderr, "✓ Created Upstash database cache") {
			t.Errorf("stderr = %q", r.Stderr)
		}
	})
}

func TestCreateWithReadRegionsEvictionAndBudget(t *testing.T) {
	t.Parallel()
	bothModes(t, func(t *testing.T, e *cmdtest.Env) {
		r := mustSucceed(t, e, "create", "upstash", "--name", "sessions", "--region", "us-east-1",
			"--read-region", "eu-west-1", "--read-region", "ap-southeast-1", "--eviction", "--budget", "20", "-o", "json")
		d := onlyDatabase(t, e)
		if d.PrimaryRegion != "us-east-1" || strings.Join(d.ReadRegions, ",") != "eu-west-1,ap-southeast-1" || !d.Eviction || d.Budget != 20 {
			t.Errorf("created database = %+v, want primary us-east-1, reads eu-west-1 and ap-southeast-1, eviction, budget 20", d)
		}
		got := cmdtest.DecodePipedJSON[dbJSON](t, r.Stdout)
		checkDBJSON(t, got, d)
		if strings.Join(got.ReadRegions, ",") != "eu-west-1,ap-southeast-1" || !got.Eviction || got.Budget != 20 {
			t.Errorf("-o json = %+v", got)
		}
	})
}

func TestCreateBudgetZeroIsSentButNoFlagsSendNothing(t *testing.T) {
	t.Parallel()
	e := ciMode(t)
	a := newDB(t, e, "plain", "eu-west-1")
	b := newDB(t, e, "zero", "eu-west-1", "--budget", "0")
	// The sandbox, like Upstash, makes a database with a budget pay as you
	// go: --budget 0 was sent, and no flag sent nothing.
	if a.Type != "free" || b.Type != "payg" || b.Budget != 0 {
		t.Errorf("without --budget: %s; with --budget 0: %s (budget %d); want free and payg", a.Type, b.Type, b.Budget)
	}
}

// ---------------------------------------------------------------------------
// create: everything is checked before the first request

func TestCreateRefusesBadInputBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		args   []string // after create upstash
		stderr string   // a part of the message
	}{
		{"unknown region", []string{"--name", "c", "--region", "eu-west-9"}, "Error: unknown region \"eu-west-9\"\nDid you mean eu-west-1 or eu-west-2? Regions: us-east-1, "},
		{"no region", []string{"--name", "c"}, "Error: --region is required\nRegions: us-east-1, "},
		{"a GCP region as a read region", []string{"--name", "c", "--region", "eu-west-1", "--read-region", "us-central1"}, "cannot be a read region: read regions are AWS regions other than af-south-1\nRead regions: us-east-1, "},
		{"af-south-1 as a read region", []string{"--name", "c", "--region", "eu-west-1", "--read-region", "af-south-1"}, `"af-south-1" cannot be a read region`},
		{"the primary as a read region", []string{"--name", "c", "--region", "eu-west-1", "--read-region", "eu-west-1"}, "read region eu-west-1 is the primary region"},
		{"a read region twice", []string{"--name", "c", "--region", "eu-west-1", "--read-region", "us-east-1", "--read-region", "us-east-1"}, "read region us-east-1 is given twice"},
		{"an unknown read region", []string{"--name", "c", "--region", "eu-west-1", "--read-region", "mars-1"}, `"mars-1" cannot be a read region`},
		{"blank name", []string{"--name", "   ", "--region", "eu-west-1"}, "--name is required and must not be blank"},
		{"no name", []string{"--region", "eu-west-1"}, "--name is required"},
		{"name that is a database id", []string{"--name", "3f6b2d4e-1111-4222-8333-444455556666", "--region", "eu-west-1"}, "looks like a database id"},
		{"name with a control character", []string{"--name", "ca\x1b[2Jche", "--region", "eu-west-1"}, "control character"},
		{"name longer than 255", []string{"--name", strings.Repeat("n", 256), "--region", "eu-west-1"}, "longer than 255"},
		{"negative budget", []string{"--name", "c", "--region", "eu-west-1", "--budget", "-1"}, "--budget must not be negative"},
		{"budget not a number", []string{"--name", "c", "--region", "eu-west-1", "--budget", "ten"}, `invalid argument "ten" for "--budget"`},
		{"an argument", []string{"cache", "--name", "c", "--region", "eu-west-1"}, "takes no arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := ciMode(t)
			requests := e.CountRequests(t, "", "")
			r := expectExit(t, e, 2, append([]string{"create", "upstash"}, tt.args...)...)
			if !strings.Contains(r.Stderr, tt.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderr, r.Stderr)
			}
			if n := requests(); n != 0 {
				t.Errorf("%d requests reached Upstash; invalid input must be refused before the first", n)
			}
			if n := createCount(e); n != 0 {
				t.Errorf("creates = %d, want 0", n)
			}
		})
	}
}

func TestEveryRegionOfTheListIsAccepted(t *testing.T) {
	t.Parallel()
	e := ciMode(t)
	for _, region := range sandbox.UpstashPrimaryRegions {
		mustSucceed(t, e, "create", "upstash", "--name", "db-"+region, "--region", region)
	}
	// Every AWS region but af-south-1 as a read region, in one database.
	var reads []string
	for _, r := range sandbox.UpstashReadRegions {
		if r != "us-east-1" {
			reads = append(reads, "--read-region", r)
		}
	}
	mustSucceed(t, e, append([]string{"create", "upstash", "--name", "everywhere", "--region", "us-east-1"}, reads...)...)
	if n := len(databases(e)); n != len(sandbox.UpstashPrimaryRegions)+1 {
		t.Errorf("databases = %d, want %d", n, len(sandbox.UpstashPrimaryRegions)+1)
	}
}

// ---------------------------------------------------------------------------
// create --if-not-exists

func TestCreateIfNotExistsReturnsTheDatabaseOfTheSameRegions(t *testing.T) {
	t.Parallel()
	bothModes(t, func(t *testing.T, e *cmdtest.Env) {
		args := []string{"create", "upstash", "--name", "cache", "--region", "us-east-1", "--read-region", "eu-west-1", "--read-region", "ap-south-1", "--if-not-exists"}
		first := cmdtest.DecodePipedJSON[dbJSON](t, mustSucceed(t, e, append(args, "-o", "json")...).Stdout)
		if first.Existed {
			t.Errorf("the first run created the database, yet says existed: %+v", first)
		}

		// The read regions in another order are the same regions.
		posts := e.CountRequests(t, "POST", "/v2/redis/database")
		again := []string{"create", "upstash", "--name", "cache", "--region", "us-east-1", "--read-region", "ap-south-1", "--read-region", "eu-west-1", "--if-not-exists"}
		r := mustSucceed(t, e, append(again, "-o", "json")...)
		got := cmdtest.DecodePipedJSON[dbJSON](t, r.Stdout)
		if got.ID != first.ID || !got.Existed || got.RedisURL != first.RedisURL || got.RESTToken != first.RESTToken {
			t.Errorf("second run = %+v, want the same database %s with \"existed\": true and its secrets", got, first.ID)
		}
		if !strings.Contains(jsonKeysString(t, r.Stdout), `"existed":true`) {
			t.Errorf("-o json lacks \"existed\": true: %s", r.Stdout)
		}
		if !strings.Contains(r.Stderr, "Using the existing Upstash database cache ("+first.ID+", us-east-1)") {
			t.Errorf("stderr does not say the database existed:\n%s", r.Stderr)
		}

		// Text output: the same URL as the first time.
		r = mustSucceed(t, e, again...)
		if r.Stdout != first.RedisURL+"\n" {
			t.Errorf("stdout = %q, want %q", r.Stdout, first.RedisURL+"\n")
		}
		if n := posts(); n != 0 {
			t.Errorf("%d creates were sent, want none", n)
		}
		if n := createCount(e); n != 1 || len(databases(e)) != 1 {
			t.Errorf("creates = %d, databases = %d; want 1 and 1", n, len(databases(e)))
		}
	})
}

// jsonKeysString re-encodes stdout compactly with sorted keys.
func jsonKeysString(t *testing.T, stdout string) string {
	t.Helper()
	b, _ := json.Marshal(jsonKeys(t, stdout))
	return string(b)
}

func TestCreateIfNotExistsRefusesANameUsedInOtherRegions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"another primary", []string{"--region", "eu-west-1"}},
		{"no read region", []string{"--region", "us-east-1"}},
		{"another read region", []string{"--region", "us-east-1", "--read-region", "eu-west-2"}},
		{"one more read region", []string{"--region", "us-east-1", "--read-region", "eu-west-1", "--read-region", "eu-west-2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := ciMode(t)
			d := newDB(t, e, "cache", "us-east-1", "--read-region", "eu-west-1")
			posts := e.CountRequests(t, "POST", "/v2/redis/database")

			r := expectExit(t, e, 2, append([]string{"create", "upstash", "--name", "cache", "--if-not-exists"}, tc.args...)...)
			for _, want := range []string{`an Upstash database named "cache" exists in other regions`, "us-east-1", d.DatabaseID, "Choose another --name, or match its regions."} {
				if !strings.Contains(r.Stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, r.Stderr)
				}
			}
			if n := posts(); n != 0 {
				t.Errorf("%d creates were sent, want none", n)
			}
			if len(databases(e)) != 1 {
				t.Errorf("databases = %d, want 1", len(databases(e)))
			}
		})
	}
}

// ---------------------------------------------------------------------------
// list

func TestListInThreeForms(t *testing.T) {
	t.Parallel()
	bothModes(t, func(t *testing.T, e *cmdtest.Env) {
		a := newDB(t, e, "cache", "eu-west-1")
		b := newDB(t, e, "sessions", "us-east-1", "--read-region", "eu-west-1", "--read-region", "ap-south-1")

		t.Run("piped: tab-separated, no header", func(t *testing.T) {
			r := mustSucceed(t, e, "list", "upstash")
			want := a.DatabaseID + "\tcache\teu-west-1\t-\t" + a.Endpoint + "\tactive\tredis\n" +
				b.DatabaseID + "\tsessions\tus-east-1\teu-west-1,ap-south-1\t" + b.Endpoint + "\tactive\tredis\n"
			if r.Stdout != want {
				t.Errorf("stdout = %q\nwant     %q", r.Stdout, want)
			}
			if r.Stderr != "" {
				t.Errorf("stderr = %q, want nothing", r.Stderr)
			}
		})
		t.Run("terminal: a table with a header, secrets masked", func(t *testing.T) {
			r := e.RunOnTerminal("list", "upstash")
			checkExit(t, e, r, 0, nil)
			lines := strings.Split(strings.TrimSuffix(r.Stdout, "\n"), "\n")
			if len(lines) != 3 {
				t.Fatalf("want a header and two rows:\n%s", r.Stdout)
			}
			for i, fields := range [][]string{
				{"ID", "NAME", "PRIMARY_REGION", "READ_REGIONS", "ENDPOINT", "STATE", "KIND"},
				{a.DatabaseID, "cache", "eu-west-1", "-", a.Endpoint, "active", "redis"},
				{b.DatabaseID, "sessions", "us-east-1", "eu-west-1,ap-south-1", b.Endpoint, "active", "redis"},
			} {
				if got := strings.Fields(lines[i]); strings.Join(got, "|") != strings.Join(fields, "|") {
					t.Errorf("line %d = %q, want the columns %v", i, lines[i], fields)
				}
				if strings.Contains(lines[i], "\t") {
					t.Errorf("line %d is aligned with tabs, want spaces: %q", i, lines[i])
				}
			}
			if strings.Index(lines[0], "NAME") != strings.Index(lines[1], "cache") ||
				strings.Index(lines[0], "ENDPOINT") != strings.Index(lines[2], b.Endpoint) ||
				strings.Index(lines[0], "STATE") != strings.LastIndex(lines[1], "active") {
				t.Errorf("columns are not aligned:\n%s", r.Stdout)
			}
			for _, s := range []string{a.Password, a.RestToken, a.ReadOnlyRestToken, b.Password, b.RestToken, b.ReadOnlyRestToken} {
				if strings.Contains(r.Stdout, s) {
					t.Errorf("the table shows a secret:\n%s", r.Stdout)
				}
			}
		})
		t.Run("json --show-secrets: an array with connection details", func(t *testing.T) {
			r := mustSucceed(t, e, "list", "upstash", "-o", "json", "--show-secrets")
			got := cmdtest.DecodePipedJSON[[]dbJSON](t, r.Stdout)
			if len(got) != 2 {
				t.Fatalf("-o json = %s", r.Stdout)
			}
			checkDBJSON(t, got[0], a)
			checkDBJSON(t, got[1], b)
		})
	})
}

func TestListWithNoDatabases(t *testing.T) {
	t.Parallel()
	bothModes(t, func(t *testing.T, e *cmdtest.Env) {
		r := mustSucceed(t, e, "list", "upstash")
		if r.Stdout != "" || r.Stderr != "" {
			t.Errorf("piped, no databases: stdout %q, stderr %q; want both empty", r.Stdout, r.Stderr)
		}
		r = e.RunOnTerminal("list", "upstash")
		checkExit(t, e, r, 0, nil)
		if r.Stdout != "" || !strings.Contains(r.Stderr, "No databases yet") || !strings.Contains(r.Stderr, "cachelink create upstash --name NAME --region") {
			t.Errorf("terminal, no databases: stdout %q, stderr %q; want a hint on stderr only", r.Stdout, r.Stderr)
		}
		r = mustSucceed(t, e, "list", "upstash", "-o", "json")
		if r.Stdout != "[]\n" {
			t.Errorf("-o json with no databases = %q, want []", r.Stdout)
		}
	})
}

// ---------------------------------------------------------------------------
// get

func TestGetByIDAndByNameMasksTheSecrets(t *testing.T) {
	t.Parallel()
	bothModes(t, func(t *testing.T, e *cmdtest.Env) {
		d := newDB(t, e, "sessions", "us-east-1", "--read-region", "eu-west-1", "--read-region", "ap-south-1", "--eviction")

		byID := mustSucceed(t, e, "get", "upstash", d.DatabaseID)
		byName := mustSucceed(t, e, "get", "upstash", "sessions")
		if byID.Stdout != byName.Stdout {
			t.Errorf("by id and by name differ:\n%s\n---\n%s", byID.Stdout, byName.Stdout)
		}
		// The labels are the JSON keys.
		want := "id:             " + d.DatabaseID + "\n" +
			"name:           sessions\n" +
			"primary_region: us-east-1\n" +
			"read_regions:   eu-west-1, ap-south-1\n" +
			"endpoint:       " + d.Endpoint + "\n" +
			"port:           6379\n" +
			"redis_url:      rediss://default:********@" + d.Endpoint + ":6379\n" +
			"rest_url:       https://" + d.Endpoint + "\n" +
			"rest_token:     ******** (print it with: cachelink connstr upstash " + d.DatabaseID + " --format env)\n" +
			"state:          active\n" +
			"type:           free\n" +
			"eviction:       true\n" +
			"created_at:     " + time.Unix(d.CreationTime, 0).UTC().Format(time.RFC3339) + "\n"
		if byID.Stdout != want {
			t.Errorf("stdout = %q\nwant     %q", byID.Stdout, want)
		}
		// The human-readable form masks the password and the tokens.
		for what, s := range map[string]string{"password": d.Password, "REST token": d.RestToken, "read-only REST token": d.ReadOnlyRestToken} {
			if strings.Contains(byID.Stdout, s) {
				t.Errorf("get shows the %s:\n%s", what, byID.Stdout)
			}
		}
		if byID.Stderr != "" {
			t.Errorf("stderr = %q, want nothing", byID.Stderr)
		}

		// On a terminal too.
		r := e.RunOnTerminal("get", "upstash", "sessions")
		checkExit(t, e, r, 0, nil)
		if r.Stdout != want {
			t.Errorf("on a terminal: stdout = %q", r.Stdout)
		}

		// -o json includes them, with the connection details.
		checkDBJSON(t, cmdtest.DecodePipedJSON[dbJSON](t, mustSucceed(t, e, "get", "upstash", "sessions", "-o", "json").Stdout), d)
		checkDBJSON(t, cmdtest.DecodePipedJSON[dbJSON](t, mustSucceed(t, e, "get", "upstash", d.DatabaseID, "-o", "json").Stdout), d)
	})
}

func TestGetANameTwoDatabasesShareExits2ListingBoth(t *testing.T) {
	t.Parallel()
	bothModes(t, func(t *testing.T, e *cmdtest.Env) {
		a := newDB(t, e, "cache", "eu-west-1")
		b := newDB(t, e, "cache", "us-east-1", "--allow-duplicate")

		for _, args := range [][]string{
			{"get", "upstash", "cache"},
			{"connstr", "upstash", "cache"},
			{"reset-password", "cache", "--yes"},
			{"delete", "upstash", "cache", "--yes"},
		} {
			r := expectExit(t, e, 2, args...)
			if !strings.Contains(r.Stderr, `2 Upstash databases are named "cache": `+a.DatabaseID+", "+b.DatabaseID) || !strings.Contains(r.Stderr, "Use the database id") {
				t.Errorf("%v: stderr should list both ids and say to use one:\n%s", args, r.Stderr)
			}
		}
		// Either id picks one.
		if r := mustSucceed(t, e, "get", "upstash", b.DatabaseID); !strings.Contains(r.Stdout, "primary_region: us-east-1\n") {
			t.Errorf("get by id = %q", r.Stdout)
		}
		if len(databases(e)) != 2 || databases(e)[0].Password != a.Password || databases(e)[1].Password != b.Password {
			t.Error("an ambiguous name changed a database")
		}
	})
}

func TestAMissingDatabaseExits3(t *testing.T) {
	t.Parallel()
	const missingID = "3f6b2d4e-1111-4222-8333-444455556666"
	e := ciMode(t)
	newDB(t, e, "cache", "eu-west-1")
	for _, args := range [][]string{
		{"get", "upstash", missingID},
		{"get", "upstash", "nope"},
		{"connstr", "upstash", missingID},
		{"connstr", "upstash", "nope"},
		{"reset-password", missingID, "--yes"},
		{"reset-password", "nope"},
		{"delete", "upstash", missingID, "--yes"},
		{"delete", "upstash", "nope", "--yes"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := expectExit(t, e, 3, args...)
			if !strings.Contains(r.Stderr, "no Upstash database") || !strings.Contains(r.Stderr, "cachelink list upstash") {
				t.Errorf("stderr should say there is no such database and how to see them:\n%s", r.Stderr)
			}
		})
	}
	if len(databases(e)) != 1 {
		t.Error("the other database is gone")
	}
}

// ---------------------------------------------------------------------------
// delete

func TestDeleteWithYes(t *testing.T) {
	t.Parallel()
	bothModes(t, func(t *testing.T, e *cmdtest.Env) {
		keep := newDB(t, e, "keep", "eu-west-1")
		d := newDB(t, e, "cache", "us-east-1")

		r := mustSucceed(t, e, "delete", "upstash", "cache", "--yes")
		if r.Stdout != "" {
			t.Errorf("stdout = %q, want nothing", r.Stdout)
		}
		if want := "✓ Deleted the Upstash database cache (" + d.DatabaseID + ")\n"; r.Stderr != want {
			t.Errorf("stderr = %q, want %q", r.Stderr, want)
		}
		if dbs := databases(e); len(dbs) != 1 || dbs[0].DatabaseID != keep.DatabaseID {
			t.Errorf("databases = %+v, want only %s", dbs, keep.DatabaseID)
		}
		// By id, with -y.
		mustSucceed(t, e, "delete", "upstash", keep.DatabaseID, "-y")
		if dbs := databases(e); len(dbs) != 0 {
			t.Errorf("databases = %+v, want none", dbs)
		}
	})
}

func TestDeleteOnATerminalAsksForTheName(t *testing.T) {
	t.Parallel()
	e := connected(t)
	d := newDB(t, e, "cache", "eu-west-1")
	deletes := e.CountRequests(t, "DELETE", "")

	// A wrong name deletes nothing.
	r := e.RunWith(cmdtest.RunOptions{StdinTTY: true, Stdin: "cahce\n"}, "delete", "upstash", d.DatabaseID)
	checkExit(t, e, r, 1, nil)
	if !strings.Contains(r.Stderr, "Type its name to confirm: ") || !strings.Contains(r.Stderr, "the name did not match; nothing was deleted") {
		t.Errorf("stderr = %q", r.Stderr)
	}
	if n := deletes(); n != 0 || len(databases(e)) != 1 {
		t.Fatalf("a wrong name: %d DELETE requests, %d databases; want 0 and 1", n, len(databases(e)))
	}

	// The right name deletes it.
	r = e.RunWith(cmdtest.RunOptions{StdinTTY: true, Stdin: "cache\n"}, "delete", "upstash", d.DatabaseID)
	checkExit(t, e, r, 0, nil)
	for _, want := range []string{
		"Delete the Upstash database cache (" + d.DatabaseID + ", eu-west-1)? Its data is lost.",
		"Type its name to confirm: ",
		"✓ Deleted the Upstash database cache (" + d.DatabaseID + ")",
	} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.Stderr)
		}
	}
	if r.Stdout != "" {
		t.Errorf("stdout = %q, want nothing", r.Stdout)
	}
	if n := deletes(); n != 1 || len(databases(e)) != 0 {
		t.Errorf("%d DELETE requests, %d databases; want 1 and 0", n, len(databases(e)))
	}
}

func TestDeleteWithoutYesOrTerminalDeletesNothing(t *testing.T) {
	t.Parallel()
	bothModes(t, func(t *testing.T, e *cmdtest.Env) {
		newDB(t, e, "cache", "eu-west-1")
		deletes := e.CountRequests(t, "DELETE", "")

		// Piped stdin: nobody to ask, even if the name is on stdin.
		r := e.RunWith(cmdtest.RunOptions{Stdin: "cache\n"}, "delete", "upstash", "cache")
		checkExit(t, e, r, 2, nil)
		if !strings.Contains(r.Stderr, "needs confirmation") || !strings.Contains(r.Stderr, "Pass --yes") {
			t.Errorf("stderr = %q", r.Stderr)
		}
		// A terminal, but --no-input forbids asking.
		r = e.RunWith(cmdtest.RunOptions{StdinTTY: true, Stdin: "cache\n"}, "delete", "upstash", "cache", "--no-input")
		checkExit(t, e, r, 2, nil)

		if n := deletes(); n != 0 {
			t.Errorf("%d DELETE requests were sent, want none", n)
		}
		if len(databases(e)) != 1 {
			t.Error("the database was deleted")
		}
	})
}

// ---------------------------------------------------------------------------
// reset-password

func TestResetPasswordPrintsTheNewURL(t *testing.T) {
	t.Parallel()
	bothModes(t, func(t *testing.T, e *cmdtest.Env) {
		old := newDB(t, e, "cache", "eu-west-1")
		other := newDB(t, e, "other", "eu-west-1")

		r := mustSucceed(t, e, "reset-password", "cache", "--yes")
		now := database(t, e, old.DatabaseID)
		if now.Password == old.Password || now.RestToken == old.RestToken || now.ReadOnlyRestToken == old.ReadOnlyRestToken {
			t.Fatal("Upstash still has the old password or tokens")
		}
		if r.Stdout != redisURL(now)+"\n" || r.Stdout == redisURL(old)+"\n" {
			t.Errorf("stdout = %q, want the new URL %q", r.Stdout, redisURL(now))
		}
		if want := "✓ Reset the password of the Upstash database cache (" + old.DatabaseID + ")\n"; r.Stderr != want {
			t.Errorf("stderr = %q, want %q", r.Stderr, want)
		}
		if strings.Contains(r.Stdout+r.Stderr, old.Password) {
			t.Error("the old password was printed")
		}
		// By id, with -o json: the database with its new secrets.
		r = mustSucceed(t, e, "reset-password", old.DatabaseID, "-o", "json", "--yes")
		checkDBJSON(t, cmdtest.DecodePipedJSON[dbJSON](t, r.Stdout), database(t, e, old.DatabaseID))
		// Nothing else changed.
		if o := database(t, e, other.DatabaseID); o.Password != other.Password {
			t.Error("the other database's password changed")
		}
	})
}

// ---------------------------------------------------------------------------
// provider text

func TestListAndGetKeepANameOnOneLine(t *testing.T) {
	t.Parallel()
	e := ciMode(t)
	d := newDB(t, e, "cache", "eu-west-1")
	// Upstash accepts any name in a rename; cachelink's output must not let
	// it break a line or drive the terminal.
	renameDB(t, e, d.DatabaseID, "ca\nche\x1b[2J")

	r := mustSucceed(t, e, "list", "upstash")
	if strings.Count(r.Stdout, "\n") != 1 || strings.Contains(r.Stdout, "\x1b") {
		t.Errorf("piped list: one database must be one line without control characters: %q", r.Stdout)
	}
	r = e.RunOnTerminal("list", "upstash")
	if strings.Count(r.Stdout, "\n") != 2 || strings.Contains(r.Stdout, "\x1b") {
		t.Errorf("table: %q", r.Stdout)
	}
	r = mustSucceed(t, e, "get", "upstash", d.DatabaseID)
	if strings.Contains(r.Stdout, "\x1b") || !strings.Contains(r.Stdout, "name:           ca che [2J\n") {
		t.Errorf("get: %q", r.Stdout)
	}
}

// TestGetSuggestsACommandThatWorksForANameWithSpaces: the last line of get
// is a command to copy; a name with a space must stay one argument.
func TestGetSuggestsACommandThatWorksForANameWithSpaces(t *testing.T) {
	t.Parallel()
	e := ciMode(t)
	d := newDB(t, e, "my cache", "eu-west-1")
	r := mustSucceed(t, e, "get", "upstash", "my cache")
	ok := false
	for _, cmd := range []string{"cachelink connstr upstash 'my cache'", `cachelink connstr upstash "my cache"`, "cachelink connstr upstash " + d.DatabaseID} {
		ok = ok || strings.Contains(r.Stdout, cmd)
	}
	if !ok {
		t.Errorf("get suggests a command that passes the name as two arguments:\n%s", r.Stdout)
	}
}

// callAPI sends one request to Upstash's Developer API (the sandbox), as
// another tool or Upstash's console would, with the key cachelink uses.
func callAPI(t *testing.T, e *cmdtest.Env, method, path, body string) {
	t.Helper()
	key := e.Getenv("UPSTASH_API_KEY")
	if key == "" {
		key = strings.TrimSpace(mustSucceed(t, e, "token", "upstash").Stdout)
	}
	req, err := http.NewRequest(method, e.Server.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(e.Sandbox.Account.Email, key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %s", method, path, resp.Status)
	}
}

// renameDB renames a database at Upstash (POST /v2/redis/rename/{id}).
func renameDB(t *testing.T, e *cmdtest.Env, id, name string) {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"name": name})
	callAPI(t, e, http.MethodPost, "/v2/redis/rename/"+id, string(b))
}
