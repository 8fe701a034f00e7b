package prompt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"
	"golang.org/x/term"

	"github.com/cachelink/cachelink/internal/termbg"
)

// Terminal is the Prompter on a terminal, drawn with charmbracelet/huh:
// an input line, a hidden input, a list to pick from with the arrow keys
// (or "/" to filter). It reads In in raw mode while a prompt is up and
// restores the terminal when the prompt ends, however it ends.
type Terminal struct {
	In  io.Reader // what is typed: standard input, a terminal
	Out io.Writer // where prompts are drawn: standard error
	// Accessible asks with plain lines (a numbered list for a Select)
	// instead of a form that is redrawn as keys are pressed, for screen
	// readers: huh's accessible mode. It is also what is used when In is
	// not a terminal file (a test's pipe), where raw mode is impossible,
	// and when Out is not a terminal of known size.
	Accessible bool
	// Color draws with huh's default theme; false uses its plain theme
	// (NO_COLOR, TERM=dumb).
	Color bool
}

var _ Prompter = (*Terminal)(nil)

// Input implements Prompter.
func (t *Terminal) Input(ctx context.Context, q Question) (string, error) {
	return t.input(ctx, q, false)
}

// Secret implements Prompter: what is typed shows as asterisks.
func (t *Terminal) Secret(ctx context.Context, q Question) (string, error) {
	return t.input(ctx, q, true)
}

// input asks for one line, hidden when secret.
func (t *Terminal) input(ctx context.Context, q Question, secret bool) (string, error) {
	var v string
	f := huh.NewInput().Title(q.Title).Description(q.Description).Placeholder(q.Placeholder).Value(&v)
	if secret {
		f.EchoMode(huh.EchoModePassword)
	}
	if q.Validate != nil {
		f.Validate(q.Validate)
	}
	if err := t.run(ctx, f, secret); err != nil {
		return "", err
	}
	return v, nil
}

// selectHeight is the most lines a Select takes (title and description
// included); longer lists scroll.
const selectHeight = 14

// Select implements Prompter.
func (t *Terminal) Select(ctx context.Context, q Question, options []Option) (string, error) {
	if len(options) == 0 {
		return "", errors.New("nothing to choose from")
	}
	opts := make([]huh.Option[string], len(options))
	for i, o := range options {
		opts[i] = huh.NewOption(o.Label, o.Value)
	}
	v := options[0].Value
	f := huh.NewSelect[string]().Title(q.Title).Description(q.Description).Options(opts...).Value(&v)
	if len(options) > selectHeight-4 {
		f.Height(selectHeight)
	}
	if q.Validate != nil {
		f.Validate(q.Validate)
	}
	if err := t.run(ctx, f, false); err != nil {
		return "", err
	}
	return v, nil
}

// terminalIn is In as a terminal file, or nil.
func (t *Terminal) terminalIn() *os.File {
	f, ok := t.In.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return f
}

// sized reports whether out is a terminal that knows its size: one that
// reports none (a pseudo-terminal nobody sized) would get a form of no
// lines, so it is asked in plain lines instead.
func sized(out io.Writer) bool {
	f, ok := out.(*os.File)
	if !ok {
		return false
	}
	w, h, err := term.GetSize(int(f.Fd()))
	return err == nil && w > 0 && h > 0
}

// run asks one field. Bubble Tea runs the form with options of ours: no
// signal handler (the run's context already ends at SIGINT and SIGTERM),
// no focus reporting, In and Out as given. Every end is a graceful quit,
// Ctrl-C and the end of ctx included (huh's own Run kills the program
// then, which leaves its input reader running while it is closed): the
// input reader is stopped and waited for, and the terminal restored,
// before run returns.
func (t *Terminal) run(ctx context.Context, field huh.Field, secret bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	tty := t.terminalIn()
	form := huh.NewForm(huh.NewGroup(field)).
		WithInput(t.In).
		WithOutput(t.Out).
		WithShowHelp(true)
	if !t.Color {
		form = form.WithTheme(huh.ThemeBase())
	}
	if t.Accessible || tty == nil || !sized(t.Out) {
		if secret && tty == nil {
			return errors.New("a hidden prompt needs a terminal")
		}
		return t.runAccessible(ctx, form.WithAccessible(true), tty)
	}
	if t.Color {
		termbg.Detect(t.Out) // the adaptive colours of the theme
	}
	form.SubmitCmd, form.CancelCmd = tea.Quit, tea.Quit
	prog := tea.NewProgram(form, tea.WithInput(t.In), tea.WithOutput(t.Out), tea.WithoutSignalHandler())
	stop := context.AfterFunc(ctx, prog.Quit)
	_, err := prog.Run()
	stop()
	switch {
	case ctx.Err() != nil:
		return ctx.Err() // SIGTERM, or SIGINT from outside
	case form.State == huh.StateAborted:
		return aborted() // Ctrl-C typed at the prompt
	case err != nil:
		return fmt.Errorf("prompting on the terminal: %w", err)
	case form.State != huh.StateCompleted:
		return aborted()
	}
	return nil
}

// runAccessible runs form in huh's accessible mode, which cannot be
// cancelled: it runs in the background, and when ctx ends first (Ctrl-C
// in cooked mode is a signal) the terminal state saved before is restored
// here (a hidden read turns echo off) and ctx's error returned; the read
// stays blocked, which is fine for a process about to exit. (A hidden
// read that turns echo off only after that restore, in the instant the
// prompt appears, leaves it off: the same window as iostreams' hidden
// read.)
func (t *Terminal) runAccessible(ctx context.Context, form *huh.Form, tty *os.File) error {
	var saved *term.State
	if tty != nil {
		s, err := term.GetState(int(tty.Fd()))
		if err != nil {
			return err
		}
		saved = s
	}
	done := make(chan error, 1)
	go func() { done <- form.RunWithContext(ctx) }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("prompting on the terminal: %w", err)
		}
		return nil
	case <-ctx.Done():
		if saved != nil {
			_ = term.Restore(int(tty.Fd()), saved)
		}
		fmt.Fprintln(t.Out)
		return ctx.Err()
	}
}
