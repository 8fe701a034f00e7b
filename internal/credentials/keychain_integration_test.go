//go:build keychain

package credentials_test

// The system keychain itself, through go-keyring: Secret Service on Linux,
// /usr/bin/security on macOS, the Credential Manager on Windows. Build with
// -tags keychain and set CACHELINK_TEST_KEYCHAIN=1; CI runs it on a private
// D-Bus session with gnome-keyring (see .ci/run), never on a developer's
// own keychain unless they ask for it.

import (
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/cachelink/cachelink/internal/credentials"
	"github.com/zalando/go-keyring"
)

func TestSystemKeychainStoresAChunkedRecordAndDeletesIt(t *testing.T) {
	if os.Getenv("CACHELINK_TEST_KEYCHAIN") == "" {
		t.Skip("set CACHELINK_TEST_KEYCHAIN=1 to write to this machine's real keychain " +
			"(CI does, on a throwaway gnome-keyring: see .ci/run)")
	}
	// Keyring mode: a failing keychain must fail the test, not fall back to the file.
	s, err := credentials.NewStore(credentials.Options{
		Mode:    credentials.ModeKeyring,
		Dir:     t.TempDir(),
		Timeout: 10 * time.Second, // the first call may start the Secret Service daemon
	})
	if err != nil {
		t.Fatal(err)
	}
	// A profile of its own, so no real login is touched.
	profile := fmt.Sprintf("keychain-test-%d", os.Getpid())
	t.Cleanup(func() { _ = s.Delete("polyscale", profile) })
	want := record(jwtLike(4096))
	want.Profile = profile

	src, err := s.Save(want)
	if err != nil {
		t.Fatalf("Save to the system keychain: %v", err)
	}
	if src != credentials.SourceKeyring {
		t.Errorf("saved to %s, want keyring", src)
	}
	user := "polyscale:" + profile
	if _, err := keyring.Get(credentials.Service, user+"#1"); err != nil {
		t.Errorf("a 4 KB record should be stored in chunks; chunk 1: %v", err)
	}

	got, src, err := s.Load("polyscale", profile)
	if err != nil {
		t.Fatalf("Load from the system keychain: %v", err)
	}
	if src != credentials.SourceKeyring {
		t.Errorf("loaded from %s, want keyring", src)
	}
	sameRecord(t, got, want)

	if err := s.Delete("polyscale", profile); err != nil {
		t.Fatalf("Delete from the system keychain: %v", err)
	}
	if _, _, err := s.Load("polyscale", profile); !errors.Is(err, credentials.ErrNotFound) {
		t.Errorf("Load after Delete = %v, want ErrNotFound", err)
	}
	for _, u := range []string{user, user + "#1", user + "#2"} {
		if _, err := keyring.Get(credentials.Service, u); !errors.Is(err, keyring.ErrNotFound) {
			t.Errorf("item %s after Delete: %v, want not found", u, err)
		}
	}
}
