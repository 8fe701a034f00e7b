package docgen

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/cachelink/cachelink/internal/golden"
)

// TestReferenceIsCurrent fails when docs/reference or docs/man differ from
// what the command tree generates: a flag or command changed without
// regenerating. Fix with: go test ./internal/docgen -update
func TestReferenceIsCurrent(t *testing.T) {
	t.Parallel()
	docs := filepath.Join(golden.Root(t), "docs")
	if golden.Updating() {
		for _, sub := range []string{"reference", "man"} {
			if err := os.RemoveAll(filepath.Join(docs, sub)); err != nil {
				t.Fatal(err)
			}
		}
		if err := Generate(docs); err != nil {
			t.Fatal(err)
		}
		return
	}
	fresh := t.TempDir()
	if err := Generate(fresh); err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{"reference", "man"} {
		want := readDir(t, filepath.Join(fresh, sub))
		got := readDir(t, filepath.Join(docs, sub))
		for name, body := range want {
			if old, ok := got[name]; !ok {
				t.Errorf("docs/%s/%s is missing", sub, name)
			} else if !bytes.Equal(old, body) {
				t.Errorf("docs/%s/%s is stale", sub, name)
			}
		}
		for name := range got {
			if _, ok := want[name]; !ok {
				t.Errorf("docs/%s/%s documents a command that no longer exists", sub, name)
			}
		}
	}
	if t.Failed() {
		t.Log("regenerate with: go test ./internal/docgen -update")
	}
}

func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		files[n] = b
	}
	return files
}
