// Package credentials keeps the provider credentials cachelink receives from
// `cachelink connect` and refreshes them safely across processes.
//
// It exists because three things go wrong in login CLIs and must not go wrong
// here:
//
//   - A token just received is never lost. When the OS keychain fails, the
//     record goes to a 0600 file (CACHELINK_TOKEN_STORE=auto) or the caller
//     gets an error that says how to proceed (keyring); Save never silently
//     drops it.
//   - Keychains hang or are missing on headless Linux (no D-Bus, no Secret
//     Service, a locked collection, an unlock prompt nobody sees). Every
//     keychain call is bounded by a timeout and every failure becomes one
//     error, ErrKeyringUnavailable, that names CACHELINK_TOKEN_STORE=file.
//   - Fifty parallel CI invocations must cause one refresh, not a revoked
//     token family. Providers rotate refresh tokens and treat a reused one as
//     theft; Fresh takes a file lock, re-reads the store inside it, refreshes
//     only when still needed and stores the rotated token before unlocking.
//
// Records are stored in the keychain under service "cachelink" and user
// "<provider>:<profile>", split into chunks when too big for the keychain
// (see keychain.go), or in Dir/credentials.json (see file.go).
package credentials

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sync"
	"time"

	"github.com/cachelink/cachelink/internal/clierr"
)

// Record is what is stored per provider and profile. Its JSON is compact on
// purpose: keychains limit the size of a value (Windows 2560 bytes).
type Record struct {
	Provider     string    `json:"p"`
	Profile      string    `json:"pr"`
	Account      string    `json:"a,omitempty"` // e.g. the Upstash email or a PolyScale workspace
	AccessToken  string    `json:"at,omitempty"`
	RefreshToken string    `json:"rt,omitempty"`
	Expiry       time.Time `json:"e,omitzero"` // zero: the access token does not expire
	Scopes       []string  `json:"s,omitempty"`
	APIKey       bool      `json:"ak,omitempty"` // stored by `connect --with-key`: an API key, no OAuth tokens, never refreshed
	// Extra is what a provider keeps beyond the OAuth tokens (Upstash: its
	// Developer API key and the key's name). Its keys and values are the
	// provider's; this package only stores them.
	Extra map[string]string `json:"x,omitempty"`
	// Updated is when this record was written; Save sets it. Load uses it
	// to pick the newer of a keychain and a file copy, Fresh to tell how
	// long the access token lived when it was stored.
	Updated time.Time `json:"u"`
}

// UnmarshalJSON reads a record, keeping in Extra the top-level string and
// boolean fields this version does not define: records written before
// providers kept their data in Extra held it there ("k", "kn", "kr").
func (r *Record) UnmarshalJSON(data []byte) error {
	type plain Record // without this method
	if err := json.Unmarshal(data, (*plain)(r)); err != nil {
		return err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return err
	}
	for name, raw := range fields {
		if knownFields[name] {
			continue
		}
		var v any
		if json.Unmarshal(raw, &v) != nil {
			continue
		}
		var value string
		switch v := v.(type) {
		case string:
			value = v
		case bool:
			if !v {
				continue
			}
			value = "true"
		default:
			continue
		}
		if _, set := r.Extra[name]; set {
			continue // the newer copy wins
		}
		if r.Extra == nil {
			r.Extra = map[string]string{}
		}
		r.Extra[name] = value
	}
	return nil
}

// knownFields are the JSON names of Record's own fields.
var knownFields = map[string]bool{"p": true, "pr": true, "a": true, "at": true, "rt": true, "e": true, "s": true, "x": true, "u": true, "ak": true}

// String never shows secrets, so a Record printed by mistake leaks nothing.
func (r Record) String() string {
	return fmt.Sprintf("credentials.Record{%s:%s account=%q expiry=%s scopes=%v}",
		r.Provider, r.Profile, r.Account, r.Expiry.UTC().Format(time.RFC3339), r.Scopes)
}

// GoString is String for %#v.
func (r Record) GoString() string { return r.String() }

