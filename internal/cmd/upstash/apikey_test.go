package upstash_test

// The Developer API key of a stored login. Upstash's OAuth access token
// only reaches POST /apikey; every /v2 call needs a Developer API key, which
// `cachelink connect upstash` mints once and stores. These tests follow that
// key through its life: reused by every command; replaced (once, under a
// cross-process lock) when Upstash rejects it, as it does after the key was
// deleted in the Upstash console; and the account's limit of 37 keys.
//
// The sandbox cannot delete a key, so "deleted in the console" is
// simulated by storing a key Upstash never issued in the login's record:
// Upstash answers both with the same 401.

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cachelink/cachelink/internal/cmdtest"
	"github.com/cachelink/cachelink/internal/credentials"
	"github.com/cachelink/cachelink/internal/sandbox"
	"github.com/cachelink/cachelink/internal/upstash"
)

// storedLogin is the stored Upstash login of the default profile.
func storedLogin(t *testing.T, e *cmdtest.Env) *credentials.Record {
	t.Helper()
	rec, _, err := e.CredentialStore(t).Load(upstash.Name, "default")
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// mintKey mints a Developer API key named name with the stored login's
// access token, as the Upstash console (or another tool) would.
func mintKey(t *testing.T, e *cmdtest.Env, name string) string {
	t.Helper()
	key, err := upstash.MintAPIKey(context.Background(), http.DefaultClient, e.Server.URL, storedLogin(t, e).AccessToken, name)
	if err != nil {
		t.Fatalf("minting %s: %v", name, err)
	}
	return key
}

// statusJSON is `status upstash -o json`.
type statusJSON struct {
	Connected  bool   `json:"connected"`
	Source     string `json:"source"`
	Account    string `json:"account"`
	APIKeyName string `json:"api_key_name"`
}

func status(t *testing.T, e *cmdtest.Env) statusJSON {
	t.Helper()
	var s statusJSON
	r := mustSucceed(t, e, "status", "upstash", "-o", "json")
	if err := json.Unmarshal([]byte(r.Stdout), &s); err != nil {
		t.Fatalf("%v\n%s", err, r.Stdout)
	}
	return s
}

func minted(e *cmdtest.Env) int64 { return e.Sandbox.Counters.APIKeysMinted.Load() }

// keyIsValid reports whether Upstash (the sandbox) knows key.
func keyIsValid(e *cmdtest.Env, key string) bool {
	for _, k := range e.Sandbox.Store.State().APIKeys {
		if k.Key == key {
			return true
		}
	}
	return false
}

func TestConnectMintsOneKeyThatEveryCommandReuses(t *testing.T) {
	t.Parallel()
	e := connected(t)
	st := status(t, e)
	if minted(e) != 1 || !st.Connected || st.Source != "keyring" || st.Account != e.Sandbox.Account.Email {
		t.Fatalf("after connect: %d keys minted, status %+v; want 1, connected through the keychain as %s", minted(e), st, e.Sandbox.Account.Email)
	}
	if cmdtest.KeyNameSecond(t, st.APIKeyName) == 0 {
		t.Fatal("unreachable")
	}
	key := strings.TrimSpace(mustSucceed(t, e, "token", "upstash").Stdout)
	if !keyIsValid(e, key) {
		t.Fatal("`token upstash` does not print the minted key")
	}

	mustSucceed(t, e, "create", "upstash", "--name", "cache", "--region", "eu-west-1")
	mustSucceed(t, e, "list", "upstash")
	mustSucceed(t, e, "get", "upstash", "cache")
	mustSucceed(t, e, "connstr", "upstash", "cache", "--format", "env")
	mustSucceed(t, e, "reset-password", "cache", "--yes")
	mustSucceed(t, e, "delete", "upstash", "cache", "--yes")

	if n := minted(e); n != 1 {
		t.Errorf("API keys minted = %d, want 1: the login's key is reused", n)
	}
	if got := status(t, e).APIKeyName; got != st.APIKeyName {
		t.Errorf("api_key_name changed from %s to %s", st.APIKeyName, got)
	}
}

func TestARejectedKeyIsReplacedOnceAndStored(t *testing.T) {
	t.Parallel()
	e := connected(t)
	d := newDB(t, e, "cache", "eu-west-1")
	before := status(t, e).APIKeyName
	rejected := e.RejectUpstashKey(t, "default")
	v2 := e.CountRequests(t, "GET", "/v2/redis/databases")

	// The next command gets a 401, mints a new key with the stored login,
	// stores it, and sends its request again: the user sees only success.
	r := mustSucceed(t, e, "list", "upstash")
	if r.Stdout != d.DatabaseID+"\tcache\teu-west-1\t-\t"+d.Endpoint+"\tactive\tredis\n" {
		t.Errorf("stdout = %q", r.Stdout)
	}
	if n := v2(); n != 2 {
		t.Errorf("GET /v2/redis/databases = %d, want 2: the rejected one and one retry", n)
	}
	if n := minted(e); n != 2 {
		t.Errorf("API keys minted = %d, want 2: the login's and exactly one new", n)
	}

	// It is stored: status shows the new key's name, token prints it.
	after := status(t, e).APIKeyName
	if after == before || cmdtest.KeyNameSecond(t, after) <= cmdtest.KeyNameSecond(t, before) {
		t.Errorf("api_key_name = %s, want a new cachelink_API_KEY_<unix time> after %s", after, before)
	}
	key := strings.TrimSpace(mustSucceed(t, e, "token", "upstash").Stdout)
	if key == rejected || !keyIsValid(e, key) {
		t.Error("`token upstash` does not print the new key")
	}
	if storedKey, storedName := upstash.StoredKey(storedLogin(t, e)); storedKey != key || storedName != after {
		t.Error("the record does not hold the new key")
	}

	// Later commands use it without minting again.
	mustSucceed(t, e, "get", "upstash", "cache")
	mustSucceed(t, e, "connstr", "upstash", "cache")
	if n := minted(e); n != 2 {
		t.Errorf("API keys minted = %d after more commands, want still 2", n)
	}
}

func TestARejectedKeyOfAnotherProfileIsReplacedInThatProfile(t *testing.T) {
	t.Parallel()
	e := connected(t)
	// Two logins of one account mint two keys, whose names must differ
	// (see TestConnectWhenTheKeyNameIsTakenStillGetsAKey).
	cmdtest.WaitPastKeyName(t, status(t, e).APIKeyName)
	mustSucceed(t, e, "connect", "upstash", "--profile", "work")
	defaultKey := strings.TrimSpace(mustSucceed(t, e, "token", "upstash").Stdout)
	e.RejectUpstashKey(t, "work")

	mustSucceed(t, e, "list", "upstash", "--profile", "work")
	if n := minted(e); n != 3 {
		t.Errorf("API keys minted = %d, want 3: two logins and one new key", n)
	}
	work := strings.TrimSpace(mustSucceed(t, e, "token", "upstash", "--profile", "work").Stdout)
	if !keyIsValid(e, work) || work == defaultKey {
		t.Error("profile work does not hold its new key")
	}
	if got := strings.TrimSpace(mustSucceed(t, e, "token", "upstash").Stdout); got != defaultKey {
		t.Error("the default profile's key changed")
	}
}

func TestACreateRejectedFor401IsSentAgainAndCreatesOnce(t *testing.T) {
	t.Parallel()
	e := connected(t)
	e.RejectUpstashKey(t, "default")
	posts := e.CountRequests(t, "POST", "/v2/redis/database")

	r := mustSucceed(t, e, "create", "upstash", "--name", "cache", "--region", "eu-west-1")
	d := onlyDatabase(t, e)
	if r.Stdout != redisURL(d)+"\n" || createCount(e) != 1 {
		t.Errorf("stdout %q, creates %d; want the URL of exactly one database", r.Stdout, createCount(e))
	}
	// The list before the create got the 401 and the new key; the POST
	// was sent once, with it.
	if n := posts(); n != 1 {
		t.Errorf("POST requests = %d, want 1", n)
	}
	if n := minted(e); n != 2 {
		t.Errorf("API keys minted = %d, want 2", n)
	}
}

func TestCommandsRunningAtOnceMintOneKey(t *testing.T) {
	t.Parallel()
	const n = 4
	e := connected(t)
	newDB(t, e, "cache", "eu-west-1")
	e.RejectUpstashKey(t, "default")
	gets := e.CountRequests(t, "GET", "/v2/redis/databases")

	// Hold the lock cachelink takes to mint, until every command has had
	// its 401: then all of them want a new key at the same time.
	results := make([]cmdtest.Result, n)
	run := func(i int) { results[i] = e.Run("list", "upstash") }
	if !e.WhileUpstashMintIsLocked(t, n, run, gets) {
		t.Errorf("not all %d commands reached Upstash while the lock was held", n)
	}

	for i, r := range results {
		if r.Code != 0 || !strings.Contains(r.Stdout, "\tcache\t") {
			t.Errorf("command %d: exit %d\nstdout:\n%s\nstderr:\n%s", i, r.Code, r.Stdout, r.Stderr)
		}
	}
	if got := minted(e); got != 2 {
		t.Errorf("API keys minted = %d, want 2: the first command mints, the others read its key under the lock", got)
	}
	if got := gets(); got != 2*n {
		t.Errorf("GET requests = %d, want %d: each command rejected once, then retried once", got, 2*n)
	}
}

func TestTheKeyLimitOf37SaysWhatToDo(t *testing.T) {
	t.Parallel()
	e := connected(t)
	// The account already holds 37 keys: the login's and 36 made in the
	// console.
	for i := 1; i < upstash.MaxAPIKeys; i++ {
		mintKey(t, e, "console-key-"+strconv.Itoa(i))
	}
	before := status(t, e).APIKeyName
	e.RejectUpstashKey(t, "default")

	r := expectExit(t, e, 4, "list", "upstash")
	for _, want := range []string{
		"the stored Upstash API key was rejected, and a new one cannot be made",
		"limit of 37 Developer API keys",
		"delete an unused key in the Upstash console",
	} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.Stderr)
		}
	}
	if n := minted(e); n != upstash.MaxAPIKeys {
		t.Errorf("API keys minted = %d, want %d", n, upstash.MaxAPIKeys)
	}
	if got := status(t, e).APIKeyName; got != before {
		t.Errorf("api_key_name = %s, want it unchanged (%s)", got, before)
	}
}

