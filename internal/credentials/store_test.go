package credentials_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/credentials"
)

const key = "polyscale:default" // the keychain user of the test record

func TestBigTokenIsSplitIntoChunksUnderWindowsLimit(t *testing.T) {
	t.Parallel()
	kr := newMemKeyring(windowsLimit)
	s := newEnv(t).store(credentials.ModeKeyring, kr)
	want := record(jwtLike(4096))

	if src := mustSave(t, s, want); src != credentials.SourceKeyring {
		t.Errorf("saved to %s, want keyring", src)
	}
	// Chunks first, then the header that names them.
	users := kr.users()
	if len(users) < 3 || users[0] != key || users[1] != key+"#1" {
		t.Fatalf("keychain items %v, want a header and at least two chunks", users)
	}
	for _, u := range users {
		if n := len(kr.value(u)); n > windowsLimit {
			t.Errorf("item %s has %d bytes, more than Windows stores", u, n)
		}
	}
	got, src := mustLoad(t, s)
	if src != credentials.SourceKeyring {
		t.Errorf("loaded from %s, want keyring", src)
	}
	sameRecord(t, got, want)
}

func TestSmallerKeyringLimitGetsSmallerChunks(t *testing.T) {
	t.Parallel()
	kr := newMemKeyring(900) // tighter than any real keychain: Save halves the chunk size until it fits
	s := newEnv(t).store(credentials.ModeKeyring, kr)
	want := record(jwtLike(4096))

	mustSave(t, s, want)
	got, _ := mustLoad(t, s)
	sameRecord(t, got, want)
}

func TestShorterRecordRemovesOldChunks(t *testing.T) {
	t.Parallel()
	kr := newMemKeyring(windowsLimit)
	s := newEnv(t).store(credentials.ModeKeyring, kr)
	mustSave(t, s, record(jwtLike(8000)))

	want := record("short-access-token")
	mustSave(t, s, want)

	if users := kr.users(); len(users) != 1 || users[0] != key {
		t.Errorf("keychain items %v, want only %s", users, key)
	}
	got, _ := mustLoad(t, s)
	sameRecord(t, got, want)
}

func TestCorruptChunksGiveErrCorruptNeverAWrongToken(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		corrupt func(kr *memKeyring)
	}{
		{"a chunk changed", func(kr *memKeyring) {
			v := []byte(kr.value(key + "#2"))
			v[10] ^= 1
			kr.put(key+"#2", string(v))
		}},
		{"a chunk missing", func(kr *memKeyring) { kr.remove(key + "#2") }},
		{"chunks of another write", func(kr *memKeyring) {
			// An interrupted Save of another token rewrote chunk 1 only.
			other := newMemKeyring(windowsLimit)
			s := newEnv(t).store(credentials.ModeKeyring, other)
			mustSave(t, s, record("X"+jwtLike(4095)))
			kr.put(key+"#1", other.value(key+"#1"))
		}},
		{"a garbled header", func(kr *memKeyring) { kr.put(key, "cachelink-chunked:{not json") }},
		{"a header naming too many chunks", func(kr *memKeyring) {
			kr.put(key, strings.Replace(kr.value(key), `"chunks":3`, `"chunks":4`, 1))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			kr := newMemKeyring(windowsLimit)
			s := newEnv(t).store(credentials.ModeKeyring, kr)
			token := jwtLike(4096)
			mustSave(t, s, record(token))
			if n := len(kr.users()); n != 4 {
				t.Fatalf("%d keychain items, the cases assume a header and 3 chunks", n)
			}

			tc.corrupt(kr)

			r, _, err := s.Load("polyscale", "default")
			if !errors.Is(err, credentials.ErrCorrupt) {
				t.Fatalf("Load = %v, %v; want ErrCorrupt", r, err)
			}
			if r != nil {
				t.Error("a record came back with the error")
			}
			if strings.Contains(err.Error(), token[:20]) {
				t.Error("the error quotes the token")
			}
			if !strings.Contains(said(err), "cachelink connect") {
				t.Errorf("the error should say what to do: %v", err)
			}
		})
	}
}

func TestAutoModeFallsBackToTheFileAndBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kr := newMemKeyring(windowsLimit)
	s := e.store(credentials.ModeAuto, kr)

	// The keychain fails: the login is not lost, it goes to the file.
	kr.fail(errNoDBus)
	during := record("at-during-outage")
	if src := mustSave(t, s, during); src != credentials.SourceFile {
		t.Fatalf("saved to %s during the outage, want file", src)
	}
	warned := strings.Join(e.warn.take(), "\n")
	if !strings.Contains(warned, "keychain") || !strings.Contains(warned, s.FilePath()) {
		t.Errorf("warnings %q should name the keychain failure and the file", warned)
	}
	got, src := mustLoad(t, s)
	if src != credentials.SourceFile {
		t.Errorf("loaded from %s, want file", src)
	}
	sameRecord(t, got, during)

	// The keychain is back: the next Save goes there and removes the
	// plaintext copy.
	kr.repair()
	after := record("at-after-outage")
	if src := mustSave(t, s, after); src != credentials.SourceKeyring {
		t.Fatalf("saved to %s after the outage, want keyring", src)
	}
	data, err := os.ReadFile(s.FilePath())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), key) {
		t.Errorf("the file still holds the record: %s", data)
	}
	got, src = mustLoad(t, s)
	if src != credentials.SourceKeyring {
		t.Errorf("loaded from %s, want keyring", src)
	}
	sameRecord(t, got, after)
}

func TestAutoModeLoadsTheNewerOfKeyringAndFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kr := newMemKeyring(windowsLimit)
	auto := e.store(credentials.ModeAuto, kr)
	keyringOnly := e.store(credentials.ModeKeyring, kr)
	fileOnly := e.store(credentials.ModeFile, nil)

	// A rotated refresh token saved to the file during an outage beats the
	// keychain's older item.
	mustSave(t, keyringOnly, record("older-in-keyring"))
	newer := record("newer-in-file")
	newer.RefreshToken = "rt-rotated"
	mustSave(t, fileOnly, newer)
	got, src := mustLoad(t, auto)
	if src != credentials.SourceFile {
		t.Errorf("loaded from %s, want the newer file", src)
	}
	sameRecord(t, got, newer)

	// And the other way round.
	newest := record("newest-in-keyring")
	mustSave(t, keyringOnly, newest)
	got, src = mustLoad(t, auto)
	if src != credentials.SourceKeyring {
		t.Errorf("loaded from %s, want the newer keyring item", src)
	}
	sameRecord(t, got, newest)
}

func TestHangingKeyringIsBoundedByTheTimeout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kr := newHangingKeyring(t)
	s := e.store(credentials.ModeAuto, kr) // Timeout: 50ms

	// The first call waits for the timeout, then Save falls back to the file.
	want := record("at-hang")
	if src := mustSave(t, s, want); src != credentials.SourceFile {
		t.Fatalf("saved to %s, want file", src)
	}
	if calls := kr.callCount(); calls != 1 {
		t.Errorf("%d keychain calls, want 1: after a timeout the keychain counts as down", calls)
	}
	if w := strings.Join(e.warn.take(), "\n"); !strings.Contains(w, "did not answer") {
		t.Errorf("warnings %q should say the keychain did not answer", w)
	}

	// Later calls fail at once, without asking the keychain again.
	got, src := mustLoad(t, s)
	if src != credentials.SourceFile {
		t.Errorf("loaded from %s, want file", src)
	}
	sameRecord(t, got, want)
	if calls := kr.callCount(); calls != 1 {
		t.Errorf("%d keychain calls, want still 1", calls)
	}
}

func TestKeyringModeFailsInsteadOfFallingBack(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		kr   func(t *testing.T) credentials.Keyring
	}{
		{"no D-Bus", func(*testing.T) credentials.Keyring { return newFailingKeyring() }},
		{"hangs", func(t *testing.T) credentials.Keyring { return newHangingKeyring(t) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			s := e.store(credentials.ModeKeyring, tc.kr(t))

			_, err := s.Save(record("at-lost?"))
			if !errors.Is(err, credentials.ErrKeyringUnavailable) {
				t.Fatalf("Save = %v, want ErrKeyringUnavailable", err)
			}
			if !strings.Contains(said(err), "CACHELINK_TOKEN_STORE=file") {
				t.Errorf("the error should name CACHELINK_TOKEN_STORE=file: %v", err)
			}
			if _, err := os.Stat(s.FilePath()); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("keyring mode wrote %s (stat: %v)", s.FilePath(), err)
			}
			if _, _, err := s.Load("polyscale", "default"); !errors.Is(err, credentials.ErrKeyringUnavailable) {
				t.Errorf("Load = %v, want ErrKeyringUnavailable", err)
			}
		})
	}
}

