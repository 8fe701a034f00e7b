// Package prompt asks a person at a terminal for what a command's flags
// left out: a name, a region picked from a list, a secret typed without
// echo, a confirmation. Commands ask through the Prompter interface, which
// the Factory hands out lazily (so `--help` never touches the terminal and
// tests can put a fake in its place); Terminal is the implementation, on
// charmbracelet/huh.
//
// Prompts go to stderr; stdout stays the product. Whether to ask at all is
// the caller's decision (cmdutil.Factory.CanPrompt: stdin and stderr are
// terminals and --no-input is not set); without a terminal a command
// behaves exactly as its flags say.
package prompt

import (
	"context"
	"errors"

	"github.com/cachelink/cachelink/internal/clierr"
)

// Prompter asks questions on a terminal. Every method returns ctx's error
// when ctx ends first (SIGTERM, Ctrl-C sent as a signal), and an error of
// kind clierr.Interrupted (exit 130) when the person presses Ctrl-C at the
// prompt; the terminal is restored either way.
type Prompter interface {
	// Input asks for one line of text.
	Input(ctx context.Context, q Question) (string, error)
	// Secret asks for one line of text without showing what is typed.
	Secret(ctx context.Context, q Question) (string, error)
	// Select asks to pick one of options, the first one highlighted, and
	// returns its Value.
	Select(ctx context.Context, q Question, options []Option) (string, error)
}

// Question is what a prompt shows.
type Question struct {
	Title       string // the question, one line: "Database name"
	Description string // optional, under the title: what the answer is for
	Placeholder string // optional: shown greyed in an empty input
	// Validate checks an answer before it is accepted; its error is shown
	// under the prompt and the person tries again. nil accepts anything.
	Validate func(string) error
}

// Option is one choice of a Select.
type Option struct {
	Label string // what is shown: "eu-central-1 (Frankfurt)"
	Value string // what is returned: "eu-central-1"
}

// ErrAborted is the error (of kind clierr.Interrupted) when the person
// ends a prompt with Ctrl-C.
var ErrAborted = errors.New("prompt cancelled")

// aborted is ErrAborted with its exit code.
func aborted() error { return clierr.Wrap(clierr.Interrupted, ErrAborted) }
