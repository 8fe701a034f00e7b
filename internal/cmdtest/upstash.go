package cmdtest

// Upstash: the two ways to be signed in, its secrets, and the Developer API
// key of a stored login.

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cachelink/cachelink/internal/credentials"
	"github.com/cachelink/cachelink/internal/upstash"
)

// NewUpstashLogin is New with a stored Upstash login: `cachelink connect
// upstash` ran (OAuth in the sandbox, one Developer API key minted and
// kept in the keychain). No secret reaches the stderr of the run.
func NewUpstashLogin(t testing.TB, opts Options) *Env {
	t.Helper()
	e := New(t, opts)
	CheckNoSecrets(t, e.MustRun(t, "connect", "upstash"), e.UpstashSecrets())
	return e
}

// NewUpstashCI is New in Upstash's CI mode: UPSTASH_EMAIL and
// UPSTASH_API_KEY are set, as in a CI job. The key was minted by a login
// that was then disconnected, so the keychain holds nothing, and its call
// counter starts at zero.
func NewUpstashCI(t testing.TB, opts Options) *Env {
	t.Helper()
	e := NewUpstashLogin(t, opts)
	r := e.MustRun(t, "token", "upstash")
	CheckNoSecrets(t, r, e.UpstashSecrets())
	key := strings.TrimSpace(r.Stdout)
	CheckNoSecrets(t, e.MustRun(t, "disconnect", "upstash"), e.UpstashSecrets())
	e.Setenv("UPSTASH_EMAIL", e.Sandbox.Account.Email)
	e.Setenv("UPSTASH_API_KEY", key)
	if e.Keyring != nil { // nil: the system keychain (Options.SystemKeyring)
		if len(e.Keyring.Items("cachelink")) != 0 {
			t.Fatal("the keychain still holds a login after disconnect")
		}
		e.Keyring.Calls.Store(0)
	}
	return e
}

// UpstashDatabaseSecrets are the password and the REST tokens of every
// database the sandbox holds.
func (e *Env) UpstashDatabaseSecrets() []string {
	var out []string
	for _, d := range e.Sandbox.Store.State().Databases {
		out = append(out, d.Password, d.RestToken, d.ReadOnlyRestToken)
	}
	return slices.DeleteFunc(out, func(s string) bool { return s == "" })
}

// UpstashSecrets are UpstashDatabaseSecrets and every Developer API key the
// sandbox holds.
func (e *Env) UpstashSecrets() []string {
	out := e.UpstashDatabaseSecrets()
	for _, k := range e.Sandbox.Store.State().APIKeys {
		out = append(out, k.Key)
	}
	return slices.DeleteFunc(out, func(s string) bool { return s == "" })
}

// CredentialStore is the store cachelink uses in e: the same directory
// and keychain.
func (e *Env) CredentialStore(t testing.TB) *credentials.Store {
	t.Helper()
	s, err := credentials.NewStore(credentials.Options{Dir: e.ConfigDir, Keyring: e.Keyring})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// RejectUpstashKey makes Upstash reject the API key stored with the
// Upstash login of profile, as after the key was deleted in the Upstash
// console, and returns the rejected key: it stores a key Upstash never
// issued in its place (Upstash answers both with the same 401).
//
// A deleted key frees its name, but the sandbox keeps the key (and its
// name) when the record is changed instead; so this waits until the clock
// has left the second in that name (WaitPastKeyName), and the key
// cachelink mints next has another name.
func (e *Env) RejectUpstashKey(t testing.TB, profile string) string {
	t.Helper()
	s := e.CredentialStore(t)
	rec, _, err := s.Load(upstash.Name, profile)
	if err != nil {
		t.Fatal(err)
	}
	rejected := "deleted-in-the-console-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	_, name := upstash.StoredKey(rec)
	upstash.SetStoredKey(rec, rejected, name)
	if _, err := s.Save(rec); err != nil {
		t.Fatal(err)
	}
	WaitPastKeyName(t, name)
	return rejected
}

// KeyNameSecond is the Unix second in a key name cachelink_API_KEY_<unix>.
func KeyNameSecond(t testing.TB, name string) int64 {
	t.Helper()
	s, ok := strings.CutPrefix(name, "cachelink_API_KEY_")
	s, _, _ = strings.Cut(s, "_") // a name taken in the same second gets a random suffix
	n, err := strconv.ParseInt(s, 10, 64)
	if !ok || err != nil {
		t.Fatalf("key name %q is not cachelink_API_KEY_<unix time>[_<suffix>]", name)
	}
	return n
}

// WaitPastKeyName waits until the clock has left the second in the key
// name cachelink_API_KEY_<unix>, so that the next key cachelink mints gets
// another name.
func WaitPastKeyName(t testing.TB, name string) {
	t.Helper()
	next := time.Unix(KeyNameSecond(t, name)+1, 0)
	for time.Now().Before(next) {
		time.Sleep(time.Until(next))
	}
}

// WhileUpstashMintIsLocked holds the lock cachelink takes to mint a new
// Upstash API key for the default profile, and starts n goroutines
// running call(i), i = 0..n-1, each as a separate cachelink would. It keeps
// the lock until arrived() reaches n (every call has had its 401 and waits
// for the lock, so that all of them want a new key at once) or 20 seconds
// have passed, then waits for every call to return. It reports whether all
// n arrived in time.
func (e *Env) WhileUpstashMintIsLocked(t testing.TB, n int, call func(i int), arrived func() int) (allArrived bool) {
	t.Helper()
	var wg sync.WaitGroup
	err := e.CredentialStore(t).Locked(context.Background(), "apikey", upstash.Name, "default", func() error {
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				call(i)
			}()
		}
		deadline := time.Now().Add(20 * time.Second)
		for arrived() < n {
			if time.Now().After(deadline) {
				return nil
			}
			time.Sleep(5 * time.Millisecond)
		}
		allArrived = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	return allArrived
}
