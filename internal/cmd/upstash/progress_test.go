package upstash_test

// What moves on stderr while cachelink waits, on a terminal only: the
// spinner and its label, and a line per retry.

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cachelink/cachelink/internal/cmdtest"
	"github.com/cachelink/cachelink/internal/sandbox"
)

var anyUUID = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

func TestCreateShowsWhatItWaitsForOnATerminal(t *testing.T) {
	t.Parallel()
	e := ciMode(t)
	e.Setenv("NO_COLOR", "1") // the ✓ without colour, as through a pipe
	args := []string{"create", "upstash", "--name", "shop", "--region", "eu-west-1"}
	r := e.RunWith(cmdtest.RunOptions{StderrTTY: true, Progress: cmdtest.SpinnerAtOnce()}, args...)
	if r.Code != 0 {
		t.Fatalf("exit %d\nstderr:\n%q", r.Code, r.Stderr)
	}
	labels, rest := cmdtest.Spinners(r.Stderr)
	if !slices.Contains(labels, "Creating Upstash database shop…") {
		t.Errorf("spinner labels %q lack the create's", labels)
	}
	if !slices.Contains(labels, "Waiting for Upstash…") {
		t.Errorf("spinner labels %q lack the lookup's", labels)
	}
	// Every spinner line is cleared: what stays on stderr is what a
	// terminal showed without one, and stdout carries none of it.
	if !strings.HasSuffix(r.Stderr, "\r\x1b[K") && strings.Contains(rest, "\r") {
		t.Errorf("a spinner line was left behind: %q", r.Stderr)
	}
	if strings.ContainsAny(rest, "\r\x1b") {
		t.Errorf("stderr without the spinner still has control bytes: %q", rest)
	}
	if strings.ContainsAny(r.Stdout, "\r\x1b") || !strings.HasPrefix(r.Stdout, "rediss://") {
		t.Errorf("stdout = %q, want the connection string alone", r.Stdout)
	}

	// The same create through a pipe writes no spinner byte.
	e2 := ciMode(t)
	p := e2.RunWith(cmdtest.RunOptions{Progress: cmdtest.SpinnerAtOnce()}, args...)
	if p.Code != 0 || strings.ContainsAny(p.Stderr, "\r\x1b") {
		t.Errorf("through a pipe: exit %d, stderr %q", p.Code, p.Stderr)
	}
	if anyUUID.ReplaceAllString(p.Stderr, "ID") != anyUUID.ReplaceAllString(rest, "ID") {
		t.Errorf("stderr through a pipe %q differs from the terminal's without its spinner %q", p.Stderr, rest)
	}
}

// A 503 answered twice is retried; a person at a terminal sees each retry,
// a script's stderr stays exactly what it is without the 503s.
func TestRetriesAreToldOnATerminalOnly(t *testing.T) {
	t.Parallel()
	e := ciMode(t)
	mustSucceed(t, e, "create", "upstash", "--name", "shop", "--region", "eu-west-1")
	want := e.Run("list", "upstash")
	if want.Code != 0 {
		t.Fatalf("list: exit %d: %s", want.Code, want.Stderr)
	}
	fault := sandbox.FaultRule{Kind: sandbox.FaultError, Status: 503, Count: 2, Method: "GET", PathPrefix: "/v2/redis"}

	e.AddFault(t, fault)
	pipe := e.Run("list", "upstash")
	if pipe.Code != 0 || pipe.Stderr != want.Stderr || pipe.Stdout != want.Stdout {
		t.Errorf("through a pipe after two 503s: exit %d, stderr %q, stdout %q; want what it was: %q, %q", pipe.Code, pipe.Stderr, pipe.Stdout, want.Stderr, want.Stdout)
	}

	e.AddFault(t, fault)
	tty := e.RunWith(cmdtest.RunOptions{StderrTTY: true}, "list", "upstash")
	if tty.Code != 0 {
		t.Fatalf("exit %d: %s", tty.Code, tty.Stderr)
	}
	if got, wantLines := strings.Count(tty.Stderr, "retrying ("), "retrying (2/4) after 503\nretrying (3/4) after 503\n"; got != 2 || !strings.Contains(tty.Stderr, wantLines) {
		t.Errorf("stderr on a terminal = %q, want the lines %q", tty.Stderr, wantLines)
	}
	if tty.Stdout != want.Stdout {
		t.Errorf("stdout = %q, want %q", tty.Stdout, want.Stdout)
	}
}
