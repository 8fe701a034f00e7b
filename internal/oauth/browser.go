package oauth

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"

	"github.com/pkg/browser"
)

// goos is runtime.GOOS; tests change it.
var goos = runtime.GOOS

// browserMu guards pkg/browser's package-level Stdout and Stderr.
var browserMu sync.Mutex

// BrowserOpener returns the function that opens a URL, and whether a
// browser can plausibly work here.
//
// With $BROWSER set, open runs it: the value is split like a shell command
// line and the URL is appended as the last argument; the child's stdout
// and stderr go to stderr. Otherwise open uses github.com/pkg/browser
// (open, xdg-open, rundll32...) with its output sent to stderr, never to
// stdout.
//
// usable is false, without $BROWSER, in an SSH session (SSH_CONNECTION or
// SSH_TTY set) and on Linux and the BSDs without DISPLAY or
// WAYLAND_DISPLAY: the caller then sets Config.NoBrowser and the user
// pastes the redirected URL. getenv nil means os.Getenv.
func BrowserOpener(stderr io.Writer, getenv func(string) string) (open func(string) error, usable bool) {
	if stderr == nil {
		stderr = io.Discard
	}
	if getenv == nil {
		getenv = os.Getenv
	}
	if env := strings.TrimSpace(getenv("BROWSER")); env != "" {
		args, err := splitCommandLine(env)
		if err == nil && len(args) == 0 {
			err = errors.New("empty command")
		}
		return func(u string) error {
			if err != nil {
				return fmt.Errorf("$BROWSER %q: %w", env, err)
			}
			cmd := exec.Command(args[0], append(args[1:], u)...)
			cmd.Stdout, cmd.Stderr = stderr, stderr
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("running $BROWSER (%s): %w", args[0], err)
			}
			return nil
		}, true
	}
	usable = getenv("SSH_CONNECTION") == "" && getenv("SSH_TTY") == ""
	switch goos {
	case "linux", "freebsd", "openbsd", "netbsd", "dragonfly", "solaris", "illumos":
		if getenv("DISPLAY") == "" && getenv("WAYLAND_DISPLAY") == "" {
			usable = false
		}
	}
	return func(u string) error {
		browserMu.Lock()
		defer browserMu.Unlock()
		browser.Stdout, browser.Stderr = stderr, stderr
		return browser.OpenURL(u)
	}, usable
}

// splitCommandLine splits s the way a POSIX shell splits words: blanks
// separate, single quotes keep everything, double quotes keep everything
// but \" \\ \$ \`, a backslash outside quotes escapes the next character.
// No expansion of any kind.
func splitCommandLine(s string) ([]string, error) {
	var (
		args   []string
		cur    strings.Builder
		inWord bool
	)
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				args = append(args, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\\':
			inWord = true
			if i+1 < len(rs) {
				i++
				cur.WriteRune(rs[i])
			}
		case c == '\'':
			inWord = true
			j := i + 1
			for j < len(rs) && rs[j] != '\'' {
				j++
			}
			if j == len(rs) {
				return nil, errors.New("unterminated single quote")
			}
			cur.WriteString(string(rs[i+1 : j]))
			i = j
		case c == '"':
			inWord = true
			j := i + 1
			for ; j < len(rs) && rs[j] != '"'; j++ {
				if rs[j] == '\\' && j+1 < len(rs) && strings.ContainsRune("\"\\$`", rs[j+1]) {
					j++
				}
				cur.WriteRune(rs[j])
			}
			if j == len(rs) {
				return nil, errors.New("unterminated double quote")
			}
			i = j
		default:
			inWord = true
			cur.WriteRune(c)
		}
	}
	if inWord {
		args = append(args, cur.String())
	}
	return args, nil
}
