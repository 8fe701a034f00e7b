package docgen

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

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

// TestManSynopsesKeepPlaceholders: every <placeholder> of a command's use
// line is in its man page's synopsis (Markdown once took them for HTML
// tags: `cachelink connect  [flags]`), and the descriptions keep their
// brackets and underscores.
func TestManSynopsesKeepPlaceholders(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := GenerateMan(dir); err != nil {
		t.Fatal(err)
	}
	placeholder := regexp.MustCompile(`<[^>]+>`)
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if !c.IsAvailableCommand() && c.HasParent() {
			return
		}
		name := strings.ReplaceAll(c.CommandPath(), " ", "-") + ".1"
		page, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Error(err)
			return
		}
		_, after, _ := strings.Cut(string(page), ".SH SYNOPSIS\n")
		synopsis, _, _ := strings.Cut(after, "\n")
		for _, p := range placeholder.FindAllString(c.Use, -1) {
			if !strings.Contains(synopsis, p) {
				t.Errorf("%s: synopsis %q lacks %s", name, synopsis, p)
			}
		}
		if strings.Contains(synopsis, "  ") {
			t.Errorf("%s: synopsis %q has lost a word", name, synopsis)
		}
		for _, c := range c.Commands() {
			walk(c)
		}
	}
	walk(tree())

	for name, want := range map[string][]string{
		"cachelink-connect.1":         {"\\fBcachelink connect <provider> [flags]\\fP", "127.0.0.1 and [::1] (port 3000", "cachelink_API_KEY_<unix time>"},
		"cachelink-get.1":             {"\\fBcachelink get <provider> <id|name> [flags]\\fP"},
		"cachelink-status.1":          {"\\fBcachelink status [<provider>] [flags]\\fP"},
		"cachelink-rules-delete.1":    {"\\fBcachelink rules delete <cache-id|cache-name> (--table T", "whatever its type, as rules list shows it"},
		"cachelink-completion-bash.1": {"source <(cachelink completion bash)"},
	} {
		page, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if !strings.Contains(string(page), w) {
				t.Errorf("%s lacks %q", name, w)
			}
		}
	}
}

// TestFlagValueNames: a word in backquotes in a flag's usage is the name
// of its value in the help (`--key KEY`), so it must be one: capitals, as
// in the use lines. (Backquoted prose once made `--key rules list`.)
func TestFlagValueNames(t *testing.T) {
	t.Parallel()
	valueName := regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.LocalFlags().VisitAll(func(fl *pflag.Flag) {
			if !strings.Contains(fl.Usage, "`") {
				return
			}
			name, usage := pflag.UnquoteUsage(fl)
			if !valueName.MatchString(name) || strings.Contains(usage, "`") {
				t.Errorf("%s --%s: backquotes in %q make %q the value's name", c.CommandPath(), fl.Name, fl.Usage, name)
			}
		})
		for _, c := range c.Commands() {
			walk(c)
		}
	}
	walk(tree())
}
