package iostreams

import "os"

// UseTerminal makes tty standard input and standard error, detected as
// System detects them: a terminal file gives prompts their raw mode and
// hidden reads their echo control. Tests pass a pseudo-terminal's end;
// stdout is left as it is (the product, captured by the caller).
func (s *IOStreams) UseTerminal(tty *os.File) {
	s.In, s.ErrOut = tty, tty
	s.inFd = int(tty.Fd())
	s.stdinTTY = isTerminal(tty)
	s.stderrTTY = s.stdinTTY
	s.color = s.stderrTTY && colorAllowed(s.env())
}
