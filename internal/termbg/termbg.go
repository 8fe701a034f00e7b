// Package termbg keeps cachelink from asking the terminal for its
// background colour when it starts.
//
// Bubble Tea (under huh, the prompts) asks Lip Gloss at init whether the
// terminal's background is dark, which writes OSC 11 and a cursor
// position request to stdout and waits up to 5 s for the answer whenever
// stdout is a terminal: every command, even `cachelink version`, then put
// "\x1b]11;?\x1b\\\x1b[6n" in front of its output and stalled 5 s on a
// terminal that does not answer (script(1), a pseudo-terminal in CI).
// This package's init runs before Bubble Tea's (Go initialises packages
// in import-path order once their imports are, and
// github.com/cachelink/... sorts before github.com/charmbracelet/...), and
// settles the answer without asking; Detect asks for real when a prompt
// is about to draw.
package termbg

import (
	"io"
	"sync"

	"github.com/charmbracelet/lipgloss"
)

func init() {
	// Lip Gloss's own default when it cannot tell.
	lipgloss.SetHasDarkBackground(true)
}

var once sync.Once

// Detect asks the terminal that out writes to for its background colour,
// once per process, so the prompts' adaptive colours fit it. Call it only
// before drawing a prompt on a terminal.
func Detect(out io.Writer) {
	once.Do(func() {
		lipgloss.SetHasDarkBackground(lipgloss.NewRenderer(out).HasDarkBackground())
	})
}