func TestALoginWhoseKeyWasNeverMintedGetsOneOnFirstUse(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	// Upstash fails while connect mints the key: the login is stored
	// without one.
	e.AddFault(t, sandbox.FaultRule{Kind: sandbox.FaultError, Status: 503, Count: 1, Method: "POST", PathPrefix: "/apikey"})
	r := expectExit(t, e, 1, "connect", "upstash")
	if !strings.Contains(r.Stderr, "The login is stored") {
		t.Errorf("stderr = %q", r.Stderr)
	}
	if st := status(t, e); !st.Connected || st.APIKeyName != "" || minted(e) != 0 {
		t.Fatalf("status %+v, %d keys minted; want connected without a key", st, minted(e))
	}

	mustSucceed(t, e, "list", "upstash")
	if n := minted(e); n != 1 {
		t.Errorf("API keys minted = %d, want 1", n)
	}
	if st := status(t, e); st.APIKeyName == "" {
		t.Error("the key minted on first use was not stored")
	}
	mustSucceed(t, e, "list", "upstash")
	if n := minted(e); n != 1 {
		t.Errorf("API keys minted = %d, want still 1", n)
	}
}

// occupyKeyNames mints, with the stored login, keys with the names
// cachelink would give a key it mints in the next few seconds, as another
// cachelink (another profile, another machine) does when it mints in the
// same second.
func occupyKeyNames(t *testing.T, e *cmdtest.Env, seconds int) {
	t.Helper()
	now, token := time.Now(), storedLogin(t, e).AccessToken
	for i := range seconds {
		name := upstash.KeyName(now.Add(time.Duration(i) * time.Second))
		_, err := upstash.MintAPIKey(context.Background(), http.DefaultClient, e.Server.URL, token, name)
		if err != nil && !strings.Contains(err.Error(), "already exists") { // taken already: fine
			t.Fatalf("minting %s: %v", name, err)
		}
	}
}

