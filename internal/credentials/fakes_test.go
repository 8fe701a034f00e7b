package credentials_test

import (
	"errors"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cachelink/cachelink/internal/credentials"
	"github.com/zalando/go-keyring"
)

// Fake keychains. keyring.MockInit is process-global and checks no sizes,
// so these implement credentials.Keyring themselves.

// windowsLimit is the largest value Windows' Credential Manager stores.
const windowsLimit = 2560

// errNoDBus is what go-keyring returns on a headless Linux without a
// session bus.
var errNoDBus = errors.New(`failed to open dbus connection: exec: "dbus-launch": executable file not found in $PATH`)

// memKeyring is an in-memory keychain that refuses values longer than limit
// bytes with keyring.ErrSetDataTooBig, as Windows does. fail makes every
// call fail until repair.
type memKeyring struct {
	limit int

	mu      sync.Mutex
	items   map[string]string // user -> value, service "cachelink" only
	failErr error
}

func newMemKeyring(limit int) *memKeyring {
	return &memKeyring{limit: limit, items: map[string]string{}}
}

// newFailingKeyring is a keychain that always fails like a Linux without D-Bus.
func newFailingKeyring() *memKeyring {
	kr := newMemKeyring(windowsLimit)
	kr.fail(errNoDBus)
	return kr
}

func (k *memKeyring) fail(err error) { k.mu.Lock(); k.failErr = err; k.mu.Unlock() }
func (k *memKeyring) repair()        { k.fail(nil) }

func (k *memKeyring) begin(service string) error {
	if service != credentials.Service {
		return errors.New("unexpected service " + service)
	}
	return k.failErr
}

func (k *memKeyring) Get(service, user string) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.begin(service); err != nil {
		return "", err
	}
	v, ok := k.items[user]
	if !ok {
		return "", keyring.ErrNotFound
	}
	return v, nil
}

func (k *memKeyring) Set(service, user, password string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.begin(service); err != nil {
		return err
	}
	if k.limit > 0 && len(password) > k.limit {
		return keyring.ErrSetDataTooBig
	}
	k.items[user] = password
	return nil
}

func (k *memKeyring) Delete(service, user string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.begin(service); err != nil {
		return err
	}
	if _, ok := k.items[user]; !ok {
		return keyring.ErrNotFound
	}
	delete(k.items, user)
	return nil
}

// users lists the stored items' users, sorted.
func (k *memKeyring) users() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return slices.Sorted(maps.Keys(k.items))
}

func (k *memKeyring) value(user string) string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.items[user]
}

func (k *memKeyring) put(user, value string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.items[user] = value
}

func (k *memKeyring) remove(user string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.items, user)
}

// hangingKeyring never answers, like a Secret Service waiting on an unlock
// prompt nobody sees. Its calls return when the test ends.
type hangingKeyring struct {
	release chan struct{}

	mu    sync.Mutex
	calls int
}

func newHangingKeyring(t *testing.T) *hangingKeyring {
	k := &hangingKeyring{release: make(chan struct{})}
	t.Cleanup(func() { close(k.release) })
	return k
}

func (k *hangingKeyring) hang() error {
	k.mu.Lock()
	k.calls++
	k.mu.Unlock()
	<-k.release
	return errors.New("released at the end of the test")
}

func (k *hangingKeyring) Get(string, string) (string, error) { return "", k.hang() }
func (k *hangingKeyring) Set(string, string, string) error   { return k.hang() }
func (k *hangingKeyring) Delete(string, string) error        { return k.hang() }

func (k *hangingKeyring) callCount() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.calls
}

// forbiddenKeyring fails the test when called.
type forbiddenKeyring struct{ t *testing.T }

func (k forbiddenKeyring) Get(service, user string) (string, error) {
	k.t.Errorf("keychain Get(%s, %s) called", service, user)
	return "", errors.New("forbidden")
}

func (k forbiddenKeyring) Set(service, user, _ string) error {
	k.t.Errorf("keychain Set(%s, %s) called", service, user)
	return errors.New("forbidden")
}

func (k forbiddenKeyring) Delete(service, user string) error {
	k.t.Errorf("keychain Delete(%s, %s) called", service, user)
	return errors.New("forbidden")
}

// warnings collects what a Store says to people.
type warnings struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warnings) add(msg string) { w.mu.Lock(); w.msgs = append(w.msgs, msg); w.mu.Unlock() }

// take returns the warnings so far and forgets them.
func (w *warnings) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	m := w.msgs
	w.msgs = nil
	return m
}

// env is a configuration directory and what its stores report.
type env struct {
	t    *testing.T
	dir  string
	warn *warnings
}

func newEnv(t *testing.T) *env {
	// A directory that does not exist yet, so the store creates it.
	return &env{t: t, dir: filepath.Join(t.TempDir(), "cachelink"), warn: &warnings{}}
}

// store opens a Store on the env's directory.
func (e *env) store(mode string, kr credentials.Keyring) *credentials.Store {
	e.t.Helper()
	s, err := credentials.NewStore(credentials.Options{
		Mode: mode, Dir: e.dir, Keyring: kr, Timeout: 50 * time.Millisecond, Warn: e.warn.add,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

// record is a PolyScale login with the given access token.
func record(accessToken string) *credentials.Record {
	return &credentials.Record{
		Provider:     "polyscale",
		Profile:      "default",
		Account:      "ws-personal",
		AccessToken:  accessToken,
		RefreshToken: "rt-" + strings.Repeat("r", 40),
		Expiry:       time.Now().Add(time.Hour).UTC().Truncate(time.Second),
		Scopes:       []string{"caches:read", "caches:write"},
	}
}

// jwtLike is an access token of n bytes, as big as the JWTs some providers
// issue.
func jwtLike(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	var b strings.Builder
	b.WriteString("eyJ")
	for i := 0; b.Len() < n; i++ {
		b.WriteByte(alphabet[(i*7+i/64)%len(alphabet)])
	}
	return b.String()
}

func mustSave(t *testing.T, s *credentials.Store, r *credentials.Record) credentials.Source {
	t.Helper()
	src, err := s.Save(r)
	if err != nil {
		t.Fatalf("Save: %v", err)
	}
	return src
}

func mustLoad(t *testing.T, s *credentials.Store) (*credentials.Record, credentials.Source) {
	t.Helper()
	r, src, err := s.Load("polyscale", "default")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return r, src
}

// sameRecord fails unless got holds want's credentials. It never prints a
// token.
func sameRecord(t *testing.T, got, want *credentials.Record) {
	t.Helper()
	switch {
	case got.AccessToken != want.AccessToken:
		t.Errorf("access token differs (%d bytes, want %d)", len(got.AccessToken), len(want.AccessToken))
	case got.RefreshToken != want.RefreshToken:
		t.Error("refresh token differs")
	case !got.Expiry.Equal(want.Expiry):
		t.Errorf("expiry %v, want %v", got.Expiry, want.Expiry)
	case !slices.Equal(got.Scopes, want.Scopes) || got.Account != want.Account:
		t.Errorf("got %v, want %v", got, want)
	}
}
