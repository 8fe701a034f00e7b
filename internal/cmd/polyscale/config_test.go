package polyscale_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A typo in config.yaml (api_urll) is named on stderr with the key it
// probably meant, once per run however often the run reads the
// configuration, and the command works as before: never an error.
func TestAnUnknownConfigKeyIsOneWarning(t *testing.T) {
	t.Parallel()
	e := ciSandbox(t)
	path := filepath.Join(e.ConfigDir, "config.yaml")
	if err := os.WriteFile(path, []byte("polyscale:\n  api_urll: https://api.example\n  edge_host: psedge.global\nflavour: vanilla\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`warning: unknown key "flavour" in ` + path + "\n",
		`warning: unknown key "polyscale.api_urll" in ` + path + "\nDid you mean polyscale.api_url?\n",
	}
	for _, args := range [][]string{
		{"connstr", "polyscale", guardCacheID, "--origin-env", "DATABASE_URL"}, // offline
		{"list", "polyscale"}, // the API, with the credentials and the profile
		{"create", "polyscale", "--name", "shop", "--origin-env", "DATABASE_URL"},
	} {
		r := expectExit(t, e, 0, args...)
		if got := strings.Count(r.Stderr, "warning:"); got != len(want) {
			t.Errorf("%s: %d warnings, want %d:\n%s", args[0], got, len(want), r.Stderr)
		}
		for _, w := range want {
			if !strings.Contains(r.Stderr, w) {
				t.Errorf("%s: stderr lacks %q:\n%s", args[0], w, r.Stderr)
			}
		}
	}
	// Nothing of it reaches stdout, and the known key is read.
	r := expectExit(t, e, 0, "connstr", "polyscale", guardCacheID, "--origin-env", "DATABASE_URL")
	if strings.Contains(r.Stdout, "warning") || !strings.Contains(r.Stdout, "@psedge.global:5432/") {
		t.Errorf("stdout = %q", r.Stdout)
	}
}
