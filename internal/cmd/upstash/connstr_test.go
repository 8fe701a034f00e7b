package upstash_test

// `cachelink connstr upstash <db-id|db-name>` run in-process against the
// sandbox: each format (redis, rest, env, json), --read-only, and
// --write-env merging into a .env file. What is on stdout is exactly what a
// script captures or an application reads.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cachelink/cachelink/internal/cmdtest"
	"github.com/cachelink/cachelink/internal/sandbox"
)

// upstashLogin is a sandbox with a stored Upstash login.
func upstashLogin(t *testing.T) *cmdtest.Env {
	t.Helper()
	return cmdtest.NewUpstashLogin(t, cmdtest.Options{})
}

// upstashCI is a sandbox with UPSTASH_EMAIL and UPSTASH_API_KEY set (a key
// minted by a login that was then disconnected) and nothing in the
// keychain.
func upstashCI(t *testing.T) *cmdtest.Env {
	t.Helper()
	return cmdtest.NewUpstashCI(t, cmdtest.Options{})
}

func bothLogins(t *testing.T, fn func(t *testing.T, e *cmdtest.Env)) {
	t.Run("stored login", func(t *testing.T) {
		t.Parallel()
		fn(t, upstashLogin(t))
	})
	t.Run("CI mode", func(t *testing.T) {
		t.Parallel()
		e := upstashCI(t)
		fn(t, e)
		if n := e.Keyring.Calls.Load(); n != 0 {
			t.Errorf("keychain calls = %d in CI mode, want 0", n)
		}
	})
}

// run runs cachelink and fails the test unless it exits 0.
func run(t *testing.T, e *cmdtest.Env, args ...string) cmdtest.Result {
	t.Helper()
	r := e.MustRun(t, args...)
	noSecretsOnStderr(t, e, r)
	return r
}

// fails runs cachelink and checks that it exits code, with nothing on
// stdout and the error once on stderr.
func fails(t *testing.T, e *cmdtest.Env, code int, args ...string) cmdtest.Result {
	t.Helper()
	r := e.ExpectExit(t, code, args...)
	noSecretsOnStderr(t, e, r)
	return r
}

// noSecretsOnStderr: no database password or REST token reaches stderr.
func noSecretsOnStderr(t *testing.T, e *cmdtest.Env, r cmdtest.Result) {
	t.Helper()
	cmdtest.CheckNoSecrets(t, r, e.UpstashDatabaseSecrets())
}

// newDatabase creates a database with the CLI and returns it as Upstash
// holds it.
func newDatabase(t *testing.T, e *cmdtest.Env, name string, extra ...string) sandbox.Database {
	t.Helper()
	run(t, e, append([]string{"create", "upstash", "--name", name, "--region", "eu-west-1"}, extra...)...)
	dbs := e.Sandbox.Store.State().Databases
	return dbs[len(dbs)-1]
}

func redisURLOf(d sandbox.Database) string {
	return "rediss://default:" + d.Password + "@" + d.Endpoint + ":6379"
}

func TestUpstashConnstrFormats(t *testing.T) {
	t.Parallel()
	bothLogins(t, func(t *testing.T, e *cmdtest.Env) {
		newDatabase(t, e, "other")
		d := newDatabase(t, e, "cache")

		for _, ref := range []string{"cache", d.DatabaseID} {
			// redis, the default: one line, REDIS_URL=$(cachelink connstr upstash cache).
			for _, args := range [][]string{{}, {"--format", "redis"}} {
				r := run(t, e, append([]string{"connstr", "upstash", ref}, args...)...)
				if r.Stdout != redisURLOf(d)+"\n" || r.Stderr != "" {
					t.Errorf("%s %v: stdout %q, stderr %q; want the rediss:// URL alone", ref, args, r.Stdout, r.Stderr)
				}
			}
			// rest: the REST URL (the token is a secret of its own: env, json).
			if r := run(t, e, "connstr", "upstash", ref, "--format", "rest"); r.Stdout != "https://"+d.Endpoint+"\n" {
				t.Errorf("%s rest: stdout %q", ref, r.Stdout)
			}
			// env: the three names Upstash's SDKs read.
			want := "REDIS_URL=" + redisURLOf(d) + "\n" +
				"UPSTASH_REDIS_REST_URL=https://" + d.Endpoint + "\n" +
				"UPSTASH_REDIS_REST_TOKEN=" + d.RestToken + "\n"
			if r := run(t, e, "connstr", "upstash", ref, "--format", "env"); r.Stdout != want {
				t.Errorf("%s env: stdout %q\nwant %q", ref, r.Stdout, want)
			}
			// json, as --format json and as -o json.
			for _, args := range [][]string{{"--format", "json"}, {"-o", "json"}, {"--format", "json", "-o", "json"}} {
				r := run(t, e, append([]string{"connstr", "upstash", ref}, args...)...)
				var got map[string]any
				if err := json.Unmarshal([]byte(r.Stdout), &got); err != nil || strings.Count(strings.TrimSpace(r.Stdout), "\n") != 0 {
					t.Fatalf("%s %v: stdout is not one line of JSON: %v\n%s", ref, args, err, r.Stdout)
				}
				for k, v := range map[string]any{"id": d.DatabaseID, "name": "cache", "endpoint": d.Endpoint, "port": float64(6379),
					"redis_url": redisURLOf(d), "rest_url": "https://" + d.Endpoint, "rest_token": d.RestToken, "read_only_rest_token": d.ReadOnlyRestToken} {
					if got[k] != v {
						t.Errorf("%s %v: %s = %v, want %v", ref, args, k, got[k], v)
					}
				}
			}
		}
	})
}

