package upstash_test

// Guarded writes for the Upstash commands.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
