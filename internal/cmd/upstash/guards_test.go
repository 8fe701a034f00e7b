package upstash_test

// Guarded writes for the Upstash commands.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cachelink/cachelink/internal/sandbox"
)

func TestEmptyWriteEnvIsAUsageError(t *testing.T) {
	t.Parallel()
	e := ciMode(t)
	d := newDB(t, e, "cache", "us-east-1")
	for _, args := range [][]string{
		{"connstr", "upstash", "cache", "--write-env", ""},
		{"connstr", "upstash", "cache", "--write-env="},
		{"reset-password", "upstash", "--kind", "qstash", "--write-env", ""},
	} {
		r := expectExit(t, e, 2, args...)
		if r.Stdout != "" || strings.Contains(r.Stderr, d.Password) {
			t.Errorf("%v: stdout = %q, stderr = %q; want no secret", args, r.Stdout, r.Stderr)
		}
	}
}

func TestASecondCreateOfTheSameNameIsRefused(t *testing.T) {
	t.Parallel()
	e := ciMode(t)
	args := []string{"create", "upstash", "--name", "twice", "--region", "us-east-1"}
	mustSucceed(t, e, args...)
	r := expectExit(t, e, 1, args...)
	for _, want := range []string{"--if-not-exists", "--allow-duplicate"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("stderr does not name %s:\n%s", want, r.Stderr)
		}
	}
	if n := len(databases(e)); n != 1 {
		t.Fatalf("%d databases after two identical creates, want 1", n)
	}
	mustSucceed(t, e, append(args, "--if-not-exists")...)
	mustSucceed(t, e, append(args, "--allow-duplicate")...)
	if n := len(databases(e)); n != 2 {
		t.Fatalf("%d databases after --allow-duplicate, want 2", n)
	}
}

func TestResetPasswordNeedsYesWithoutATerminal(t *testing.T) {
	t.Parallel()
	e := ciMode(t)
	d := newDB(t, e, "cache", "us-east-1")
	r := expectExit(t, e, 2, "reset-password", "cache")
	if !strings.Contains(r.Stderr, "--yes") {
		t.Errorf("stderr does not point at --yes:\n%s", r.Stderr)
	}
	if got := onlyDatabase(t, e); got.Password != d.Password {
		t.Errorf("the password changed without confirmation")
	}
}

func TestResetPasswordWritesTheNewURLToTheEnvFile(t *testing.T) {
	t.Parallel()
	e := ciMode(t)
	newDB(t, e, "cache", "us-east-1")
	path := filepath.Join(t.TempDir(), ".env")
	if err := os.WriteFile(path, []byte("PORT=8080\nREDIS_URL=rediss://default:old@old.upstash.io:6379\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := mustSucceed(t, e, "reset-password", "cache", "--yes", "--write-env", path)
	if r.Stdout != "" {
		t.Errorf("stdout = %q, want nothing", r.Stdout)
	}
	got, _ := os.ReadFile(path)
	d := onlyDatabase(t, e)
	want := "PORT=8080\nREDIS_URL=" + redisURL(d) + "\n"
	if !strings.HasPrefix(string(got), want) || !strings.Contains(string(got), "UPSTASH_REDIS_REST_TOKEN=") {
		t.Errorf(".env =\n%s\nwant it to begin\n%s", got, want)
	}
}

func TestListJSONCarriesNoSecretWithoutShowSecrets(t *testing.T) {
	t.Parallel()
	e := ciMode(t)
	newDB(t, e, "cache", "us-east-1")
	mustSucceed(t, e, "create", "upstash", "--kind", "vector", "--name", "docs", "--region", "eu-west-1", "--dimensions", "384", "--similarity", "cosine")
	mustSucceed(t, e, "create", "upstash", "--kind", "search", "--name", "find", "--region", "us-central1")
	d := onlyDatabase(t, e)
	var secrets []string // of the database and the two indexes
	secrets = append(secrets, d.Password, d.RestToken, d.ReadOnlyRestToken)
	for _, k := range []string{"vector", "search"} {
		ix := indexes(e, k)[0]
		secrets = append(secrets, ix.Token, ix.ReadOnlyToken)
	}

	// A list is pasted into CI logs: by default not one secret is in its
	// bytes, and the keys that would carry them are left out.
	r := mustSucceed(t, e, "list", "upstash", "-o", "json")
	for _, s := range secrets {
		if strings.Contains(r.Stdout, s) {
			t.Errorf("list -o json carries a secret:\n%s", r.Stdout)
		}
	}
	for _, key := range []string{`"redis_url"`, `"rest_token"`, `"read_only_rest_token"`, "password"} {
		if strings.Contains(r.Stdout, key) {
			t.Errorf("list -o json has %s:\n%s", key, r.Stdout)
		}
	}
	if !strings.Contains(r.Stdout, `"rest_url":"https://`+d.Endpoint+`"`) {
		t.Errorf("list -o json lost the REST URL, which is no secret:\n%s", r.Stdout)
	}

	// --show-secrets puts every one of them back.
	r = mustSucceed(t, e, "list", "upstash", "-o", "json", "--show-secrets")
	for _, s := range secrets {
		if !strings.Contains(r.Stdout, s) {
			t.Errorf("list -o json --show-secrets lacks a secret:\n%s", r.Stdout)
		}
	}

	// get -o json and connstr are asked for the secrets and keep them.
	if r := mustSucceed(t, e, "get", "upstash", "cache", "-o", "json"); !strings.Contains(r.Stdout, d.Password) || !strings.Contains(r.Stdout, d.RestToken) {
		t.Errorf("get -o json lacks the secrets:\n%s", r.Stdout)
	}
	if r := mustSucceed(t, e, "connstr", "upstash", "cache"); !strings.Contains(r.Stdout, d.Password) {
		t.Errorf("connstr lacks the password:\n%s", r.Stdout)
	}
}

func TestACreateAnsweredAfterTheTimeoutIsAdoptedNotRepeated(t *testing.T) {
	t.Parallel()
	e := ciMode(t)
	// Upstash makes the database at once and answers an hour later; the
	// client gives up after api_timeout (1s leaves the sandbox's other
	// answers, which take milliseconds, room).
	e.Setenv("CACHELINK_API_TIMEOUT", "1s")
	e.AddFault(t, sandbox.FaultRule{Kind: sandbox.FaultLateAnswer, Latency: time.Hour, Count: 1, PathPrefix: "/v2/redis/database"})
	r := mustSucceed(t, e, "create", "upstash", "--name", "slow", "--region", "us-east-1")
	d := onlyDatabase(t, e) // exactly one
	for _, want := range []string{"the answer to the create was lost", "adopting " + d.DatabaseID} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.Stderr)
		}
	}
	if s := strings.ToLower(r.Stderr); strings.Contains(s, "nothing was created") || strings.Contains(s, "no database") || strings.Contains(s, "try again") {
		t.Errorf("stderr says nothing was created:\n%s", r.Stderr)
	}
	if r.Stdout != redisURL(d)+"\n" {
		t.Errorf("stdout = %q, want the adopted database's URL", r.Stdout)
	}
}
