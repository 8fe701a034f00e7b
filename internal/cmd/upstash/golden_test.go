package upstash_test

// Golden outputs of create, list, get and connstr upstash: what a person
// sees on a terminal and what a script sees through a pipe, as text and as
// JSON, and the errors. stdout and stderr are compared separately with
// testdata/upstash/<case>.stdout and .stderr at the repository root. After
// an intended change of output, run
//
//	go test ./internal/cmd/upstash/ -run TestGolden -update
//
// and review the diff of testdata/upstash/ like any other change.

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"text/tabwriter"

	"github.com/cachelink/cachelink/internal/cmdtest"
)

var columnGap = regexp.MustCompile(` {2,}`)

// normalize makes an output deterministic before it is compared. The
// sandbox gives every database a random id, endpoint, password and REST
// tokens, and a creation time of now; each is replaced by a placeholder
// numbered by the database's place in the sandbox's store (creation order),
// so the same database has the same placeholders in stdout and stderr and
// two databases never share one:
//
//   - the id becomes 00000000-0000-4000-8000-00000000000N (UUIDs a test
//     case types itself are left as they are);
//   - the endpoint becomes endpointN.upstash.io;
//   - the password becomes passwordN, the REST tokens restTokenN and
//     readOnlyRestTokenN;
//   - timestamps (RFC 3339) become 2001-02-03T04:05:06Z;
//   - the sandbox's address (a random port) becomes http://sandbox.test.
//
// The ids, timestamps and address are cmdtest.Normalize's. The endpoints'
// lengths vary, so the terminal table is aligned again after the
// replacement, with the command's tabwriter settings (TestListInThreeForms
// checks the alignment of the real output).
func normalize(e *cmdtest.Env, s string) string {
	var ids, pairs []string
	for i, d := range databases(e) {
		n := strconv.Itoa(i + 1)
		ids = append(ids, d.DatabaseID)
		pairs = append(pairs, d.RestToken, "restToken"+n, d.ReadOnlyRestToken, "readOnlyRestToken"+n, d.Password, "password"+n, d.Endpoint, "endpoint"+n+".upstash.io")
	}
	s = strings.NewReplacer(pairs...).Replace(s)
	s = e.Normalize(s, ids...)
	if strings.HasPrefix(s, "ID  ") {
		s = realign(s)
	}
	return s
}

// realign aligns a table whose columns are separated by two spaces or more,
// as `list upstash` does (tabwriter: padding 2, spaces).
func realign(s string) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	for _, line := range strings.SplitAfter(s, "\n") {
		if line == "" {
			continue
		}
		tw.Write([]byte(columnGap.ReplaceAllString(strings.TrimRight(line, " \n"), "\t") + "\n"))
	}
	tw.Flush()
	return b.String()
}

// goldenFixture is the account of most cases: two databases, created in
// this order (so their placeholders are ...1 and ...2).
func goldenFixture(t *testing.T, e *cmdtest.Env) {
	t.Helper()
	mustSucceed(t, e, "create", "upstash", "--name", "cache", "--region", "eu-west-1")
	mustSucceed(t, e, "create", "upstash", "--name", "sessions", "--region", "us-east-1",
		"--read-region", "eu-west-1", "--read-region", "ap-southeast-1", "--eviction", "--budget", "20")
}