func TestUpstashConnstrReadOnlyUsesTheReadOnlyToken(t *testing.T) {
	t.Parallel()
	bothLogins(t, func(t *testing.T, e *cmdtest.Env) {
		d := newDatabase(t, e, "cache")

		// env: no REDIS_URL (the Redis protocol has no read-only password).
		r := run(t, e, "connstr", "upstash", "cache", "--format", "env", "--read-only")
		want := "UPSTASH_REDIS_REST_URL=https://" + d.Endpoint + "\n" +
			"UPSTASH_REDIS_REST_TOKEN=" + d.ReadOnlyRestToken + "\n"
		if r.Stdout != want {
			t.Errorf("env --read-only: stdout %q\nwant %q", r.Stdout, want)
		}
		// json: the read-only token, and neither the password nor the
		// read-write token.
		r = run(t, e, "connstr", "upstash", "cache", "--format", "json", "--read-only")
		var got map[string]any
		if err := json.Unmarshal([]byte(r.Stdout), &got); err != nil {
			t.Fatal(err)
		}
		if got["read_only_rest_token"] != d.ReadOnlyRestToken || got["rest_url"] != "https://"+d.Endpoint {
			t.Errorf("json --read-only = %s", r.Stdout)
		}
		if _, ok := got["redis_url"]; ok {
			t.Errorf("json --read-only has redis_url: %s", r.Stdout)
		}
		if _, ok := got["rest_token"]; ok {
			t.Errorf("json --read-only has the read-write rest_token: %s", r.Stdout)
		}
		// rest: the same URL; the token is not part of it.
		if r := run(t, e, "connstr", "upstash", "cache", "--format", "rest", "--read-only"); r.Stdout != "https://"+d.Endpoint+"\n" {
			t.Errorf("rest --read-only: stdout %q", r.Stdout)
		}
		for _, r := range []cmdtest.Result{
			run(t, e, "connstr", "upstash", "cache", "--format", "env", "--read-only"),
			run(t, e, "connstr", "upstash", "cache", "--format", "json", "--read-only"),
			run(t, e, "connstr", "upstash", "cache", "--format", "rest", "--read-only"),
		} {
			if strings.Contains(r.Stdout, d.Password) || strings.Contains(r.Stdout, d.RestToken) {
				t.Errorf("--read-only printed the password or the read-write token:\n%s", r.Stdout)
			}
		}
	})
}

func TestUpstashConnstrRefusesBadFlagsBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"--read-only"}, "the Redis protocol has no read-only password; --read-only works with --format rest, env or json"},
		{[]string{"--read-only", "--format", "redis"}, "the Redis protocol has no read-only password"},
		{[]string{"--format", "xml"}, "xml"},
		{[]string{"--format", "env", "-o", "json"}, "-o json and --format env disagree"},
		{[]string{"--format", "redis", "--write-env", ".env"}, "--write-env writes env lines; it cannot be combined with --format redis"},
		{[]string{"-o", "json", "--write-env", ".env"}, "--write-env writes env lines"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			e := upstashCI(t)
			newDatabase(t, e, "cache")
			count := e.CountRequests(t, "", "")
			r := fails(t, e, 2, append([]string{"connstr", "upstash", "cache"}, tc.args...)...)
			if !strings.Contains(r.Stderr, tc.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderr, r.Stderr)
			}
			if n := count(); n != 0 {
				t.Errorf("%d requests reached Upstash, want none", n)
			}
		})
	}
}

func TestUpstashConnstrMissingOrAmbiguousDatabase(t *testing.T) {
	t.Parallel()
	e := upstashCI(t)
	a := newDatabase(t, e, "cache")
	b := newDatabase(t, e, "cache", "--allow-duplicate")
	r := fails(t, e, 2, "connstr", "upstash", "cache")
	if !strings.Contains(r.Stderr, a.DatabaseID+", "+b.DatabaseID) {
		t.Errorf("stderr should list both ids:\n%s", r.Stderr)
	}
	fails(t, e, 3, "connstr", "upstash", "nope")
	fails(t, e, 3, "connstr", "upstash", "3f6b2d4e-1111-4222-8333-444455556666", "--format", "env")
}