// Key names have a resolution of one second, and Upstash refuses a second
// key of the same name. A key minted in the same second by another
// cachelink must not make the remint fail.
func TestARemintWhenTheKeyNameIsTakenStillGetsAKey(t *testing.T) {
	t.Parallel()
	e := connected(t)
	e.RejectUpstashKey(t, "default")
	occupyKeyNames(t, e, 5)

	r := e.Run("list", "upstash")
	if r.Code != 0 {
		t.Errorf("exit %d, want 0: a key name already taken must not stop the new key\nstderr:\n%s", r.Code, r.Stderr)
	}
}

// The same for connect: connecting two profiles to one account (or
// connecting again) within a second must not fail.
func TestConnectWhenTheKeyNameIsTakenStillGetsAKey(t *testing.T) {
	t.Parallel()
	e := connected(t)
	occupyKeyNames(t, e, 5)

	r := e.Run("connect", "upstash", "--profile", "other")
	if r.Code != 0 {
		t.Errorf("exit %d, want 0: a key name already taken must not stop the login\nstderr:\n%s", r.Code, r.Stderr)
	}
}

// A stored login whose email is not the account's (typed wrong at
// connect's prompt or with --email) makes Upstash reject every key, new
// ones included. Each command must not mint yet another key: an account
// holds at most 37, and every one minted is left behind.
func TestAKeyRejectedAgainAfterItWasMintedIsNotMintedOnEveryCommand(t *testing.T) {
	t.Parallel()
	e := connected(t)
	s := e.CredentialStore(t)
	rec, _, err := s.Load(upstash.Name, "default")
	if err != nil {
		t.Fatal(err)
	}
	rec.Account = "typo-" + rec.Account
	if _, err := s.Save(rec); err != nil {
		t.Fatal(err)
	}
	_, recName := upstash.StoredKey(rec)
	cmdtest.WaitPastKeyName(t, recName)

	for i := range 3 {
		r := expectExit(t, e, 4, "list", "upstash")
		if i == 0 && !strings.Contains(r.Stderr, "rejected") {
			t.Errorf("stderr = %q", r.Stderr)
		}
		cmdtest.WaitPastKeyName(t, status(t, e).APIKeyName)
	}
	if n := minted(e); n > 2 {
		t.Errorf("API keys minted = %d after 3 failing commands, want at most 2 (the login's and one new): each command minted another key", n)
	}
}