// RevocableToken is the token whose revocation (RFC 7009) ends the login,
// with its token_type_hint: the refresh token, which ends its access
// tokens too, else the access token; "" when the record holds neither.
func (r Record) RevocableToken() (token, hint string) {
	if r.RefreshToken != "" {
		return r.RefreshToken, "refresh_token"
	}
	if r.AccessToken != "" {
		return r.AccessToken, "access_token"
	}
	return "", ""
}

func (r *Record) key() string { return r.Provider + ":" + r.Profile }

// Keyring is the subset of go-keyring cachelink uses; the system keychain
// and test fakes implement it.
type Keyring interface {
	Get(service, user string) (string, error)
	Set(service, user, password string) error
	Delete(service, user string) error
}

var (
	// ErrNotFound means there is no record for the provider and profile.
	ErrNotFound = errors.New("no stored credentials")
	// ErrKeyringUnavailable means the keychain failed or did not answer in
	// time. Errors wrap it together with the cause and what to do.
	ErrKeyringUnavailable = errors.New("the system keychain is unavailable")
	// ErrCorrupt means a stored record could not be read back intact (a
	// chunk missing or not matching its hash, invalid JSON). It is returned
	// rather than a wrong token.
	ErrCorrupt = errors.New("stored credentials are corrupt")
	// ErrReauthRequired means the refresh token was rejected (invalid_grant)
	// and no newer one is stored: the user must run `cachelink connect`.
	ErrReauthRequired = errors.New("the stored login is no longer valid")
)

// Source says where a record was found or written.
type Source string

// The sources of a record. SourceEnv is for callers that resolve environment
// credentials before the store; this package never returns it.
const (
	SourceEnv     Source = "env"
	SourceKeyring Source = "keyring"
	SourceFile    Source = "file"
)

// Modes of CACHELINK_TOKEN_STORE.
const (
	ModeAuto    = "auto"
	ModeKeyring = "keyring"
	ModeFile    = "file"
)

// Service is the keychain service name of every item.
const Service = "cachelink"

// DefaultTimeout bounds each keychain call when Options.Timeout is zero.
const DefaultTimeout = 3 * time.Second

// Options configure a Store.
type Options struct {
	// Mode is CACHELINK_TOKEN_STORE: "auto" (default when empty) uses the
	// keychain and the file only when the keychain is unavailable; "keyring"
	// never touches the file; "file" never touches the keychain.
	Mode string
	// Dir is the configuration directory (required). credentials.json and
	// the lock files live here; it is created 0700 when missing.
	Dir string
	// Keyring is the keychain; nil means the system keychain via go-keyring.
	Keyring Keyring
	// Timeout bounds every keychain call; 0 means DefaultTimeout (3s).
	Timeout time.Duration
	// Warn receives messages for people (stderr): every time credentials are
	// written to the file, when auto mode falls back to the file, and when
	// the file is readable by others. nil discards them.
	Warn func(msg string)
}

// Store loads and saves Records. It is safe for concurrent use by several
// goroutines and, through file locks, by several processes.
type Store struct {
	mode string
	dir  string
	kr   *boundedKeyring // nil in file mode
	warn func(string)
}

// NewStore checks opts and returns a Store. It touches neither the keychain
// nor the disk, so building one is cheap (e.g. for --help).
func NewStore(opts Options) (*Store, error) {
	mode := opts.Mode
	if mode == "" {
		mode = ModeAuto
	}
	switch mode {
	case ModeAuto, ModeKeyring, ModeFile:
	default:
		return nil, clierr.Hinted(fmt.Errorf("invalid CACHELINK_TOKEN_STORE %q", opts.Mode), "Set CACHELINK_TOKEN_STORE to auto, keyring or file, or unset it.")
	}
	if opts.Dir == "" {
		return nil, clierr.Hinted(errors.New("credentials: no configuration directory"), "Set CACHELINK_CONFIG_DIR.")
	}
	s := &Store{mode: mode, dir: opts.Dir, warn: opts.Warn}
	if s.warn == nil {
		s.warn = func(string) {}
	}
	if mode != ModeFile {
		kr := opts.Keyring
		if kr == nil {
			kr = systemKeyring{}
		}
		timeout := opts.Timeout
		if timeout <= 0 {
			timeout = DefaultTimeout
		}
		s.kr = &boundedKeyring{kr: kr, timeout: timeout}
	}
	return s, nil
}

