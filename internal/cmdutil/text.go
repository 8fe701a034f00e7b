package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/config"
	"github.com/cachelink/cachelink/internal/oauth"
	"github.com/cachelink/cachelink/internal/prompt"
	"github.com/cachelink/cachelink/internal/safetext"
	"github.com/cachelink/cachelink/internal/uuid"
)

// OneLine keeps a provider's text on one line, free of tabs and terminal
// escapes, so tables and tab-separated output stay aligned and nothing a
// server sends can drive the terminal.
func OneLine(s string) string { return safetext.Line(s, 0) }

// ReadAnswer reads one line typed at the terminal (at most 1 KiB, the rest
// left unread), for confirmations, and trims the spaces around it. It
// reads with oauth.ReadLine, byte by byte, so nothing after the line is
// consumed. An input that ends reads as an empty answer.
//
// It returns ctx's error as soon as ctx is done (Ctrl-C, SIGTERM: exit
// 130), without waiting for the line; the read stays blocked in the
// background, and what it reads then is dropped.
func ReadAnswer(ctx context.Context, in io.Reader) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	type result struct {
		line string
		err  error
	}
	done := make(chan result, 1) // buffered: a read that ends after ctx must not block
	go func() {
		line, err := oauth.ReadLine(in, 1024)
		done <- result{line, err}
	}()
	var res result
	select {
	case res = <-done:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	if res.err != nil && res.err != io.EOF && !errors.Is(res.err, oauth.ErrLineTooLong) {
		return "", res.err
	}
	return strings.TrimSpace(res.line), nil
}

// ConfirmDelete asks, on a terminal, to type name before something is
// deleted; what names it for people ("the PolyScale cache shop (id)") and
// warning says what breaks. With yes it asks nothing. Without a terminal,
// or with --no-input, it refuses (exit 2) and points at --yes, so a script
// never deletes by accident. The prompt ends at Ctrl-C or SIGTERM (the
// run's context, see iostreams.IOStreams.Context): exit 130, nothing
// deleted.
func (f *Factory) ConfirmDelete(yes bool, what, name, warning string) error {
	return f.Confirm(Confirmation{
		Yes:      yes,
		Doing:    "deleting " + what,
		Prompt:   fmt.Sprintf("Delete %s? %s\nType its name to confirm: ", what, warning),
		Want:     name,
		YesHint:  "Pass --yes to delete without a prompt.",
		Mismatch: "the name did not match; nothing was deleted",
	})
}

// Confirmation is a question asked before something that cannot be
// undone (a delete, a reset, a rotation).
type Confirmation struct {
	Yes      bool   // --yes: ask nothing
	Doing    string // what is refused without a terminal: "deleting the cache shop"
	Prompt   string // the question and what to type, on stderr
	Want     string // the answer that confirms
	YesHint  string // how a script confirms: "Pass --yes to delete without a prompt."
	Mismatch string // what another answer means: "the name did not match; nothing was deleted"
}

// Confirm asks c on a terminal: with the prompt library (see Ask) when
// stdin and stderr are terminals, else as a line read from stdin. With
// c.Yes it asks nothing. Without a terminal, or with --no-input, it
// refuses (exit 2) and points at --yes, so a script never does it by
// accident. Another answer than c.Want is an error (exit 1), nothing
// done. The prompt ends at Ctrl-C or SIGTERM (the run's context, or the
// key typed at the prompt): exit 130, nothing done.
func (f *Factory) Confirm(c Confirmation) error {
	if c.Yes {
		return nil
	}
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	ios := f.IOStreams
	if !ios.IsStdinTTY() || cfg.Bool(config.NoInput) {
		return clierr.Usagef("%s needs confirmation", c.Doing).WithHint(c.YesHint)
	}
	// With the prompt library, the question is the title and what to
	// type is under it.
	title, what, _ := strings.Cut(c.Prompt, "\n")
	answer, err := AskLine(ios.Context(), ios, f.Ask(), prompt.Question{Title: title, Description: strings.TrimRight(what, ": ")}, c.Prompt)
	if err != nil {
		return err
	}
	if answer != c.Want {
		return clierr.Errorf("%s", c.Mismatch)
	}
	return nil
}

// CheckName refuses a --name the providers would refuse or that could not
// be told from an id: blank, longer than 255 characters, a UUID, or with
// control characters. what names the id ("cache id").
func CheckName(name, what string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return clierr.Usagef("--name is required and must not be blank")
	case utf8.RuneCountInString(name) > 255:
		return clierr.Usagef("--name is longer than 255 characters")
	case uuid.Is(name):
		return clierr.Usagef("--name %q looks like a %s", name, what).WithHint("Choose a name that is not a UUID.")
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return clierr.Usagef("--name contains a control character")
		}
	}
	return nil
}
