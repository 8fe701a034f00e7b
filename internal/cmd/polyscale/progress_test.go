package polyscale_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/cachelink/cachelink/internal/cmdtest"
)

// A create on a terminal says what it waits for, then clears the line: the
// ✓ line and stdout come out clean; through a pipe no spinner byte is
// written, and the golden files (which run with the spinner off) hold.
func TestCreateShowsWhatItWaitsForOnATerminal(t *testing.T) {
	t.Parallel()
	args := []string{"create", "polyscale", "--name", "shop", "--origin-env", "DATABASE_URL"}
	for _, tty := range []bool{true, false} {
		e := ciSandbox(t)
		e.Setenv("NO_COLOR", "1")
		r := checkExit(t, e.RunWith(cmdtest.RunOptions{StderrTTY: tty, Progress: cmdtest.SpinnerAtOnce()}, args...), 0, args)
		labels, rest := cmdtest.Spinners(r.Stderr)
		if !tty {
			if len(labels) != 0 || rest != r.Stderr {
				t.Errorf("through a pipe: spinner bytes in %q", r.Stderr)
			}
			continue
		}
		if !slices.Contains(labels, "Creating PolyScale cache shop…") {
			t.Errorf("spinner labels %q lack the create's", labels)
		}
		if strings.ContainsAny(rest, "\r\x1b") || !strings.Contains(rest, "✓ Created") {
			t.Errorf("stderr without the spinner = %q", rest)
		}
		if strings.ContainsAny(r.Stdout, "\r\x1b") {
			t.Errorf("stdout = %q", r.Stdout)
		}
	}
}
