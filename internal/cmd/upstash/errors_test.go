package upstash_test

// Upstash's errors and their exit codes, the retries that are safe, a
// create whose answer was lost, and CI mode's promise to leave the
// keychain alone.

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cachelink/cachelink/internal/cmdtest"
	"github.com/cachelink/cachelink/internal/sandbox"
)

// ---------------------------------------------------------------------------
// credentials from the environment

func TestAWrongAPIKeyExits4WithoutPrintingIt(t *testing.T) {
	t.Parallel()
	const wrongKey = "wrong-key-SENTINEL-7c2f"
	e := ciMode(t)
	e.Setenv("UPSTASH_API_KEY", wrongKey)
	for _, args := range [][]string{
		{"list", "upstash"},
		{"get", "upstash", "cache"},
		{"create", "upstash", "--name", "cache", "--region", "eu-west-1"},
		{"connstr", "upstash", "cache"},
		{"reset-password", "cache", "--yes"},
		{"delete", "upstash", "cache", "--yes"},
		{"list", "upstash", "--debug"},
	} {
		r := expectExit(t, e, 4, args...)
		for _, want := range []string{"Upstash rejected the credentials in UPSTASH_EMAIL and UPSTASH_API_KEY", "Vercel or Fly.io"} {
			if !strings.Contains(r.Stderr, want) {
				t.Errorf("%v: stderr lacks %q:\n%s", args, want, r.Stderr)
			}
		}
		if strings.Contains(r.Stderr, wrongKey) {
			t.Errorf("%v: stderr shows the key:\n%s", args, r.Stderr)
		}
	}
	if n := createCount(e); n != 0 {
		t.Errorf("creates = %d, want 0", n)
	}
	if n := e.Sandbox.Counters.APIKeysMinted.Load(); n != 1 {
		t.Errorf("API keys minted = %d, want only the login's: a rejected env key is not replaced", n)
	}
	if n := e.Keyring.Calls.Load(); n != 0 {
		t.Errorf("keychain calls = %d: a rejected env key must not fall back to the keychain", n)
	}
}

func TestAWrongEmailExits4(t *testing.T) {
	t.Parallel()
	e := ciMode(t)
	e.Setenv("UPSTASH_EMAIL", "someone-else@example.com")
	r := expectExit(t, e, 4, "list", "upstash")
	if !strings.Contains(r.Stderr, "UPSTASH_EMAIL and UPSTASH_API_KEY") {
		t.Errorf("stderr = %q", r.Stderr)
	}
}

func TestOneOfTheEnvPairAloneExits2NamingTheOther(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ set, missing string }{
		{"UPSTASH_EMAIL", "UPSTASH_API_KEY"},
		{"UPSTASH_API_KEY", "UPSTASH_EMAIL"},
	} {
		t.Run(tc.set+" alone", func(t *testing.T) {
			t.Parallel()
			// A stored login exists: half a pair must not silently fall
			// back to it.
			e := connected(t)
			e.Keyring.Calls.Store(0)
			e.Setenv(tc.set, "value-SENTINEL")
			requests := e.CountRequests(t, "", "")
			for _, args := range [][]string{
				{"list", "upstash"},
				{"create", "upstash", "--name", "cache", "--region", "eu-west-1"},
				{"connstr", "upstash", "cache"},
			} {
				r := expectExit(t, e, 2, args...)
				if want := tc.set + " is set but " + tc.missing + " is not\nSet both, or neither to use the stored login."; !strings.Contains(r.Stderr, want) {
					t.Errorf("%v: stderr lacks %q:\n%s", args, want, r.Stderr)
				}
				if strings.Contains(r.Stderr, "value-SENTINEL") {
					t.Errorf("%v: stderr shows the value:\n%s", args, r.Stderr)
				}
			}
			if n := requests(); n != 0 {
				t.Errorf("%d requests reached Upstash, want none", n)
			}
			if n := e.Keyring.Calls.Load(); n != 0 {
				t.Errorf("keychain calls = %d, want none", n)
			}
		})
	}
}

func TestNotConnectedExits4NamingBothWaysIn(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	r := expectExit(t, e, 4, "list", "upstash")
	for _, want := range []string{"cachelink connect upstash", "UPSTASH_EMAIL", "UPSTASH_API_KEY"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.Stderr)
		}
	}
}

// ---------------------------------------------------------------------------
// CI mode and the keychain

