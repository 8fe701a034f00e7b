package cmdutil

import (
	"context"
	"fmt"
	"strings"

	"github.com/cachelink/cachelink/internal/config"
	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/prompt"
)

// Ask returns the Prompter when cachelink may ask for what the flags left
// out: standard input and standard error are terminals and --no-input
// (CACHELINK_NO_INPUT) is not set. Otherwise it returns nil, and a command
// goes by its flags alone, exactly as in a script.
func (f *Factory) Ask() prompt.Prompter {
	ios := f.IOStreams
	if f.Prompter == nil || !ios.IsStdinTTY() || !ios.IsStderrTTY() {
		return nil
	}
	cfg, err := f.Config()
	if err != nil || cfg.Bool(config.NoInput) {
		return nil
	}
	return f.Prompter()
}

// AskName asks p for the name of what a create makes, titled title, and
// accepts only what CheckName(name, what) accepts: the rules of --name.
func AskName(ctx context.Context, p prompt.Prompter, title, what string) (string, error) {
	return p.Input(ctx, prompt.Question{
		Title:    title,
		Validate: func(s string) error { return CheckName(s, what) },
	})
}

// AskLine asks for one line of text on a terminal: q with the prompt
// library when there is one (p, from Ask: stdin and stderr are
// terminals), the answer trimmed; else (stdin alone is a terminal) line
// on stderr and a line read from stdin (ReadAnswer).
func AskLine(ctx context.Context, ios *iostreams.IOStreams, p prompt.Prompter, q prompt.Question, line string) (string, error) {
	if p == nil {
		fmt.Fprint(ios.ErrOut, line)
		return ReadAnswer(ctx, ios.In)
	}
	answer, err := p.Input(ctx, q)
	return strings.TrimSpace(answer), err
}