func TestKeyringRefusingEverySizeFallsBackOnlyInAutoMode(t *testing.T) {
	t.Parallel()
	tiny := newMemKeyring(100) // smaller than a chunk header

	e := newEnv(t)
	_, err := e.store(credentials.ModeKeyring, tiny).Save(record(jwtLike(4096)))
	if err == nil || !strings.Contains(err.Error(), "too big") || !strings.Contains(err.Error(), "CACHELINK_TOKEN_STORE=file") {
		t.Errorf("keyring mode: Save = %v, want a too-big error naming CACHELINK_TOKEN_STORE=file", err)
	}

	if src := mustSave(t, e.store(credentials.ModeAuto, tiny), record(jwtLike(4096))); src != credentials.SourceFile {
		t.Errorf("auto mode saved to %s, want file", src)
	}
}

func TestFileModeNeverTouchesTheKeyring(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := e.store(credentials.ModeFile, forbiddenKeyring{t})

	for i := range 2 {
		want := record(fmt.Sprintf("at-file-%d", i))
		if src := mustSave(t, s, want); src != credentials.SourceFile {
			t.Fatalf("saved to %s, want file", src)
		}
		// A warning at every write, not only the first.
		if w := e.warn.take(); len(w) != 1 || !strings.Contains(w[0], "plain text") {
			t.Errorf("write %d: warnings %q, want one about plain text", i, w)
		}
		got, src := mustLoad(t, s)
		if src != credentials.SourceFile {
			t.Errorf("loaded from %s, want file", src)
		}
		sameRecord(t, got, want)
	}
	if err := s.Delete("polyscale", "default"); err != nil {
		t.Fatal(err)
	}

	if runtime.GOOS == "windows" {
		return
	}
	if mode := stat(t, s.FilePath()).Mode().Perm(); mode != 0o600 {
		t.Errorf("file mode %04o, want 0600", mode)
	}
	if mode := stat(t, filepath.Dir(s.FilePath())).Mode().Perm(); mode != 0o700 {
		t.Errorf("directory mode %04o, want 0700", mode)
	}
}

func TestSymlinkedCredentialsFileIsRefused(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("symlinks need privileges on Windows")
	}
	e := newEnv(t)
	s := e.store(credentials.ModeFile, nil)
	mustSave(t, s, record("at-first"))
	elsewhere := filepath.Join(t.TempDir(), "elsewhere.json")
	if err := os.Rename(s.FilePath(), elsewhere); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(elsewhere, s.FilePath()); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(elsewhere)

	if _, err := s.Save(record("at-second")); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("Save through a symlink = %v, want a refusal", err)
	}
	if _, _, err := s.Load("polyscale", "default"); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("Load through a symlink = %v, want a refusal", err)
	}
	if after, _ := os.ReadFile(elsewhere); string(after) != string(before) {
		t.Error("the symlink's target was written")
	}
}

func TestGroupReadableFileWarnsAndTheNextWriteFixesIt(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions on Windows")
	}
	e := newEnv(t)
	s := e.store(credentials.ModeFile, nil)
	mustSave(t, s, record("at-1"))
	if err := os.Chmod(s.FilePath(), 0o640); err != nil {
		t.Fatal(err)
	}
	e.warn.take()

	mustLoad(t, s)
	if w := strings.Join(e.warn.take(), "\n"); !strings.Contains(w, "chmod 600") {
		t.Errorf("warnings %q, want one saying chmod 600", w)
	}
	mustSave(t, s, record("at-2"))
	if mode := stat(t, s.FilePath()).Mode().Perm(); mode != 0o600 {
		t.Errorf("after a write the mode is %04o, want 0600", mode)
	}
}

