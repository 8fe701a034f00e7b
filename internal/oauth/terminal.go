package oauth

import (
	"bufio"
	"context"
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

func (t *Terminal) start() {
	t.once.Do(func() {
		go func() {
			sc := bufio.NewScanner(t.in)
			for sc.Scan() {
				t.lines <- sc.Text()
			}
			close(t.lines)
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
