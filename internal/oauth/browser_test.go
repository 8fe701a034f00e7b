package oauth_test

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/cachelink/cachelink/internal/oauth"
)

func envOf(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// $BROWSER is a command line: split like a shell does, the URL appended as
// the last argument, its output sent to stderr. An explicit $BROWSER is
// trusted to work, even over SSH.
func TestBrowserOpenerRunsBROWSER(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses a shell script")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "args")
	script := filepath.Join(dir, "my browser.sh")
	body := "#!/bin/sh\nprintf '%s\\n' \"$@\" > '" + out + "'\necho opened\n"
	if err := os.WriteFile(script, []byte(body), 0o700); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	open, usable := oauth.BrowserOpener(&stderr, envOf(map[string]string{
		"BROWSER":        "'" + script + "' --new-window",
		"SSH_CONNECTION": "10.0.0.1 22 10.0.0.2 22",
	}))
	if !usable {
		t.Error("usable = false with BROWSER set")
	}
	const u = "http://127.0.0.1:9/oauth2/auth?a=1&state=x y"
	if err := open(u); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if want := "--new-window\n" + u + "\n"; string(got) != want {
		t.Errorf("BROWSER got arguments %q, want %q", got, want)
	}
	if stderr.String() != "opened\n" {
		t.Errorf("the child's stdout went to %q, not to stderr", stderr.String())
	}
}

func TestBrowserOpenerReportsAFailingBROWSER(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses a shell script")
	}
	script := filepath.Join(t.TempDir(), "broken")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho 'cannot open display' >&2\nexit 3\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	open, _ := oauth.BrowserOpener(&stderr, envOf(map[string]string{"BROWSER": script}))
	if err := open("http://localhost:3000/"); err == nil || !strings.Contains(err.Error(), "$BROWSER") {
		t.Errorf("open: %v, want an error naming $BROWSER", err)
	}
	if !strings.Contains(stderr.String(), "cannot open display") {
		t.Errorf("the child's stderr is lost: %q", stderr.String())
	}
	open, _ = oauth.BrowserOpener(&stderr, envOf(map[string]string{"BROWSER": "'unterminated"}))
	if err := open("http://localhost:3000/"); err == nil {
		t.Error("a BROWSER that does not parse opened something")
	}
}

// Where no browser can work, the caller prints the URL and reads a paste.
func TestBrowserOpenerUsable(t *testing.T) {
	t.Parallel()
	display := map[string]string{"DISPLAY": ":0"}
	cases := []struct {
		name string
		env  map[string]string
		want bool
	}{
		{"SSH_CONNECTION, no BROWSER", map[string]string{"DISPLAY": ":0", "SSH_CONNECTION": "10.0.0.1 50000 10.0.0.2 22"}, false},
		{"SSH_TTY, no BROWSER", map[string]string{"WAYLAND_DISPLAY": "wayland-0", "SSH_TTY": "/dev/pts/1"}, false},
	}
	if runtime.GOOS == "linux" {
		cases = append(cases,
			struct {
				name string
				env  map[string]string
				want bool
			}{"Linux without a display", map[string]string{}, false},
			struct {
				name string
				env  map[string]string
				want bool
			}{"Linux with X11", display, true},
			struct {
				name string
				env  map[string]string
				want bool
			}{"Linux with Wayland", map[string]string{"WAYLAND_DISPLAY": "wayland-0"}, true},
		)
	}
	for _, tc := range cases {
		if _, usable := oauth.BrowserOpener(nil, envOf(tc.env)); usable != tc.want {
			t.Errorf("%s: usable = %t, want %t", tc.name, usable, tc.want)
		}
	}
}
