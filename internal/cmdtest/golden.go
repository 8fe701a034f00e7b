package cmdtest

// Golden outputs: what a command printed, made deterministic and compared
// with files under the repository's testdata/ (package golden).

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/cachelink/cachelink/internal/golden"
)

var (
	anyUUID      = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)
	anyTimestamp = regexp.MustCompile(`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})`)
)

// Normalize makes an output of a run in e deterministic before it is
// compared with a golden file:
//
//   - Each UUID in ids, the random ids the sandbox gave, is replaced by a
//     fixed UUID numbered by its place in ids (1-based; give them in the
//     store's creation order): the first becomes
//     00000000-0000-4000-8000-000000000001, and so on. Case does not
//     matter. The placeholders keep a UUID's length, so table columns
//     stay aligned, and the same id has the same placeholder in stdout and
//     stderr. Other UUIDs (those a test case types itself) are left as
//     they are.
//   - Timestamps (RFC 3339) become 2001-02-03T04:05:06Z.
//   - The sandbox's address (a random port) becomes http://sandbox.test.
func (e *Env) Normalize(s string, ids ...string) string {
	place := map[string]int{}
	for i, id := range ids {
		place[strings.ToLower(id)] = i + 1
	}
	s = anyUUID.ReplaceAllStringFunc(s, func(id string) string {
		n, ok := place[strings.ToLower(id)]
		if !ok {
			return id
		}
		return "00000000-0000-4000-8000-" + leftPad(strconv.Itoa(n), 12)
	})
	s = anyTimestamp.ReplaceAllString(s, "2001-02-03T04:05:06Z")
	return strings.ReplaceAll(s, e.Server.URL, "http://sandbox.test")
}

func leftPad(s string, n int) string { return strings.Repeat("0", max(0, n-len(s))) + s }

// FixColour makes colour in e's runs independent of the environment the
// tests run in (e.Setenv): NO_COLOR empty and TERM=xterm-256color, so a
// run on a terminal is coloured and a piped one is not.
func (e *Env) FixColour() {
	e.Setenv("NO_COLOR", "")
	e.Setenv("TERM", "xterm-256color")
}

// AssertGolden compares r's stdout and stderr, each passed through
// normalize, with testdata/<name>.stdout and testdata/<name>.stderr at the
// repository root (golden.Assert: -update rewrites them).
func AssertGolden(t testing.TB, name string, r Result, normalize func(string) string) {
	t.Helper()
	golden.Assert(t, name+".stdout", []byte(normalize(r.Stdout)))
	golden.Assert(t, name+".stderr", []byte(normalize(r.Stderr)))
}