func TestGolden(t *testing.T) {
	t.Parallel()
	const missingID = "3f6b2d4e-1111-4222-8333-444455556666"
	tests := []struct {
		name     string
		fixture  bool     // start with goldenFixture's two databases
		twin     bool     // and a third database named cache
		terminal bool     // stdout and stderr are a terminal (colour on)
		env      []string // NAME=value set for the case
		args     []string // after "cachelink"
		code     int
	}{
		// list
		{name: "list-pipe", fixture: true, args: []string{"list", "upstash"}},
		{name: "list-tty", fixture: true, terminal: true, args: []string{"list", "upstash"}},
		{name: "list-json-pipe", fixture: true, args: []string{"list", "upstash", "-o", "json"}},
		{name: "list-json-tty", fixture: true, terminal: true, args: []string{"list", "upstash", "-o", "json"}},
		{name: "list-json-show-secrets-pipe", fixture: true, args: []string{"list", "upstash", "-o", "json", "--show-secrets"}},
		{name: "list-empty-pipe", args: []string{"list", "upstash"}},
		{name: "list-empty-tty", terminal: true, args: []string{"list", "upstash"}},
		{name: "list-empty-json-pipe", args: []string{"list", "upstash", "-o", "json"}},

		// get
		{name: "get-pipe", fixture: true, args: []string{"get", "upstash", "cache"}},
		{name: "get-tty", fixture: true, terminal: true, args: []string{"get", "upstash", "sessions"}},
		{name: "get-json-pipe", fixture: true, args: []string{"get", "upstash", "cache", "-o", "json"}},
		{name: "get-json-tty", fixture: true, terminal: true, args: []string{"get", "upstash", "sessions", "-o", "json"}},
		{name: "get-err-missing", fixture: true, args: []string{"get", "upstash", "nope"}, code: 3},
		{name: "get-err-missing-id", fixture: true, args: []string{"get", "upstash", missingID}, code: 3},
		{name: "get-err-ambiguous", fixture: true, twin: true, args: []string{"get", "upstash", "cache"}, code: 2},

		// create
		{name: "create-pipe", args: []string{"create", "upstash", "--name", "cache", "--region", "eu-west-1"}},
		{name: "create-tty", terminal: true, args: []string{"create", "upstash", "--name", "cache", "--region", "eu-west-1"}},
		{name: "create-json-pipe", args: []string{"create", "upstash", "--name", "cache", "--region", "eu-west-1", "-o", "json"}},
		{name: "create-json-tty", terminal: true, args: []string{"create", "upstash", "--name", "cache", "--region", "eu-west-1", "-o", "json"}},
		{name: "create-read-regions-json-pipe", args: []string{"create", "upstash", "--name", "sessions", "--region", "us-east-1",
			"--read-region", "eu-west-1", "--read-region", "ap-southeast-1", "--eviction", "--budget", "20", "-o", "json"}},
		{name: "create-if-not-exists-existing-pipe", fixture: true, args: []string{"create", "upstash", "--name", "cache", "--region", "eu-west-1", "--if-not-exists"}},
		{name: "create-if-not-exists-existing-json", fixture: true, args: []string{"create", "upstash", "--name", "cache", "--region", "eu-west-1", "--if-not-exists", "-o", "json"}},
		{name: "create-err-if-not-exists-other-regions", fixture: true, args: []string{"create", "upstash", "--name", "cache", "--region", "us-east-1", "--if-not-exists"}, code: 2},
		{name: "create-err-unknown-region", args: []string{"create", "upstash", "--name", "cache", "--region", "eu-west-9"}, code: 2},
		{name: "create-err-read-region-gcp", args: []string{"create", "upstash", "--name", "cache", "--region", "eu-west-1", "--read-region", "us-central1"}, code: 2},
		{name: "create-err-read-region-primary", args: []string{"create", "upstash", "--name", "cache", "--region", "eu-west-1", "--read-region", "eu-west-1"}, code: 2},
		{name: "create-err-name-is-an-id", args: []string{"create", "upstash", "--name", missingID, "--region", "eu-west-1"}, code: 2},
		{name: "create-err-negative-budget", args: []string{"create", "upstash", "--name", "cache", "--region", "eu-west-1", "--budget", "-5"}, code: 2},

		// connstr
		{name: "connstr-redis-pipe", fixture: true, args: []string{"connstr", "upstash", "cache"}},
		{name: "connstr-redis-tty", fixture: true, terminal: true, args: []string{"connstr", "upstash", "cache"}},
		{name: "connstr-rest", fixture: true, args: []string{"connstr", "upstash", "cache", "--format", "rest"}},
		{name: "connstr-env", fixture: true, args: []string{"connstr", "upstash", "cache", "--format", "env"}},
		{name: "connstr-env-read-only", fixture: true, args: []string{"connstr", "upstash", "cache", "--format", "env", "--read-only"}},
		{name: "connstr-json-pipe", fixture: true, args: []string{"connstr", "upstash", "sessions", "--format", "json"}},
		{name: "connstr-json-tty", fixture: true, terminal: true, args: []string{"connstr", "upstash", "sessions", "-o", "json"}},
		{name: "connstr-json-read-only", fixture: true, args: []string{"connstr", "upstash", "cache", "--format", "json", "--read-only"}},
		{name: "connstr-err-read-only-redis", fixture: true, args: []string{"connstr", "upstash", "cache", "--read-only"}, code: 2},
		{name: "connstr-err-missing", fixture: true, args: []string{"connstr", "upstash", "nope"}, code: 3},

		// credentials
		{name: "err-wrong-api-key", env: []string{"UPSTASH_API_KEY=wrong-key"}, args: []string{"list", "upstash"}, code: 4},
		{name: "err-email-without-api-key", env: []string{"UPSTASH_API_KEY="}, args: []string{"list", "upstash"}, code: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := ciMode(t)
			// Colour follows the terminal: make it independent of the
			// environment the tests run in.
			e.FixColour()
			if tt.fixture {
				goldenFixture(t, e)
			}
			if tt.twin {
				mustSucceed(t, e, "create", "upstash", "--name", "cache", "--region", "ap-south-1", "--allow-duplicate")
			}
			for _, kv := range tt.env {
				k, v, _ := strings.Cut(kv, "=")
				e.Setenv(k, v)
			}
			r := e.RunWith(cmdtest.RunOptions{StdoutTTY: tt.terminal, StderrTTY: tt.terminal}, tt.args...)
			checkExit(t, e, r, tt.code, tt.args)
			cmdtest.AssertGolden(t, "upstash/"+tt.name, r, func(s string) string { return normalize(e, s) })
		})
	}
}

// The placeholders must not hide a difference between two databases: each
// secret and id of the fixture is replaced by its own placeholder.
func TestGoldenNormalizationKeepsDatabasesApart(t *testing.T) {
	t.Parallel()
	e := ciMode(t)
	goldenFixture(t, e)
	dbs := databases(e)
	const typed = "12345678-1234-4234-8234-123456789abc"
	in := strings.Join([]string{dbs[1].DatabaseID, dbs[0].DatabaseID, strings.ToUpper(dbs[0].DatabaseID), typed,
		redisURL(dbs[0]), redisURL(dbs[1]), dbs[0].RestToken, dbs[1].ReadOnlyRestToken, e.Server.URL + "/v2"}, " ")
	want := "00000000-0000-4000-8000-000000000002 00000000-0000-4000-8000-000000000001 00000000-0000-4000-8000-000000000001 " + typed +
		" rediss://default:password1@endpoint1.upstash.io:6379 rediss://default:password2@endpoint2.upstash.io:6379 restToken1 readOnlyRestToken2 http://sandbox.test/v2"
	if got := normalize(e, in); got != want {
		t.Errorf("normalize(%q)\n= %q\nwant %q", in, got, want)
	}
}
