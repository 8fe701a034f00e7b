package auth_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/cachelink/cachelink/internal/cmdtest"
	"github.com/cachelink/cachelink/internal/oauth"
)

// The authorize URL is new on every login.
var authorizeURL = regexp.MustCompile(`http://\S+`)

// connect says it waits for the browser, and how to give up, when stderr
// is a terminal; through a pipe its stderr is what it always was.
func TestConnectSaysItWaitsForTheBrowserOnATerminalOnly(t *testing.T) {
	t.Parallel()
	run := func(tty bool) string {
		e := cmdtest.New(t, cmdtest.Options{})
		e.Setenv("NO_COLOR", "1")
		r := e.RunWith(cmdtest.RunOptions{StderrTTY: tty}, "connect", "polyscale")
		if r.Code != 0 {
			t.Fatalf("connect (stderr a terminal: %t): exit %d\n%s", tty, r.Code, r.Stderr)
		}
		return authorizeURL.ReplaceAllString(strings.ReplaceAll(r.Stderr, e.ConfigDir, "DIR"), "URL")
	}
	tty, pipe := run(true), run(false)
	if n := strings.Count(tty, oauth.WaitingLine+"\n"); n != 1 {
		t.Errorf("on a terminal the waiting line appears %d times:\n%s", n, tty)
	}
	if strings.Contains(pipe, "Waiting for the browser") {
		t.Errorf("through a pipe:\n%s", pipe)
	}
	if got := strings.Replace(tty, oauth.WaitingLine+"\n", "", 1); got != pipe {
		t.Errorf("on a terminal, without the waiting line:\n%s\nthrough a pipe:\n%s", got, pipe)
	}
}
