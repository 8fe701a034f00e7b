package run_test

import (
	"strings"
	"testing"

	"github.com/cachelink/cachelink/internal/cmdtest"
	"github.com/cachelink/cachelink/internal/golden"
)

// run has no result of its own: stdout is COMMAND's. -o json is refused
// before anything is resolved or started (exit 2), rather than ignored.
func TestRunRefusesJSONOutput(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	args := []string{"run", "-o", "json", "--upstash", "cache", "--", "sh", "-c", "echo started"}
	requests := e.CountRequests(t, "", "")
	r := cmdtest.CheckExit(t, e.Run(args...), 2, args)
	if r.Stdout != "" || strings.Contains(r.Stderr, "started") {
		t.Errorf("the command ran: stdout %q, stderr %q", r.Stdout, r.Stderr)
	}
	if n := requests(); n != 0 {
		t.Errorf("%d requests before the refusal, want none", n)
	}
	golden.Assert(t, "app/err-run-json.stderr", []byte(r.Stderr))
}