func TestCIModeNeverTouchesTheKeychain(t *testing.T) {
	t.Parallel()
	e := ciMode(t)
	// A CI machine has no keychain at all: every call would fail.
	e.Keyring.Fail.Store(true)

	mustSucceed(t, e, "create", "upstash", "--name", "cache", "--region", "eu-west-1")
	mustSucceed(t, e, "create", "upstash", "--name", "cache", "--region", "eu-west-1", "--if-not-exists", "-o", "json")
	mustSucceed(t, e, "create", "upstash", "--name", "other", "--region", "us-east-1", "--read-region", "eu-west-1")
	mustSucceed(t, e, "list", "upstash")
	mustSucceed(t, e, "list", "upstash", "-o", "json")
	mustSucceed(t, e, "get", "upstash", "cache")
	mustSucceed(t, e, "get", "upstash", "cache", "-o", "json")
	for _, format := range []string{"redis", "rest", "env", "json"} {
		mustSucceed(t, e, "connstr", "upstash", "cache", "--format", format)
	}
	mustSucceed(t, e, "connstr", "upstash", "cache", "--format", "env", "--read-only")
	mustSucceed(t, e, "reset-password", "cache", "--yes")
	mustSucceed(t, e, "delete", "upstash", "cache", "--yes")
	mustSucceed(t, e, "delete", "upstash", "other", "--yes")
	expectExit(t, e, 3, "get", "upstash", "cache")

	if n := e.Keyring.Calls.Load(); n != 0 {
		t.Errorf("keychain calls = %d, want 0 with UPSTASH_EMAIL and UPSTASH_API_KEY set", n)
	}
	if n := e.Sandbox.Counters.APIKeysMinted.Load(); n != 1 {
		t.Errorf("API keys minted = %d, want only the one CI was given", n)
	}
}

func TestEnvCredentialsWinOverAStoredLogin(t *testing.T) {
	t.Parallel()
	e := connected(t)
	key := mintKey(t, e, "ci-key") // another key of the same account, for CI
	e.Setenv("UPSTASH_EMAIL", e.Sandbox.Account.Email)
	e.Setenv("UPSTASH_API_KEY", key)
	e.Keyring.Calls.Store(0)

	mustSucceed(t, e, "list", "upstash")
	if n := e.Keyring.Calls.Load(); n != 0 {
		t.Errorf("keychain calls = %d: the env pair is used first, without reading the keychain", n)
	}
	if got := strings.TrimSpace(mustSucceed(t, e, "token", "upstash").Stdout); got != key {
		t.Error("`token upstash` does not print the env key while it is set")
	}
}

// ---------------------------------------------------------------------------
// Upstash failing

func TestPersistent5xxExits5AfterBoundedRetries(t *testing.T) {
	t.Parallel()
	e := ciMode(t)
	d := newDB(t, e, "cache", "eu-west-1")
	failing := func(method string) {
		e.Sandbox.Faults.Clear()
		e.AddFault(t, sandbox.FaultRule{Kind: sandbox.FaultError, Status: 503, Rate: 1, Method: method}) // until cleared
	}
	expect5 := func(args ...string) cmdtest.Result {
		t.Helper()
		r := expectExit(t, e, 5, args...)
		if !strings.Contains(r.Stderr, "Upstash answered 503") || !strings.Contains(r.Stderr, "Upstash may be in maintenance; try again later.") {
			t.Errorf("%v: stderr should give the status and the maintenance hint:\n%s", args, r.Stderr)
		}
		return r
	}

	// A read is sent 4 times in all (the first and 3 retries), then given up.
	for _, args := range [][]string{
		{"list", "upstash"},
		{"get", "upstash", d.DatabaseID},
		{"get", "upstash", "cache"},
		{"connstr", "upstash", "cache"},
	} {
		failing("")
		gets := e.CountRequests(t, "GET", "/v2/redis/")
		expect5(args...)
		if n := gets(); n != 4 {
			t.Errorf("%v: %d attempts, want 4", args, n)
		}
	}
	// So is a delete, after finding the database.
	failing("DELETE")
	deletes := e.CountRequests(t, "DELETE", "/v2/redis/")
	expect5("delete", "upstash", d.DatabaseID, "--yes")
	if n := deletes(); n != 4 {
		t.Errorf("delete: %d attempts, want 4", n)
	}
	// A create first lists the databases of that name (4 failed attempts);
	// unable to tell what exists, it sends no POST at all.
	failing("")
	gets, posts := e.CountRequests(t, "GET", "/v2/redis/"), e.CountRequests(t, "POST", "/v2/redis/")
	expect5("create", "upstash", "--name", "new", "--region", "eu-west-1")
	if g, p := gets(), posts(); g != 4 || p != 0 {
		t.Errorf("create: %d GETs and %d POSTs, want 4 and 0", g, p)
	}

	if n := createCount(e); n != 1 || len(databases(e)) != 1 {
		t.Errorf("creates = %d, databases = %d; want only the first", n, len(databases(e)))
	}
}

