package cmdtest

import (
	"os"
	"os/exec"
	"testing"
)

// Chromium returns a Chromium binary for the real-browser tests, or skips
// the test outside CI. CI installs Debian's chromium (.ci/run), so there a
// missing browser fails the test instead.
func Chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("CI=true but no chromium on PATH: .ci/run should have installed Debian's chromium")
	}
	t.Skip("no chromium on PATH: install Debian's chromium to run the real-browser tests")
	return ""
}
