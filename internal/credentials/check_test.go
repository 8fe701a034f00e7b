package credentials_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/cachelink/cachelink/internal/credentials"
)

// writeCredentialsFile puts content in the env's credentials.json as a
// user (or another program) would have left it.
func (e *env) writeCredentialsFile(content string) string {
	e.t.Helper()
	if err := os.MkdirAll(e.dir, 0o700); err != nil {
		e.t.Fatal(err)
	}
	path := filepath.Join(e.dir, "credentials.json")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		e.t.Fatal(err)
	}
	return path
}

// A credentials file of any shape other than an object of records is an
// error that names the file, for every operation: never a panic (the JSON
// null used to panic a Save with "assignment to entry in nil map").
func TestCredentialsFileOfTheWrongShapeIsAnErrorNeverAPanic(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, content, says string }{
		{"null", "null", "holds null"},
		{"null with spaces", " null\n", "holds null"},
		{"array", "[]", "holds an array"},
		{"string", `"polyscale:default"`, "holds a string"},
		{"number", "42", "holds a number"},
		{"boolean", "true", "holds a boolean"},
		{"invalid JSON", "{not json", "not valid JSON"},
		{"truncated", `{"polyscale:default": {"p": "polyscale"`, "not valid JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, mode := range []string{credentials.ModeFile, credentials.ModeAuto} {
				e := newEnv(t)
				path := e.writeCredentialsFile(tc.content)
				s := e.store(mode, newMemKeyring(windowsLimit))
				check := func(op string, err error) {
					t.Helper()
					if err == nil || !errors.Is(err, credentials.ErrCorrupt) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.says) {
						t.Errorf("%s mode, %s: %v; want ErrCorrupt naming %s and saying %q", mode, op, err, path, tc.says)
					}
				}
				check("Check", s.Check("polyscale", "default"))
				_, _, err := s.Load("polyscale", "default")
				check("Load", err)
				check("Delete", s.Delete("polyscale", "default"))
				if mode == credentials.ModeFile { // auto mode saves to the working keychain
					_, err = s.Save(record("at-new"))
					check("Save", err)
				}
				if got, _ := os.ReadFile(path); string(got) != tc.content {
					t.Errorf("%s mode: the file was changed to %q", mode, got)
				}
			}
		})
	}
}

// An empty object is an empty store (what removing the last login leaves),
// and so is an empty file.
func TestEmptyCredentialsFileIsAnEmptyStore(t *testing.T) {
	t.Parallel()
	for _, content := range []string{"{}", "{}\n", "", "\n"} {
		e := newEnv(t)
		e.writeCredentialsFile(content)
		s := e.store(credentials.ModeFile, nil)
		if err := s.Check("polyscale", "default"); err != nil {
			t.Errorf("%q: Check: %v", content, err)
		}
		if _, _, err := s.Load("polyscale", "default"); !errors.Is(err, credentials.ErrNotFound) {
			t.Errorf("%q: Load: %v, want ErrNotFound", content, err)
		}
		mustSave(t, s, record("at-1"))
	}
}

// The entry of the provider and profile must be a record; other entries
// are not this login's business.
func TestCheckRefusesAnEntryThatIsNotARecord(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, entry, says string }{
		{"null", "null", "is null"},
		{"array", "[]", "is an array"},
		{"empty object", "{}", "not a valid login record"},
		{"string", `"rt-abc"`, "is a string"},
		{"number", "7", "is a number"},
		{"another profile's record", `{"p":"polyscale","pr":"work"}`, "not a valid login record"},
		{"wrong field types", `{"p":"polyscale","pr":"default","e":12}`, "not a valid login record"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			path := e.writeCredentialsFile(`{"upstash:default": null, "polyscale:default": ` + tc.entry + `}`)
			s := e.store(credentials.ModeFile, nil)
			err := s.Check("polyscale", "default")
			if !errors.Is(err, credentials.ErrCorrupt) {
				t.Fatalf("Check: %v, want ErrCorrupt", err)
			}
			for _, want := range []string{`"polyscale:default"`, path, tc.says, "cachelink disconnect polyscale"} {
				if !strings.Contains(said(err), want) {
					t.Errorf("Check: %q lacks %q", said(err), want)
				}
			}
			// Following the advice works: disconnect deletes the entry.
			if err := s.Delete("polyscale", "default"); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			if err := s.Check("polyscale", "default"); err != nil {
				t.Errorf("Check after Delete: %v", err)
			}
		})
	}
	// A broken entry of another profile does not stop this one.
	e := newEnv(t)
	e.writeCredentialsFile(`{"polyscale:work": null, "upstash:default": []}`)
	if err := e.store(credentials.ModeFile, nil).Check("polyscale", "default"); err != nil {
		t.Errorf("Check with other entries broken: %v", err)
	}
	// The hint carries --profile.
	e = newEnv(t)
	e.writeCredentialsFile(`{"polyscale:work": null}`)
	if err := e.store(credentials.ModeFile, nil).Check("polyscale", "work"); err == nil || !strings.Contains(said(err), "cachelink disconnect polyscale --profile work") {
		t.Errorf("Check of profile work: %v, want the hint with --profile work", err)
	}
}