func TestOther5xxSayUpstashKeptFailing(t *testing.T) {
	t.Parallel()
	for _, status := range []int{500, 502, 504} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			t.Parallel()
			e := ciMode(t)
			e.AddFault(t, sandbox.FaultRule{Kind: sandbox.FaultError, Status: status, Rate: 1})
			r := expectExit(t, e, 5, "list", "upstash")
			if !strings.Contains(r.Stderr, "Upstash answered "+strconv.Itoa(status)) || !strings.Contains(r.Stderr, "try again later") {
				t.Errorf("stderr = %q", r.Stderr)
			}
			if strings.Contains(r.Stderr, "may or may not") {
				t.Errorf("a list changes nothing, yet stderr says it may have been carried out:\n%s", r.Stderr)
			}
		})
	}
}

func TestAnUnreachableUpstashExits5(t *testing.T) {
	t.Parallel()
	e := ciMode(t)
	e.Server.Close() // nothing listens there any more
	r := expectExit(t, e, 5, "list", "upstash")
	if !strings.Contains(r.Stderr, "could not reach Upstash") || !strings.Contains(r.Stderr, "cachelink doctor") {
		t.Errorf("stderr = %q", r.Stderr)
	}
}

// ---------------------------------------------------------------------------
// retries: what is safe to resend, and a create whose answer was lost

func TestListSurvivesTwo503s(t *testing.T) {
	t.Parallel()
	bothModes(t, func(t *testing.T, e *cmdtest.Env) {
		d := newDB(t, e, "cache", "eu-west-1")
		gets := e.CountRequests(t, "GET", "/v2/redis/databases")
		e.AddFault(t, sandbox.FaultRule{Kind: sandbox.FaultError, Status: 503, Count: 2, Method: "GET"})

		r := mustSucceed(t, e, "list", "upstash")
		if !strings.HasPrefix(r.Stdout, d.DatabaseID+"\tcache\t") {
			t.Errorf("stdout = %q", r.Stdout)
		}
		if n := gets(); n != 3 {
			t.Errorf("GET requests = %d, want 3 (two 503s, then the answer)", n)
		}
	})
}

func TestCreateWaitsOutA429AndCreatesOnce(t *testing.T) {
	t.Parallel()
	bothModes(t, func(t *testing.T, e *cmdtest.Env) {
		waits := recordWaits(e)
		posts := e.CountRequests(t, "POST", "/v2/redis/database")
		e.AddFault(t, sandbox.FaultRule{Kind: sandbox.Fault429, RetryAfter: "7", Count: 1, Method: "POST", PathPrefix: "/v2/redis/database"})

		r := mustSucceed(t, e, "create", "upstash", "--name", "cache", "--region", "eu-west-1")

		d := onlyDatabase(t, e)
		if createCount(e) != 1 {
			t.Fatalf("creates = %d, want exactly one", createCount(e))
		}
		if r.Stdout != redisURL(d)+"\n" {
			t.Errorf("stdout = %q", r.Stdout)
		}
		if n := posts(); n != 2 {
			t.Errorf("POST requests = %d, want 2: the 429 (nothing created) and the retry", n)
		}
		// Retry-After: 7 was honoured, not the test policy's ≤50 ms backoff.
		if w := waits(); len(w) != 1 || w[0] != 7*time.Second {
			t.Errorf("waits = %v, want one of 7s (the Retry-After)", w)
		}
	})
}