func TestDeleteRemovesEveryCopy(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kr := newMemKeyring(windowsLimit)
	auto := e.store(credentials.ModeAuto, kr)
	mustSave(t, e.store(credentials.ModeKeyring, kr), record(jwtLike(4096))) // chunked
	mustSave(t, e.store(credentials.ModeFile, nil), record("at-file-copy"))

	if err := auto.Delete("polyscale", "default"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if users := kr.users(); len(users) != 0 {
		t.Errorf("keychain still holds %v", users)
	}
	if _, _, err := auto.Load("polyscale", "default"); !errors.Is(err, credentials.ErrNotFound) {
		t.Errorf("Load after Delete = %v, want ErrNotFound", err)
	}
	if err := auto.Delete("polyscale", "default"); !errors.Is(err, credentials.ErrNotFound) {
		t.Errorf("second Delete = %v, want ErrNotFound", err)
	}
}

func TestDeleteWithTheKeyringDownStillRemovesTheFileCopy(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kr := newMemKeyring(windowsLimit)
	s := e.store(credentials.ModeAuto, kr)
	kr.fail(errNoDBus)
	mustSave(t, s, record("at-outage"))
	e.warn.take()

	if err := s.Delete("polyscale", "default"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if w := strings.Join(e.warn.take(), "\n"); !strings.Contains(w, "could not check the system keychain") {
		t.Errorf("warnings %q should say the keychain was not checked", w)
	}
	// Nothing left that Delete could have removed: the keychain failure is the error.
	if err := s.Delete("polyscale", "default"); !errors.Is(err, credentials.ErrKeyringUnavailable) {
		t.Errorf("second Delete = %v, want ErrKeyringUnavailable", err)
	}
}

func TestLoadWithNothingStoredIsErrNotFound(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{credentials.ModeAuto, credentials.ModeKeyring, credentials.ModeFile} {
		s := newEnv(t).store(mode, newMemKeyring(windowsLimit))
		if _, _, err := s.Load("polyscale", "default"); !errors.Is(err, credentials.ErrNotFound) {
			t.Errorf("%s: Load = %v, want ErrNotFound", mode, err)
		}
	}
}

func TestNewStoreChecksItsOptions(t *testing.T) {
	t.Parallel()
	if _, err := credentials.NewStore(credentials.Options{Mode: "vault", Dir: t.TempDir()}); err == nil ||
		!strings.Contains(clierr.HintOf(err), "auto, keyring or file") {
		t.Errorf("unknown mode: %v (hint %q), want the valid values listed in the hint", err, clierr.HintOf(err))
	}
	if _, err := credentials.NewStore(credentials.Options{}); err == nil {
		t.Error("no directory: want an error")
	}
	s, err := credentials.NewStore(credentials.Options{Dir: t.TempDir(), Keyring: forbiddenKeyring{t}})
	if err != nil || s.Mode() != credentials.ModeAuto {
		t.Errorf("default mode = %v, %v; want auto", s, err)
	}
	if _, _, err := s.Load("polyscale", "../../etc"); err == nil {
		t.Error("a profile name with a path in it was accepted")
	}
}

func TestRecordNeverPrintsSecrets(t *testing.T) {
	t.Parallel()
	r := record("at-secret-value")
	r.Extra = map[string]string{"k": "key-secret-value"}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		for _, v := range []any{r, *r} {
			out := fmt.Sprintf(format, v)
			for _, secret := range []string{r.AccessToken, r.RefreshToken, r.Extra["k"]} {
				if strings.Contains(out, secret) {
					t.Errorf("%s of %T prints a secret: %s", format, v, out)
				}
			}
		}
	}
}

func stat(t *testing.T, path string) fs.FileInfo {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info
}

func TestAWideConfigDirectoryIsNarrowedBeforeAFileIsWritten(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "cachelink")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil { // whatever the umask
		t.Fatal(err)
	}
	var warnings []string
	s, err := credentials.NewStore(credentials.Options{Mode: credentials.ModeFile, Dir: dir, Warn: func(m string) { warnings = append(warnings, m) }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Save(&credentials.Record{Provider: "polyscale", Profile: "default", AccessToken: "at"}); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %04o, want 0700", info.Mode().Perm())
	}
	if !strings.Contains(strings.Join(warnings, "\n"), "now 0700") {
		t.Errorf("warnings %q do not say the directory was narrowed", warnings)
	}
}
