package oauth

import (
	"context"
	"errors"
	"io"
	"sync"
)

// Terminal hands the lines typed at a terminal to whoever asks next. The
// login's paste reader stops asking when the login ends, so a line typed
// afterwards (an answer to the next prompt) is not lost to it, as it would
// be with two readers of one stream.
type Terminal struct {
	in    io.Reader
	once  sync.Once
	lines chan string

	mu      sync.Mutex
	pending []string // lines handed back by a reader that stopped
}

// NewTerminal reads lines from in, from the first Next on.
func NewTerminal(in io.Reader) *Terminal {
	return &Terminal{in: in, lines: make(chan string, 16)}
}

// maxLine bounds a line a Terminal reads (a pasted address is far
// shorter); a longer one ends the input.
const maxLine = 64 << 10

func (t *Terminal) start() {
	t.once.Do(func() {
		go func() {
			defer close(t.lines)
			for {
				line, err := ReadLine(t.in, maxLine)
				if err == nil || (line != "" && !errors.Is(err, ErrLineTooLong)) {
					t.lines <- line
				}
				if err != nil {
					return
				}
			}
		}()
	})
}

// Next returns the next line typed, or false when the input ended or ctx
// is done.
func (t *Terminal) Next(ctx context.Context) (string, bool) {
	t.mu.Lock()
	if len(t.pending) > 0 {
		line := t.pending[0]
		t.pending = t.pending[1:]
		t.mu.Unlock()
		return line, true
	}
	t.mu.Unlock()
	if ctx.Err() != nil {
		return "", false
	}
	t.start()
	select {
	case line, ok := <-t.lines:
		return line, ok
	case <-ctx.Done():
		return "", false
	}
}

// unread hands a line back, to be the next one returned: a reader that
// got a line just as it was told to stop did not use it.
func (t *Terminal) unread(line string) {
	t.mu.Lock()
	t.pending = append([]string{line}, t.pending...)
	t.mu.Unlock()
}

// ErrLineTooLong is returned by ReadLine when a line is longer than asked.
var ErrLineTooLong = errors.New("line too long")

// ReadLine reads one line typed at a terminal, a byte at a time so that
// nothing after the line is consumed, and returns it without its "\n" or
// "\r\n". A last line without a newline is returned with a nil error;
// io.EOF means the input ended before the line began. When max > 0 and max
// bytes came without a newline, it returns them with ErrLineTooLong and
// leaves the rest of the line unread. On another read error it returns what
// it read and the error.
func ReadLine(in io.Reader, max int) (string, error) {
	var line []byte
	buf := make([]byte, 1)
	read := false // a byte came, so the input did not end before the line
	for {
		if max > 0 && len(line) >= max {
			return string(line), ErrLineTooLong
		}
		n, err := in.Read(buf)
		if n == 1 {
			read = true
			if buf[0] == '\n' {
				return string(dropCR(line)), nil
			}
			line = append(line, buf[0])
		}
		if err == io.EOF && read {
			return string(dropCR(line)), nil
		}
		if err != nil {
			return string(line), err
		}
	}
}

func dropCR(b []byte) []byte {
	if len(b) > 0 && b[len(b)-1] == '\r' {
		return b[:len(b)-1]
	}
	return b
}
