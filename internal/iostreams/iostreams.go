// Package iostreams is the one place that knows where output goes and what
// kind of terminal is on the other end. Commands write results to Out
// (stdout, the product that scripts capture) and everything meant for people
// to ErrOut (stderr); decorations such as colour appear only on a terminal and
// never when NO_COLOR is set, and so does the spinner of StartProgress
// (progress.go), which is never coloured.
package iostreams

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"golang.org/x/term"
)

// IOStreams holds the three standard streams and what is known about them.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	inFd      int // file descriptor of In when it is a terminal, for reading without echo
	stdinTTY  bool
	stdoutTTY bool
	stderrTTY bool
	color     bool
	getenv    func(string) string // reads NO_COLOR and TERM; nil means os.Getenv
	ctx       context.Context     // the run's, for reads without a context of their own; nil: Background

	progressMu  sync.Mutex       // guards the fields below and the swap of ErrOut (progress.go)
	progress    *ProgressOptions // nil: the defaults
	progressOff bool             // DisableProgress
	spinning    *spinner         // the spinner running now, if any
}

// System returns the process's standard streams.
func System() *IOStreams {
	s := &IOStreams{
		In:        os.Stdin,
		Out:       os.Stdout,
		ErrOut:    os.Stderr,
		inFd:      int(os.Stdin.Fd()),
		stdinTTY:  isTerminal(os.Stdin),
		stdoutTTY: isTerminal(os.Stdout),
		stderrTTY: isTerminal(os.Stderr),
	}
	s.color = s.stderrTTY && colorAllowed(os.Getenv)
	return s
}

// colorAllowed applies the conventions every terminal tool shares:
// NO_COLOR (set and not empty, as no-color.org defines it) and TERM=dumb
// turn colour off.
func colorAllowed(getenv func(string) string) bool {
	if getenv("NO_COLOR") != "" {
		return false
	}
	return getenv("TERM") != "dumb"
}

func isTerminal(f *os.File) bool {
	return term.IsTerminal(int(f.Fd()))
}

// Test returns streams backed by buffers, none of them a terminal, and
// without a spinner even when SetStderrTTY makes stderr one (so that
// golden files do not depend on the machine's speed): a test of the
// spinner sets ProgressOptions.
func Test() (s *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut, inFd: -1, progress: &ProgressOptions{Delay: -1}}, in, out, errOut
}

// IsStdinTTY reports whether standard input is a terminal.
func (s *IOStreams) IsStdinTTY() bool { return s.stdinTTY }

// IsStdoutTTY reports whether standard output is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// IsStderrTTY reports whether standard error is a terminal.
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// SetStdinTTY overrides terminal detection, for tests.
func (s *IOStreams) SetStdinTTY(v bool) { s.stdinTTY = v }

// SetStdoutTTY overrides terminal detection, for tests.
func (s *IOStreams) SetStdoutTTY(v bool) { s.stdoutTTY = v }

// SetStderrTTY overrides terminal detection, for tests. Colour follows it
// unless NO_COLOR is set.
func (s *IOStreams) SetStderrTTY(v bool) {
	s.stderrTTY = v
	s.color = v && colorAllowed(s.env())
}

// SetColorEnv makes colour follow NO_COLOR and TERM as getenv reads them
// instead of the process's environment (nil means os.Getenv), now and in
// later SetStderrTTY calls: tests pass their own environment.
func (s *IOStreams) SetColorEnv(getenv func(string) string) {
	s.getenv = getenv
	s.color = s.stderrTTY && colorAllowed(s.env())
}

func (s *IOStreams) env() func(string) string {
	if s.getenv == nil {
		return os.Getenv
	}
	return s.getenv
}

// ColorEnabled reports whether stderr may carry colour.
func (s *IOStreams) ColorEnabled() bool { return s.color }

// SuccessIcon is the check mark that starts a success line on stderr.
func (s *IOStreams) SuccessIcon() string {
	if s.color {
		return "\x1b[32m✓\x1b[0m"
	}
	return "✓"
}

// WarningPrefix starts a warning line on stderr.
func (s *IOStreams) WarningPrefix() string {
	if s.color {
		return "\x1b[33mwarning:\x1b[0m"
	}
	return "warning:"
}

// Warnf writes one warning line to stderr: "warning: " and what happened,
// lower case, with no remedy (see WarnHint).
func (s *IOStreams) Warnf(format string, args ...any) {
	fmt.Fprintf(s.ErrOut, "%s %s\n", s.WarningPrefix(), fmt.Sprintf(format, args...))
}

// WarnHint writes a warning (see Warnf) and, on the next line, hint: what
// to do about it, one sentence, as an error's hint is printed.
func (s *IOStreams) WarnHint(hint, format string, args ...any) {
	s.Warnf(format, args...)
	fmt.Fprintln(s.ErrOut, hint)
}

// SetContext gives the streams the context of the run (internal/app sets
// it): reads that are not handed a context of their own end when it is
// done (Ctrl-C, SIGTERM). See Context.
func (s *IOStreams) SetContext(ctx context.Context) { s.ctx = ctx }

// Context is the context of the run, for reads of stdin by code that has
// no context of its own; context.Background() when none was set.
func (s *IOStreams) Context() context.Context {
	if s.ctx == nil {
		return context.Background()
	}
	return s.ctx
}

// ErrLineTooLong is returned by ReadLine when the line exceeds the limit.
var ErrLineTooLong = errors.New("the line is too long")

// ReadLine reads one line from In, at most limit bytes, without the line
// ending. When In is a terminal it prints prompt on stderr and reads without
// echo, because what is read here is usually a secret.
//
// It returns ctx's error as soon as ctx is done (Ctrl-C, SIGTERM), with
// the terminal's echo restored, without waiting for the line: the read
// itself stays blocked in the background, which is fine for a process
// about to exit.
func (s *IOStreams) ReadLine(ctx context.Context, prompt string, limit int) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if s.stdinTTY && s.inFd >= 0 {
		return s.readHidden(ctx, prompt, limit)
	}
	type result struct {
		line string
		err  error
	}
	done := make(chan result, 1) // buffered: a read that ends after ctx must not block
	go func() {
		r := bufio.NewReaderSize(io.LimitReader(s.In, int64(limit)+1), 4096)
		line, err := r.ReadString('\n')
		done <- result{line, err}
	}()
	var res result
	select {
	case res = <-done:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	if res.err != nil && !errors.Is(res.err, io.EOF) {
		return "", res.err
	}
	if len(res.line) > limit {
		return "", ErrLineTooLong
	}
	return strings.TrimRight(res.line, "\r\n"), nil
}

// readHidden is ReadLine on a terminal: the prompt, then a line read
// without echo. term.ReadPassword cannot be cancelled, so it runs in the
// background; when ctx is done first, the terminal state saved before is
// restored here (echo back on), since ReadPassword only restores it once
// its read returns.
func (s *IOStreams) readHidden(ctx context.Context, prompt string, limit int) (string, error) {
	saved, err := term.GetState(s.inFd)
	if err != nil {
		return "", err
	}
	fmt.Fprint(s.ErrOut, prompt)
	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		b, err := term.ReadPassword(s.inFd)
		done <- result{b, err}
	}()
	select {
	case res := <-done:
		fmt.Fprintln(s.ErrOut)
		if res.err != nil {
			return "", res.err
		}
		if len(res.b) > limit {
			return "", ErrLineTooLong
		}
		return string(res.b), nil
	case <-ctx.Done():
		_ = term.Restore(s.inFd, saved)
		fmt.Fprintln(s.ErrOut)
		return "", ctx.Err()
	}
}
