package envfile

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		key  string
		want bool
	}{
		{"DATABASE_URL", true},
		{"_private", true},
		{"a1", true},
		{"A", true},
		{"", false},
		{"1A", false},      // starts with a digit
		{"MY-URL", false},  // dash
		{"MY.URL", false},  // dot
		{"MY URL", false},  // space
		{"MY_URL=", false}, // equals sign
		{"ÜRL", false},     // non-ASCII
	} {
		if got := ValidKey(tc.key); got != tc.want {
			t.Errorf("ValidKey(%q) = %v, want %v", tc.key, got, tc.want)
		}
	}
}

// lineCases documents how Line quotes values. Each case is also checked by
// sourcing the line in a POSIX shell.
var lineCases = []struct {
	name, value, want string
}{
	{"plain URL stays bare",
		"postgres://user:pw@db.example.com:5432/app",
		"KEY=postgres://user:pw@db.example.com:5432/app"},
	{"every safe character stays bare",
		"aZ09_./:@%+=,-", "KEY=aZ09_./:@%+=,-"},
	{"empty value is an empty quoted string", "", "KEY=''"},
	{"query string is single-quoted",
		"postgres://u:p@h/db?sslmode=require&x=1",
		"KEY='postgres://u:p@h/db?sslmode=require&x=1'"},
	{"space", "a b", "KEY='a b'"},
	{"ampersand", "a&b", "KEY='a&b'"},
	{"question mark", "a?b", "KEY='a?b'"},
	{"hash would start a comment", "pa#ss", "KEY='pa#ss'"},
	{"dollar is not expanded", "pa$HOME", "KEY='pa$HOME'"},
	{"backtick is not run", "pa`id`", "KEY='pa`id`'"},
	{"double quote", `pa"ss`, `KEY='pa"ss'`},
	{"backslash", `pa\ss`, `KEY='pa\ss'`},
	{"trailing backslash", `pass\`, `KEY='pass\'`},
	{"tilde is not expanded", "~/x", "KEY='~/x'"},
	{"leading and trailing spaces are kept", " x ", "KEY=' x '"},
	{"tab", "a\tb", "KEY='a\tb'"},
	{"non-ASCII", "pässwörd", "KEY='pässwörd'"},
	{"single quote switches to double quotes", "it's", `KEY="it's"`},
	{"in double quotes \\ \" $ ` are escaped",
		"it's \\ \" $HOME `id`",
		"KEY=\"it's \\\\ \\\" \\$HOME \\`id\\`\""},
}

func TestLine(t *testing.T) {
	t.Parallel()
	for _, tc := range lineCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Line(Entry{Key: "KEY", Value: tc.value})
			if err != nil {
				t.Fatalf("Line: %v", err)
			}
			if got != tc.want {
				t.Errorf("Line(%q)\n got: %s\nwant: %s", tc.value, got, tc.want)
			}
			if v := sourceInShell(t, got, "KEY"); v != tc.value {
				t.Errorf("sh read %s back as %q, want %q", got, v, tc.value)
			}
		})
	}
}

// sourceInShell writes content to a file, runs `. ./file` in sh and returns
// the value of key. It skips the test if there is no sh.
func sourceInShell(t *testing.T, content, key string) string {
	t.Helper()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh in PATH: cannot check that a POSIX shell reads the line back")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "env"), []byte(content+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(sh, "-c", `. ./env; printf %s "$`+key+`"`)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sh failed on %s: %v\n%s", content, err, out)
	}
	return string(out)
}

func TestLineRejectsWhatAnEnvLineCannotHold(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-pa55"
	for _, tc := range []struct {
		name  string
		entry Entry
		want  error
	}{
		{"invalid key", Entry{"1KEY", secret}, ErrInvalidKey},
		{"empty key", Entry{"", secret}, ErrInvalidKey},
		{"newline in value", Entry{"KEY", secret + "\nX=1"}, ErrInvalidValue},
		{"carriage return in value", Entry{"KEY", secret + "\r"}, ErrInvalidValue},
		{"NUL in value", Entry{"KEY", secret + "\x00"}, ErrInvalidValue},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Line(tc.entry)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Line error = %v, want %v", err, tc.want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error message reveals the value: %v", err)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	t.Parallel()
	got, err := Format([]Entry{
		{"DATABASE_URL", "postgres://u:p@h:5432/db"},
		{"DATABASE_PASSWORD", "p w"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "DATABASE_URL=postgres://u:p@h:5432/db\nDATABASE_PASSWORD='p w'\n"
	if got != want {
		t.Errorf("Format =\n%s\nwant\n%s", got, want)
	}

	if got, err := Format(nil); err != nil || got != "" {
		t.Errorf("Format(nil) = %q, %v; want empty output", got, err)
	}
}

func TestFormatRejectsInvalidAndDuplicateEntries(t *testing.T) {
	t.Parallel()
	if out, err := Format([]Entry{{"OK", "1"}, {"BAD KEY", "2"}}); !errors.Is(err, ErrInvalidKey) || out != "" {
		t.Errorf("invalid key: got %q, %v; want no output and ErrInvalidKey", out, err)
	}
	_, err := Format([]Entry{{"A", "1"}, {"A", "2"}})
	if !errors.Is(err, ErrInvalidKey) || !strings.Contains(err.Error(), "twice") {
		t.Errorf("duplicate key: got %v; want ErrInvalidKey saying the key is given twice", err)
	}
}