func TestACreateAnswered5xxIsNotResent(t *testing.T) {
	t.Parallel()
	for _, status := range []int{500, 503} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			t.Parallel()
			e := ciMode(t)
			posts := e.CountRequests(t, "POST", "/v2/redis/database")
			// One failure only: a resent create would succeed and show up.
			e.AddFault(t, sandbox.FaultRule{Kind: sandbox.FaultError, Status: status, Count: 1, Method: "POST"})

			r := expectExit(t, e, 5, "create", "upstash", "--name", "cache", "--region", "eu-west-1")
			if !strings.Contains(r.Stderr, "Upstash answered "+strconv.Itoa(status)) {
				t.Errorf("stderr = %q", r.Stderr)
			}
			if status == 503 && !strings.Contains(r.Stderr, "maintenance") {
				t.Errorf("a 503 should mention maintenance:\n%s", r.Stderr)
			}
			if n := posts(); n != 1 {
				t.Errorf("POST requests = %d, want exactly 1", n)
			}
			if n := createCount(e); n != 0 || len(databases(e)) != 0 {
				t.Errorf("creates = %d, databases = %d; want none", n, len(databases(e)))
			}
		})
	}
}

func TestACreateAnsweredWithAGatewayErrorIsLookedUpNotResent(t *testing.T) {
	t.Parallel()
	// A 502 or 504 may come from a proxy after Upstash created the
	// database; cachelink looks it up by name instead of sending it again.
	// Here nothing was created, but it may yet be: it says so, and how to
	// check, never that nothing was created.
	e := ciMode(t)
	posts := e.CountRequests(t, "POST", "/v2/redis/database")
	e.AddFault(t, sandbox.FaultRule{Kind: sandbox.FaultError, Status: 502, Count: 1, Method: "POST"})

	r := expectExit(t, e, 5, "create", "upstash", "--name", "cache", "--region", "eu-west-1")
	for _, want := range []string{"looking the database up by name", `the create of the database "cache" was lost`, "it may still appear", "cachelink list upstash"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.Stderr)
		}
	}
	if strings.Contains(strings.ToLower(r.Stderr), "was created") {
		t.Errorf("stderr says what is not known:\n%s", r.Stderr)
	}
	if n := posts(); n != 1 || len(databases(e)) != 0 {
		t.Errorf("POST requests = %d, databases = %d; want 1 and 0", n, len(databases(e)))
	}
}

func TestACreateWhoseAnswerWasLostIsAdoptedNotRepeated(t *testing.T) {
	t.Parallel()
	bothModes(t, func(t *testing.T, e *cmdtest.Env) {
		posts := e.CountRequests(t, "POST", "/v2/redis/database")
		// Upstash creates the database, then the connection drops before
		// the answer: the client cannot know whether it happened.
		e.AddFault(t, sandbox.FaultRule{Kind: sandbox.FaultDropAfterCreate, Count: 1})

		r := mustSucceed(t, e, "create", "upstash", "--name", "cache", "--region", "us-east-1", "--read-region", "eu-west-1")

		if n := posts(); n != 1 {
			t.Errorf("POST requests = %d, want 1: a create whose answer was lost is never resent", n)
		}
		d := onlyDatabase(t, e)
		if createCount(e) != 1 {
			t.Fatalf("creates = %d, want exactly one", createCount(e))
		}
		if r.Stdout != redisURL(d)+"\n" {
			t.Errorf("stdout = %q\nwant     %q", r.Stdout, redisURL(d)+"\n")
		}
		for _, want := range []string{"the answer to the create was lost", "looking the database up by name", "Upstash had created the database; adopting " + d.DatabaseID} {
			if !strings.Contains(r.Stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, r.Stderr)
			}
		}
	})
}

func TestAnAdoptedDatabaseIsTheNewOneNotAnOlderNamesake(t *testing.T) {
	t.Parallel()
	e := ciMode(t)
	// An older database of the same name and regions must not be mistaken
	// for the one this run created.
	older := newDB(t, e, "cache", "eu-west-1")
	e.AddFault(t, sandbox.FaultRule{Kind: sandbox.FaultDropAfterCreate, Count: 1})

	r := mustSucceed(t, e, "create", "upstash", "--name", "cache", "--region", "eu-west-1", "-o", "json", "--allow-duplicate")

	dbs := databases(e)
	if len(dbs) != 2 || createCount(e) != 2 || dbs[0].DatabaseID != older.DatabaseID {
		t.Fatalf("databases = %d, creates = %d; want the older one and exactly one new", len(dbs), createCount(e))
	}
	got := cmdtest.DecodePipedJSON[dbJSON](t, r.Stdout)
	checkDBJSON(t, got, dbs[1])
	if got.Existed || !strings.Contains(r.Stderr, "adopting "+dbs[1].DatabaseID) {
		t.Errorf("json %+v, stderr %q: want the new database %s, not \"existed\"", got, r.Stderr, dbs[1].DatabaseID)
	}
}

