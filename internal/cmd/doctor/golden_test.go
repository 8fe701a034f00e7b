package doctor_test

// Golden JSON of `doctor -o json`: which checks it makes, in order, and the
// keys each has. The levels and details depend on the machine (keychain,
// display, network), so they are not pinned; the values of name are, with
// the callback port and the sandbox's address made fixed. Regenerate with
//
//	go test ./internal/cmd/doctor/ -run TestGoldenJSON -update

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/cachelink/cachelink/internal/cmdtest"
	"github.com/cachelink/cachelink/internal/golden"
)

func TestGoldenJSON(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	e.ReleasePort()
	r := e.Run("doctor", "-o", "json")
	var checks []map[string]any
	if err := json.Unmarshal([]byte(r.Stdout), &checks); err != nil {
		t.Fatalf("doctor -o json: %v\n%s", err, r.Stdout)
	}
	type shape struct {
		Name string   `json:"name"`
		Keys []string `json:"keys"`
	}
	var out []shape
	for _, c := range checks {
		var keys []string
		for k := range c {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		// fix and duration_ms are there when they apply.
		keys = slices.DeleteFunc(keys, func(k string) bool { return k == "fix" || k == "duration_ms" })
		for _, want := range []string{"name", "level", "detail"} {
			if !slices.Contains(keys, want) {
				t.Errorf("check %v lacks %q", c["name"], want)
			}
		}
		name, _ := c["name"].(string)
		if strings.Contains(name, "[::1]") {
			continue // only where the machine has IPv6
		}
		out = append(out, shape{Name: strings.ReplaceAll(name, e.Port, "PORT"), Keys: keys})
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "app/doctor-json-shape.json", append(b, '\n'))
}
