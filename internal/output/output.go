// Package output writes results to stdout in the forms scripts rely on.
// JSON keys are stable snake_case; on a terminal JSON is indented for
// reading, in a pipe it is one compact line. Print writes a list (Table) or
// one resource (Detail) as text or JSON, whichever was asked for.
package output

import (
	"encoding/json"

	"github.com/cachelink/cachelink/internal/iostreams"
)

// JSON writes v to stdout as one JSON document followed by a newline.
func JSON(ios *iostreams.IOStreams, v any) error {
	enc := json.NewEncoder(ios.Out)
	enc.SetEscapeHTML(false)
	if ios.IsStdoutTTY() {
		enc.SetIndent("", "  ")
	}
	return enc.Encode(v)
}

// Deleted is what every delete prints with -o json (disconnect too: it
// deletes the stored login), so that a script checks one key whatever it
// deleted. Kind is the kind of resource as its own JSON names it: "cache",
// "redis", "vector", "search", "rule" or "login".
type Deleted struct {
	Deleted  bool   `json:"deleted"` // always true: a failed delete prints no JSON
	Provider string `json:"provider"`
	Kind     string `json:"kind"`
	ID       string `json:"id,omitempty"`
	Name     string `json:"name,omitempty"`
	Profile  string `json:"profile,omitempty"`
}