func TestAResetPasswordAnswered503IsNotResent(t *testing.T) {
	t.Parallel()
	e := ciMode(t)
	d := newDB(t, e, "cache", "eu-west-1")
	posts := e.CountRequests(t, "POST", "/v2/redis/reset-password/")
	e.AddFault(t, sandbox.FaultRule{Kind: sandbox.FaultError, Status: 503, Count: 1, Method: "POST"})

	expectExit(t, e, 5, "reset-password", "cache", "--yes")
	if n := posts(); n != 1 {
		t.Errorf("POST requests = %d, want 1", n)
	}
	if database(t, e, d.DatabaseID).Password != d.Password {
		t.Error("the password changed")
	}
}

func TestGatewayErrorsAnd429AreRetriedForGetAndDelete(t *testing.T) {
	t.Parallel()
	e := ciMode(t)
	d := newDB(t, e, "cache", "eu-west-1")

	e.AddFault(t, sandbox.FaultRule{Kind: sandbox.FaultError, Status: 502, Count: 1, Method: "GET"})
	mustSucceed(t, e, "get", "upstash", d.DatabaseID)
	e.AddFault(t, sandbox.FaultRule{Kind: sandbox.FaultError, Status: 504, Count: 1, Method: "GET"})
	mustSucceed(t, e, "connstr", "upstash", "cache")
	e.AddFault(t, sandbox.FaultRule{Kind: sandbox.Fault429, RetryAfter: "0", Count: 1, Method: "DELETE"})
	mustSucceed(t, e, "delete", "upstash", d.DatabaseID, "--yes")
	if len(databases(e)) != 0 {
		t.Error("the database was not deleted")
	}
}

func TestARetryAfterLongerThanTheCapIsReportedNotWaited(t *testing.T) {
	t.Parallel()
	e := ciMode(t)
	waits := recordWaits(e)
	posts := e.CountRequests(t, "POST", "/v2/redis/database")
	e.AddFault(t, sandbox.FaultRule{Kind: sandbox.Fault429, RetryAfter: "3600", Count: 1, Method: "POST"})

	r := expectExit(t, e, 5, "create", "upstash", "--name", "cache", "--region", "eu-west-1")
	if !strings.Contains(r.Stderr, "Upstash answered 429") {
		t.Errorf("stderr = %q", r.Stderr)
	}
	if w := waits(); len(w) != 0 {
		t.Errorf("waits = %v, want none: an hour is beyond what cachelink waits", w)
	}
	if n := posts(); n != 1 || len(databases(e)) != 0 {
		t.Errorf("POST requests = %d, databases = %d; want 1 and 0", n, len(databases(e)))
	}
}

func TestTheDebugTraceShowsNoSecrets(t *testing.T) {
	t.Parallel()
	bothModes(t, func(t *testing.T, e *cmdtest.Env) {
		key := e.Getenv("UPSTASH_API_KEY")
		if key == "" {
			key = strings.TrimSpace(mustSucceed(t, e, "token", "upstash").Stdout)
		}
		var stderr strings.Builder
		for _, args := range [][]string{
			{"create", "upstash", "--name", "cache", "--region", "eu-west-1", "--debug"},
			{"get", "upstash", "cache", "--debug", "-o", "json"},
			{"connstr", "upstash", "cache", "--format", "env", "--debug"},
			{"reset-password", "cache", "--yes", "--debug"},
			{"delete", "upstash", "cache", "--yes", "--debug"},
		} {
			stderr.WriteString(mustSucceed(t, e, args...).Stderr) // checks every secret Upstash holds now
		}
		if !strings.Contains(stderr.String(), "[debug] POST "+e.Server.URL+"/v2/redis/database") {
			t.Errorf("no HTTP trace on stderr:\n%s", stderr.String())
		}
		if strings.Contains(stderr.String(), key) || strings.Contains(stderr.String(), "Basic ") {
			t.Errorf("the trace shows the API key or the Authorization header:\n%s", stderr.String())
		}
	})
}
