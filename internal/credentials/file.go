package credentials

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/gofrs/flock"

	"github.com/cachelink/cachelink/internal/clierr"
)

// The credentials file: Dir/credentials.json, a JSON object keyed by
// "<provider>:<profile>". It is created 0600 in a 0700 directory and always
// replaced atomically (temporary file, fsync, rename), so readers need no
// lock and never see half a file. Writers serialise their
// read-modify-write on Dir/credentials.lock.
const (
	fileName     = "credentials.json"
	fileLockName = "credentials.lock"
	maxFileSize  = 1 << 20
)

// lockWait bounds how long a process waits for another one holding a lock.
// A variable so tests can shorten it.
var lockWait = 30 * time.Second

// lockRetry is how often a waiting process tries the lock again.
const lockRetry = 20 * time.Millisecond

// lock takes an exclusive file lock at Dir/name, waiting at most lockWait,
// and returns the function that releases it. what names the operation for
// the error message.
func (s *Store) lock(ctx context.Context, name, what string) (func(), error) {
	return s.lockWithin(ctx, name, lockWait, func(path string) error {
		return clierr.Hinted(fmt.Errorf("another cachelink process is %s and did not finish within %s (lock file %s)", what, lockWait, path),
			"Try again, or delete the lock file if no cachelink process is running.")
	})
}

// lockWithin is lock with its own wait; busy makes the error returned
// when another process still holds the lock after wait.
func (s *Store) lockWithin(ctx context.Context, name string, wait time.Duration, busy func(path string) error) (func(), error) {
	if err := s.ensureDir(); err != nil {
		return nil, err
	}
	path := filepath.Join(s.dir, name)
	fl := flock.New(path)
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	ok, err := fl.TryLockContext(ctx, lockRetry)
	if err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		return nil, fmt.Errorf("cannot lock %s: %w", path, err)
	}
	if !ok {
		if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, ctx.Err()
		}
		return nil, busy(path)
	}
	return func() { _ = fl.Unlock() }, nil
}

// readFile returns the entries of the credentials file; none when it does
// not exist. A symlink is refused; a file others can read is used, with a
// warning.
func (s *Store) readFile() (map[string]json.RawMessage, error) {
	path := s.FilePath()
	info, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]json.RawMessage{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read the credentials file: %w", err)
	}
	if err := checkRegular(path, info); err != nil {
		return nil, err
	}
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		s.warn(fmt.Sprintf("warning: %s is accessible by group or others (mode %04o)\nRun: chmod 600 %s (cachelink fixes it on its next write)",
			path, info.Mode().Perm(), path))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the credentials file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read the credentials file: %w", err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("%w: %s is bigger than %d bytes", ErrCorrupt, path, maxFileSize)
	}
	m := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(data)) == 0 {
		return m, nil
	}
	if !json.Valid(data) {
		return nil, clierr.Hinted(fmt.Errorf("%w: %s is not valid JSON", ErrCorrupt, path), corruptFileFix)
	}
	// Valid JSON of another shape (null, [], "...", 42) is as unusable:
	// json.Unmarshal would leave a nil map for null, and a write would
	// panic on it.
	if kind := jsonKind(data); kind != "an object" {
		return nil, clierr.Hinted(fmt.Errorf("%w: %s holds %s, not an object of logins", ErrCorrupt, path, kind), corruptFileFix)
	}
	if err := json.Unmarshal(data, &m); err != nil || m == nil {
		return nil, clierr.Hinted(fmt.Errorf("%w: %s is not an object of logins", ErrCorrupt, path), corruptFileFix)
	}
	return m, nil
}

// jsonKind names the kind of the valid JSON value data ("an object",
// "null", "an array", ...) for error messages, without quoting it: a
// value in a credentials file could be a token.
func jsonKind(data []byte) string {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return "nothing"
	}
	switch data[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 'n':
		return "null"
	case 't', 'f':
		return "a boolean"
	default:
		return "a number"
	}
}

func checkRegular(path string, info fs.FileInfo) error {
	if info.Mode()&fs.ModeSymlink != 0 {
		return clierr.Hinted(fmt.Errorf("%s is a symbolic link; cachelink refuses to read or write credentials through one", path),
			"Replace it with the file it points to, or remove it.")
	}
	if !info.Mode().IsRegular() {
		return clierr.Hinted(fmt.Errorf("%s is not a regular file", path), "Move it aside, or remove it.")
	}
	return nil
}

func (s *Store) fileGet(key string) (*Record, error) {
	m, err := s.readFile()
	if err != nil {
		return nil, err
	}
	raw, ok := m[key]
	if !ok {
		return nil, fmt.Errorf("%w for %s in %s", ErrNotFound, key, s.FilePath())
	}
	return decodeRecord(key, raw)
}

// filePut stores r in the file and warns that it did.
func (s *Store) filePut(r *Record) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	err = s.updateFile(func(m map[string]json.RawMessage) error {
		m[r.key()] = data
		return nil
	})
	if err != nil {
		return err
	}
	s.warn(fmt.Sprintf("warning: the %s credentials of profile %s were stored in plain text in %s (mode 0600), not in the system keychain",
		r.Provider, r.Profile, s.FilePath()))
	return nil
}

func (s *Store) fileDelete(key string) error {
	if _, err := os.Lstat(s.FilePath()); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w for %s in %s", ErrNotFound, key, s.FilePath())
	}
	return s.updateFile(func(m map[string]json.RawMessage) error {
		if _, ok := m[key]; !ok {
			return fmt.Errorf("%w for %s in %s", ErrNotFound, key, s.FilePath())
		}
		delete(m, key)
		return nil
	})
}

// updateFile runs change on the file's entries under the file lock and
// writes the result atomically.
func (s *Store) updateFile(change func(map[string]json.RawMessage) error) error {
	unlock, err := s.lock(context.Background(), fileLockName, "writing the credentials file")
	if err != nil {
		return err
	}
	defer unlock()
	m, err := s.readFile()
	if err != nil {
		return err
	}
	if err := change(m); err != nil {
		return err
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return s.writeFile(append(data, '\n'))
}

// writeFile replaces the credentials file with data: a 0600 temporary file
// in the same directory, fsync, rename. The rename also replaces a file that
// had wider permissions. A symlink in its place is refused.
func (s *Store) writeFile(data []byte) (err error) {
	path := s.FilePath()
	if info, err := os.Lstat(path); err == nil {
		if err := checkRegular(path, info); err != nil {
			return err
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cannot write the credentials file: %w", err)
	}
	tmp, err := os.CreateTemp(s.dir, ".credentials-*.tmp") // created 0600
	if err != nil {
		return fmt.Errorf("cannot write the credentials file: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		return fmt.Errorf("cannot write the credentials file: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("cannot write the credentials file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("cannot write the credentials file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("cannot write the credentials file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("cannot write the credentials file: %w", err)
	}
	if runtime.GOOS != "windows" {
		// Make the rename itself durable. Best effort.
		if d, err := os.Open(s.dir); err == nil {
			_ = d.Sync()
			d.Close()
		}
	}
	return nil
}

// corruptFileFix is what to do about a credentials file that cannot be
// read as logins.
const corruptFileFix = "Fix or remove it, then run 'cachelink connect' again."
