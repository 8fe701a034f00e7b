package cmdutil

import (
	"github.com/cachelink/cachelink/internal/config"
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