func TestCheckRefusesASymlinkedFile(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("symlinks need privileges on Windows")
	}
	e := newEnv(t)
	if err := os.MkdirAll(e.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(t.TempDir(), "elsewhere.json")
	if err := os.WriteFile(target, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(e.dir, "credentials.json")
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{credentials.ModeFile, credentials.ModeAuto} {
		err := e.store(mode, newMemKeyring(windowsLimit)).Check("polyscale", "default")
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "symbolic link") {
			t.Errorf("%s mode: Check: %v, want a refusal naming %s", mode, err, path)
		}
	}
	// Keyring mode never reads the file.
	if err := e.store(credentials.ModeKeyring, newMemKeyring(windowsLimit)).Check("polyscale", "default"); err != nil {
		t.Errorf("keyring mode: Check: %v", err)
	}
}

// A keychain item that cannot be read as the profile's record is refused,
// in keyring and auto mode, naming the item and what to do; a keychain that
// is down is an error only in keyring mode.
func TestCheckOfTheKeychain(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		items map[string]string
	}{
		{"not JSON", map[string]string{key: "garbage"}},
		{"null", map[string]string{key: "null"}},
		{"empty object", map[string]string{key: "{}"}},
		{"array", map[string]string{key: "[]"}},
		{"another profile's record", map[string]string{key: `{"p":"polyscale","pr":"work"}`}},
		{"a chunk missing", map[string]string{key: "cachelink-chunked:" + `{"chunks":2,"sha256":"` + strings.Repeat("0", 64) + `"}`, key + "#1": "{"}},
		{"a bad chunk header", map[string]string{key: "cachelink-chunked:{"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, mode := range []string{credentials.ModeKeyring, credentials.ModeAuto} {
				kr := newMemKeyring(windowsLimit)
				for u, v := range tc.items {
					kr.put(u, v)
				}
				err := newEnv(t).store(mode, kr).Check("polyscale", "default")
				if !errors.Is(err, credentials.ErrCorrupt) || !strings.Contains(err.Error(), `keychain item "polyscale:default"`) ||
					!strings.Contains(said(err), "cachelink disconnect polyscale") {
					t.Errorf("%s mode: Check: %v, want ErrCorrupt naming the item and disconnect", mode, err)
				}
			}
		})
	}

	down := newFailingKeyring()
	if err := newEnv(t).store(credentials.ModeKeyring, down).Check("polyscale", "default"); !errors.Is(err, credentials.ErrKeyringUnavailable) ||
		!strings.Contains(said(err), "CACHELINK_TOKEN_STORE=file") {
		t.Errorf("keyring mode, keychain down: %v, want ErrKeyringUnavailable naming CACHELINK_TOKEN_STORE=file", err)
	}
	if err := newEnv(t).store(credentials.ModeAuto, newFailingKeyring()).Check("polyscale", "default"); err != nil {
		t.Errorf("auto mode, keychain down, no file: %v, want nil (the login goes to the file)", err)
	}
	good := newMemKeyring(windowsLimit)
	s := newEnv(t).store(credentials.ModeKeyring, good)
	mustSave(t, s, record(jwtLike(4096))) // chunked
	if err := s.Check("polyscale", "default"); err != nil {
		t.Errorf("a good chunked record: %v", err)
	}
}

// BeginLogin locks the provider and profile: a second login waits briefly,
// then fails saying another is in progress; another profile or provider,
// and a refresh, are not held up.
func TestBeginLoginLocksTheProfile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := e.store(credentials.ModeFile, nil)
	ctx := context.Background()
	release, err := s.BeginLogin(ctx, "polyscale", "default")
	if err != nil {
		t.Fatal(err)
	}

	other := e.store(credentials.ModeFile, nil) // as another process would open it
	start := time.Now()
	_, err = other.BeginLogin(ctx, "polyscale", "default")
	if !errors.Is(err, credentials.ErrLoginInProgress) || !strings.Contains(err.Error(), "cachelink connect polyscale") ||
		!strings.Contains(err.Error(), "login-polyscale-default.lock") {
		t.Errorf("second BeginLogin: %v, want ErrLoginInProgress naming the command and the lock", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the second login waited %s", d)
	}
	for _, pp := range [][2]string{{"polyscale", "work"}, {"upstash", "default"}} {
		r, err := other.BeginLogin(ctx, pp[0], pp[1])
		if err != nil {
			t.Errorf("BeginLogin %s:%s while polyscale:default logs in: %v", pp[0], pp[1], err)
			continue
		}
		r()
	}
	// Storing and refreshing take other locks.
	if _, err := other.Replace(ctx, record("at-1")); err != nil {
		t.Errorf("Replace during a login: %v", err)
	}

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := other.BeginLogin(cctx, "polyscale", "default"); !errors.Is(err, context.Canceled) {
		t.Errorf("BeginLogin after Ctrl-C: %v, want context.Canceled", err)
	}

	release()
	r, err := other.BeginLogin(ctx, "polyscale", "default")
	if err != nil {
		t.Fatalf("BeginLogin after the first released: %v", err)
	}
	r()
}

// BeginLogin checks the store inside the lock and releases the lock when
// the store is refused.
func TestBeginLoginChecksTheStore(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.writeCredentialsFile("null")
	s := e.store(credentials.ModeFile, nil)
	if _, err := s.BeginLogin(context.Background(), "polyscale", "default"); !errors.Is(err, credentials.ErrCorrupt) {
		t.Fatalf("BeginLogin on a null file: %v, want ErrCorrupt", err)
	}
	e.writeCredentialsFile("{}")
	release, err := s.BeginLogin(context.Background(), "polyscale", "default")
	if err != nil {
		t.Fatalf("BeginLogin after the fix: %v (the lock of the refused one was kept?)", err)
	}
	release()
	if _, err := s.BeginLogin(context.Background(), "polyscale", "no/slash"); err == nil {
		t.Error("BeginLogin accepted an invalid profile name")
	}
}
