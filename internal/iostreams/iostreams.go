// Package iostreams is the one place that knows where output goes and what
// kind of terminal is on the other end. Commands write results to Out
// (stdout, the product that scripts capture) and everything meant for people
// to ErrOut (stderr); decorations such as colour appear only on a terminal and
// never when NO_COLOR is set.
package iostreams

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

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

// Test returns streams backed by buffers, none of them a terminal.
func Test() (s *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut, inFd: -1}, in, out, errOut
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
		return "\x1b[33mWarning:\x1b[0m"
	}
	return "Warning:"
}

// Warnf writes one warning line to stderr.
func (s *IOStreams) Warnf(format string, args ...any) {
	fmt.Fprintf(s.ErrOut, "%s %s\n", s.WarningPrefix(), fmt.Sprintf(format, args...))
}

// ErrLineTooLong is returned by ReadLine when the line exceeds the limit.
var ErrLineTooLong = errors.New("the line is too long")

// ReadLine reads one line from In, at most limit bytes, without the line
// ending. When In is a terminal it prints prompt on stderr and reads without
// echo, because what is read here is usually a secret.
func (s *IOStreams) ReadLine(prompt string, limit int) (string, error) {
	if s.stdinTTY && s.inFd >= 0 {
		fmt.Fprint(s.ErrOut, prompt)
		b, err := term.ReadPassword(s.inFd)
		fmt.Fprintln(s.ErrOut)
		if err != nil {
			return "", err
		}
		if len(b) > limit {
			return "", ErrLineTooLong
		}
		return string(b), nil
	}
	r := bufio.NewReaderSize(io.LimitReader(s.In, int64(limit)+1), 4096)
	line, err := r.ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	if len(line) > limit {
		return "", ErrLineTooLong
	}
	return strings.TrimRight(line, "\r\n"), nil
}