// Mode returns the effective mode ("auto", "keyring" or "file").
func (s *Store) Mode() string { return s.mode }

// FilePath returns the path of the credentials file.
func (s *Store) FilePath() string { return filepath.Join(s.dir, fileName) }

// namePattern is compiled on first use: package init runs on every start of
// cachelink, --help included.
var namePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`) })

// checkNames refuses provider and profile names that would break the
// keychain user "<provider>:<profile>#n" or the lock file name.
func checkNames(provider, profile string) error {
	if !namePattern().MatchString(provider) {
		return fmt.Errorf("invalid provider name %q", provider)
	}
	if !namePattern().MatchString(profile) {
		return fmt.Errorf("invalid profile name %q: use letters, digits, '.', '_' or '-' (at most 64)", profile)
	}
	return nil
}

// Load returns the record of provider and profile and where it was found.
//
// In auto mode both the keychain and the file are read: a record saved to
// the file during a keychain outage is found, and when both hold one the
// newer (by Updated) wins, so a stale keychain item never shadows a rotated
// refresh token.
func (s *Store) Load(provider, profile string) (*Record, Source, error) {
	if err := checkNames(provider, profile); err != nil {
		return nil, "", err
	}
	key := provider + ":" + profile
	switch s.mode {
	case ModeFile, ModeKeyring:
		get, src := s.fileGet, SourceFile
		if s.mode == ModeKeyring {
			get, src = s.keyringGet, SourceKeyring
		}
		r, err := get(key)
		if err != nil {
			return nil, "", err
		}
		return r, src, nil
	}

	kr, kerr := s.keyringGet(key)
	fr, ferr := s.fileGet(key)
	switch {
	case kerr == nil && ferr == nil:
		if fr.Updated.After(kr.Updated) {
			return fr, SourceFile, nil
		}
		return kr, SourceKeyring, nil
	case kerr == nil:
		if !errors.Is(ferr, ErrNotFound) {
			s.warn(fmt.Sprintf("warning: ignoring %s: %v", s.FilePath(), ferr))
		}
		return kr, SourceKeyring, nil
	case ferr == nil:
		// The keychain may be down (no D-Bus on this machine): the file is
		// where auto mode put the record, which was warned about when it was
		// written. Saying so again on every read would only be noise.
		return fr, SourceFile, nil
	case errors.Is(kerr, ErrNotFound) && errors.Is(ferr, ErrNotFound):
		return nil, "", fmt.Errorf("%w for %s", ErrNotFound, key)
	case errors.Is(kerr, ErrNotFound):
		return nil, "", ferr
	case errors.Is(ferr, ErrNotFound) && errors.Is(kerr, ErrKeyringUnavailable):
		// The keychain could not be read and the file has nothing: in auto
		// mode a login made while the keychain was down went to the file,
		// so this is most likely "not connected" — but say why the
		// keychain was not checked. The error is both.
		return nil, "", fmt.Errorf("%w for %s (the system keychain could not be checked: %w)", ErrNotFound, key, kerr)
	default:
		// Neither could be read.
		return nil, "", kerr
	}
}

// Save stores r under r.Provider and r.Profile, setting r.Updated to now.
//
// Save never loses r when something else can be done: in auto mode a
// keychain failure writes the file instead (with a warning); in keyring mode
// the error says how to proceed. After a successful keychain write in auto
// mode, a copy left in the file by an earlier outage is removed.
func (s *Store) Save(r *Record) (Source, error) {
	defer s.indexProfile(r) // profiles.go: the profiles `status` lists
	return s.save(r, time.Now())
}

// save is Save with r.Updated set to now.
func (s *Store) save(r *Record, now time.Time) (Source, error) {
	if r == nil {
		return "", errors.New("credentials: Save(nil)")
	}
	if err := checkNames(r.Provider, r.Profile); err != nil {
		return "", err
	}
	r.Updated = now.UTC()
	switch s.mode {
	case ModeFile:
		if err := s.filePut(r); err != nil {
			return "", err
		}
		return SourceFile, nil
	case ModeKeyring:
		if err := s.keyringPut(r); err != nil {
			hint := "" // an unavailable keychain's error already names CACHELINK_TOKEN_STORE=file
			if !errors.Is(err, ErrKeyringUnavailable) {
				hint = "; to keep them in a file instead, run again with CACHELINK_TOKEN_STORE=file"
			}
			return "", fmt.Errorf("could not save the %s credentials of profile %s: %w%s", r.Provider, r.Profile, err, hint)
		}
		return SourceKeyring, nil
	}

	kerr := s.keyringPut(r)
	if kerr == nil {
		s.removeStaleFileCopy(r.key())
		return SourceKeyring, nil
	}
	s.warn(fmt.Sprintf("warning: could not save to the system keychain (%v); falling back to the file", kerr))
	if ferr := s.filePut(r); ferr != nil {
		return "", clierr.Hinted(fmt.Errorf("could not save the %s credentials of profile %s: keychain: %w; file: %w",
			r.Provider, r.Profile, kerr, ferr),
			fmt.Sprintf("Fix the keychain or make %s writable, then run '%s' again.", s.dir, connectCommand(r.Provider, r.Profile)))
	}
	return SourceFile, nil
}

// removeStaleFileCopy deletes key from the file after the keychain took a
// newer record, so a plaintext copy does not outlive the outage. Best effort.
func (s *Store) removeStaleFileCopy(key string) {
	if _, err := s.fileGet(key); err != nil {
		return
	}
	if err := s.fileDelete(key); err != nil && !errors.Is(err, ErrNotFound) {
		s.warn(fmt.Sprintf("warning: could not remove the old copy of %s from %s: %v", key, s.FilePath(), err))
	}
}

// Delete removes the record of provider and profile from every place the
// mode allows (auto: keychain and file). It returns ErrNotFound when none
// had it. In auto mode a keychain that cannot be reached is only an error
// when the file did not have the record either.
func (s *Store) Delete(provider, profile string) error {
	if err := checkNames(provider, profile); err != nil {
		return err
	}
	key := provider + ":" + profile
	var kerr, ferr error = ErrNotFound, ErrNotFound
	if s.mode != ModeFile {
		kerr = s.keyringDelete(key)
	}
	if s.mode != ModeKeyring {
		ferr = s.fileDelete(key)
	}
	kBroken := kerr != nil && !errors.Is(kerr, ErrNotFound)
	fBroken := ferr != nil && !errors.Is(ferr, ErrNotFound)
	switch {
	case fBroken:
		return ferr
	case kBroken && ferr != nil:
		return kerr
	case kBroken:
		s.warn(fmt.Sprintf("warning: removed %s from %s, but could not check the system keychain: %v", key, s.FilePath(), kerr))
		return nil
	case kerr == nil || ferr == nil:
		return nil
	default:
		return fmt.Errorf("%w for %s", ErrNotFound, key)
	}
}

// ErrLoginInProgress means another process is logging in to the same
// provider and profile (BeginLogin).
var ErrLoginInProgress = errors.New("another login is in progress")

// loginLockWait is how long BeginLogin waits for another login of the same
// provider and profile: one that is storing its result is done within it,
// one that waits for a person in a browser is not, and that is said at
// once rather than after minutes.
const loginLockWait = 2 * time.Second

// BeginLogin prepares a new login of provider and profile, before any port
// is bound or browser opened: it takes the cross-process lock
// Dir/login-<provider>-<profile>.lock, so two logins of the same profile
// cannot interleave, then checks with Check that the store can take the
// result. It returns the function that releases the lock; call it when the
// login is stored or has failed. The lock is not the refresh lock: commands
// using the stored login are not held up while a person is in the browser.
func (s *Store) BeginLogin(ctx context.Context, provider, profile string) (release func(), err error) {
	if err := checkNames(provider, profile); err != nil {
		return nil, err
	}
	unlock, err := s.lockWithin(ctx, "login-"+provider+"-"+profile+".lock", loginLockWait, func(path string) error {
		return &loginBusyError{fmt.Sprintf("another '%s' is in progress (it holds %s)",
			connectCommand(provider, profile), path)}
	})
	if err != nil {
		return nil, err
	}
	if err := s.Check(provider, profile); err != nil {
		unlock()
		return nil, err
	}
	return unlock, nil
}

// Check reads the store the way saving a new record of provider and
// profile will use it, and returns an error that names the file or
// keychain item and what to do when it cannot: a credentials file that is
// a symlink or not a regular file, not JSON, or JSON that is not an object
// (null, [], a string); an entry for provider:profile, in the file or the
// keychain, that is not a record (null, [], {}, another profile's); a
// keychain that is unavailable in keyring mode. In auto mode an
// unavailable keychain is no error (the login goes to the file, which is
// checked). A missing record is no error.
func (s *Store) Check(provider, profile string) error {
	if err := checkNames(provider, profile); err != nil {
		return err
	}
	key := provider + ":" + profile
	fix := fmt.Sprintf("Run '%s' to delete it, then connect again.", disconnectCommand(provider, profile))
	if s.mode != ModeFile {
		_, err := s.keyringGet(key)
		switch {
		case err == nil, errors.Is(err, ErrNotFound):
		case errors.Is(err, ErrKeyringUnavailable):
			if s.mode == ModeKeyring {
				return fmt.Errorf("cannot store the %s login of profile %s: %w", provider, profile, err)
			}
		case errors.Is(err, ErrCorrupt):
			return clierr.Hinted(fmt.Errorf("%w: the system keychain item %q (service %q) cannot be read as a login record",
				ErrCorrupt, key, Service), fix)
		default:
			return fmt.Errorf("reading the system keychain item %q (service %q): %w", key, Service, err)
		}
	}
	if s.mode == ModeKeyring {
		return nil
	}
	m, err := s.readFile()
	if err != nil {
		return err
	}
	raw, ok := m[key]
	if !ok {
		return nil
	}
	if kind := jsonKind(raw); kind != "an object" {
		return clierr.Hinted(fmt.Errorf("%w: the entry %q in %s is %s, not a login record",
			ErrCorrupt, key, s.FilePath(), kind), fix[:len(fix)-1]+" (or edit the file).")
	}
	if _, err := decodeRecord(key, raw); err != nil {
		return clierr.Hinted(fmt.Errorf("%w: the entry %q in %s is not a valid login record",
			ErrCorrupt, key, s.FilePath()), fix[:len(fix)-1]+" (or edit the file).")
	}
	return nil
}

// loginBusyError is ErrLoginInProgress with what to do.
type loginBusyError struct{ msg string }

func (e *loginBusyError) Error() string        { return e.msg }
func (e *loginBusyError) Is(target error) bool { return target == ErrLoginInProgress }
func (e *loginBusyError) Hint() string         { return "Finish or cancel it (Ctrl-C), then try again." }

// connectCommand and disconnectCommand are the commands for provider and
// profile, as hints name them.
func connectCommand(provider, profile string) string {
	return withProfile("cachelink connect "+provider, profile)
}

func disconnectCommand(provider, profile string) string {
	return withProfile("cachelink disconnect "+provider, profile)
}

func withProfile(cmd, profile string) string {
	if profile != "default" {
		cmd += " --profile " + profile
	}
	return cmd
}

// ensureDir creates the configuration directory 0700 when missing.
func (s *Store) ensureDir() error {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return fmt.Errorf("cannot create the configuration directory: %w", err)
	}
	info, err := os.Stat(s.dir)
	if err != nil {
		return err
	}
	if !info.IsDir() {
		return &fs.PathError{Op: "mkdir", Path: s.dir, Err: errors.New("not a directory")}
	}
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		// An existing directory others can list or write (made by hand, or
		// by a umask of 022): credentials and lock files go in it, so it
		// is narrowed to its owner.
		if err := os.Chmod(s.dir, 0o700); err != nil {
			return clierr.Hinted(fmt.Errorf("the configuration directory %s is accessible by others (mode %04o) and cannot be changed: %w",
				s.dir, info.Mode().Perm(), err), "Run: chmod 700 "+s.dir)
		}
		s.warn(fmt.Sprintf("warning: %s was accessible by group or others (mode %04o); it is now 0700", s.dir, info.Mode().Perm()))
	}
	return nil
}