func TestUpstashConnstrWriteEnvMergesIntoTheFile(t *testing.T) {
	t.Parallel()
	bothLogins(t, func(t *testing.T, e *cmdtest.Env) {
		d := newDatabase(t, e, "cache")
		dir := t.TempDir()
		file := filepath.Join(dir, ".env")
		old := "# the app's settings\n" +
			"PORT=8080\n" +
			"REDIS_URL=rediss://default:old@old.upstash.io:6379\n" +
			"export DATABASE_URL=postgres://app@db/app\n"
		if err := os.WriteFile(file, []byte(old), 0o644); err != nil {
			t.Fatal(err)
		}

		r := run(t, e, "connstr", "upstash", "cache", "--write-env", file)
		if r.Stdout != "" {
			t.Errorf("stdout = %q, want nothing: the lines go to the file", r.Stdout)
		}
		for _, want := range []string{"✓ Updated REDIS_URL, UPSTASH_REDIS_REST_URL, UPSTASH_REDIS_REST_TOKEN in " + file, "it is now 0600"} {
			if !strings.Contains(r.Stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, r.Stderr)
			}
		}
		got, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		want := "# the app's settings\n" +
			"PORT=8080\n" +
			"REDIS_URL=" + redisURLOf(d) + "\n" +
			"export DATABASE_URL=postgres://app@db/app\n" +
			"UPSTASH_REDIS_REST_URL=https://" + d.Endpoint + "\n" +
			"UPSTASH_REDIS_REST_TOKEN=" + d.RestToken + "\n"
		if string(got) != want {
			t.Errorf("the file =\n%s\nwant\n%s", got, want)
		}
		if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("mode = %v (%v), want 0600: the file holds a password", fi.Mode().Perm(), err)
		}

		// With --format env too; a new file is created 0600.
		fresh := filepath.Join(dir, "new.env")
		r = run(t, e, "connstr", "upstash", d.DatabaseID, "--format", "env", "--write-env", fresh)
		if !strings.Contains(r.Stderr, "✓ Added REDIS_URL, UPSTASH_REDIS_REST_URL, UPSTASH_REDIS_REST_TOKEN in "+fresh) {
			t.Errorf("stderr = %q", r.Stderr)
		}
		if fi, err := os.Stat(fresh); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("new file: mode %v (%v), want 0600", fi.Mode().Perm(), err)
		}
		if got, _ := os.ReadFile(fresh); string(got) != "REDIS_URL="+redisURLOf(d)+"\nUPSTASH_REDIS_REST_URL=https://"+d.Endpoint+"\nUPSTASH_REDIS_REST_TOKEN="+d.RestToken+"\n" {
			t.Errorf("new file =\n%s", got)
		}

		// --read-only writes the read-only token and no REDIS_URL.
		ro := filepath.Join(dir, "ro.env")
		run(t, e, "connstr", "upstash", "cache", "--read-only", "--write-env", ro)
		if got, _ := os.ReadFile(ro); string(got) != "UPSTASH_REDIS_REST_URL=https://"+d.Endpoint+"\nUPSTASH_REDIS_REST_TOKEN="+d.ReadOnlyRestToken+"\n" {
			t.Errorf("--read-only file =\n%s", got)
		}
	})
}

func TestUpstashConnstrWriteEnvNeverFollowsASymlink(t *testing.T) {
	t.Parallel()
	e := upstashCI(t)
	newDatabase(t, e, "cache")
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("KEEP=1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, ".env")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	fails(t, e, 2, "connstr", "upstash", "cache", "--write-env", link)
	if got, _ := os.ReadFile(target); string(got) != "KEEP=1\n" {
		t.Errorf("the symlink's target was changed:\n%s", got)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Error("the symlink was replaced")
	}
}

// --env-name renames the variable of the rediss:// URL, as it names
// DATABASE_URL for PolyScale; the REST names are the SDKs' own.
func TestUpstashConnstrEnvName(t *testing.T) {
	t.Parallel()
	e := upstashCI(t)
	d := newDatabase(t, e, "cache")
	r := run(t, e, "connstr", "upstash", "cache", "--format", "env", "--env-name", "CACHE_URL")
	want := "CACHE_URL=" + redisURLOf(d) + "\n" +
		"UPSTASH_REDIS_REST_URL=https://" + d.Endpoint + "\n" +
		"UPSTASH_REDIS_REST_TOKEN=" + d.RestToken + "\n"
	if r.Stdout != want {
		t.Errorf("stdout = %q\nwant     %q", r.Stdout, want)
	}
	fails(t, e, 2, "connstr", "upstash", "cache", "--format", "env", "--env-name", "1BAD")
}
