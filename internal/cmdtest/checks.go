package cmdtest

// Running a command and checking what every run must get right: its exit
// code, and for a failure nothing on stdout and the error printed once.
//
// These helpers take the test t that runs the command: a subtest may run
// commands in an Env its parent made, and must fail itself, not e.T.

import (
	"encoding/json"
	"strings"
	"testing"
)

// MustRun runs cachelink with args and fails t unless it exits 0.
func (e *Env) MustRun(t testing.TB, args ...string) Result {
	t.Helper()
	r := e.Run(args...)
	if r.Code != 0 {
		t.Fatalf("cachelink %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.Code, r.Stdout, r.Stderr)
	}
	return r
}

// ExpectExit runs cachelink with args and checks the run with CheckExit.
func (e *Env) ExpectExit(t testing.TB, code int, args ...string) Result {
	t.Helper()
	return CheckExit(t, e.Run(args...), code, args)
}

// CheckExit fails t unless r exited with code, and for a failure (code
// not 0) checks that nothing was written to stdout and that the error was
// printed exactly once. args, the command line, only names the run in the
// messages (nil is fine). It returns r.
func CheckExit(t testing.TB, r Result, code int, args []string) Result {
	t.Helper()
	if r.Code != code {
		t.Fatalf("cachelink %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.Code, code, r.Stdout, r.Stderr)
	}
	if code != 0 {
		if r.Stdout != "" {
			t.Errorf("a failing command wrote to stdout: %q", r.Stdout)
		}
		if n := strings.Count(r.Stderr, "Error: "); n != 1 {
			t.Errorf("the error must be printed exactly once, found %d times:\n%s", n, r.Stderr)
		}
	}
	return r
}

// CheckNoSecrets reports an error for each of secrets that r's stderr
// contains (stderr is for people and logs; secrets go to stdout only).
// The message shows only the first characters of the secret.
func CheckNoSecrets(t testing.TB, r Result, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(r.Stderr, s) {
			t.Errorf("a secret (%.6s...) reached stderr:\n%s", s, r.Stderr)
		}
	}
}

// DecodePipedJSON decodes stdout, what a command printed with -o json
// through a pipe, as a T: it fails t unless stdout is that JSON, and
// reports an error unless it is one line.
func DecodePipedJSON[T any](t testing.TB, stdout string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(stdout), &v); err != nil {
		t.Fatalf("stdout is not the expected JSON: %v\n%s", err, stdout)
	}
	if strings.Count(strings.TrimSpace(stdout), "\n") != 0 {
		t.Errorf("piped JSON should be one line:\n%s", stdout)
	}
	return v
}
