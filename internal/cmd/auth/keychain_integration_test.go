//go:build keychain

package auth_test

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cachelink/cachelink/internal/cmdtest"
)

// TestKeychainConnectWithTheRealSecretService connects with the system
// keychain (Secret Service over D-Bus). .ci/run runs it under
// dbus-run-session with an unlocked gnome-keyring in a temporary HOME.
func TestKeychainConnectWithTheRealSecretService(t *testing.T) {
	if os.Getenv("CACHELINK_TEST_KEYCHAIN") == "" {
		t.Skip("set CACHELINK_TEST_KEYCHAIN=1 to use this machine's keychain (.ci/run does, in a throwaway D-Bus session)")
	}
	e := cmdtest.New(t, cmdtest.Options{SystemKeyring: true})
	e.Setenv("CACHELINK_TOKEN_STORE", "keyring") // a keychain failure must fail the test, not fall back
	connect(t, e, "polyscale")
	t.Cleanup(func() { e.Run("disconnect", "polyscale") })

	st := e.Run("status", "polyscale")
	if st.Code != 0 || !strings.Contains(st.Stdout, "source:       keyring (system keychain)") {
		t.Fatalf("status (exit %d):\n%s%s", st.Code, st.Stdout, st.Stderr)
	}
	token := strings.TrimSpace(e.Run("token", "polyscale").Stdout)
	if token == "" {
		t.Fatal("no token")
	}

	out, err := exec.Command("secret-tool", "search", "--all", "service", "cachelink").CombinedOutput()
	if err != nil {
		t.Fatalf("secret-tool search: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "polyscale:default") {
		t.Errorf("secret-tool does not list the item polyscale:default:\n%s", out)
	}

	// No token on disk: not in the config directory, not anywhere in HOME
	// outside the keyring's own encrypted files.
	for _, dir := range []string{e.ConfigDir, os.Getenv("HOME")} {
		filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			b, _ := os.ReadFile(path)
			if strings.Contains(string(b), token) {
				t.Errorf("the access token is written in plain text in %s", path)
			}
			return nil
		})
	}

	if d := e.Run("disconnect", "polyscale"); d.Code != 0 {
		t.Fatalf("disconnect: %s", d.Stderr)
	}
	out, _ = exec.Command("secret-tool", "search", "--all", "service", "cachelink").CombinedOutput()
	if strings.Contains(string(out), "polyscale:default") {
		t.Errorf("the item is still in the keychain after disconnect:\n%s", out)
	}
}
