package iostreams

import (
	"io"
	"os"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/term"

	"github.com/cachelink/cachelink/internal/safetext"
)

// ProgressOptions tune the spinner of StartProgress. System's streams use
// the defaults; Test's never show a spinner (golden files stay
// byte-for-byte the same however slow the machine), and a test that wants
// one sets these.
type ProgressOptions struct {
	// Delay is how long a wait lasts before the spinner shows, so that a
	// quick answer draws nothing. System: 300ms. 0 shows it at once (its
	// first frame is drawn before StartProgress returns); negative never
	// shows it.
	Delay time.Duration
	// Interval is the time between two frames. 0: 100ms.
	Interval time.Duration
	// After returns a channel that receives once d has passed, and a func
	// that releases it. nil: a time.Timer. Tests pass a channel they
	// control.
	After func(d time.Duration) (<-chan time.Time, func())
	// Tick returns a channel that receives every d, and a func that stops
	// it. nil: a time.Ticker. Tests pass a channel they control.
	Tick func(d time.Duration) (<-chan time.Time, func())
	// Width is the terminal's width in columns, read when a spinner
	// starts; nil (or a result below 10): the width of stderr, else 80.
	// A label longer than the line is cut, so that clearing the line
	// clears all of it.
	Width func() int
}

// DefaultProgressDelay is ProgressOptions.Delay on a real terminal.
const DefaultProgressDelay = 300 * time.Millisecond

const defaultProgressInterval = 100 * time.Millisecond

// Frames of the spinner: braille dots, or plain ASCII where NO_COLOR asks
// for plain output. The spinner never has colour.
var (
	unicodeFrames = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}
	asciiFrames   = []string{"|", "/", "-", `\`}
)

// SetProgressOptions replaces how StartProgress shows its spinner; see
// ProgressOptions. Call it before the run starts.
func (s *IOStreams) SetProgressOptions(o ProgressOptions) {
	s.progressMu.Lock()
	defer s.progressMu.Unlock()
	s.progress = &o
}

func (s *IOStreams) progressOptions() ProgressOptions {
	var o ProgressOptions
	if s.progress == nil {
		o.Delay = DefaultProgressDelay
	} else {
		o = *s.progress
	}
	if o.Interval <= 0 {
		o.Interval = defaultProgressInterval
	}
	if o.After == nil {
		o.After = func(d time.Duration) (<-chan time.Time, func()) {
			t := time.NewTimer(d)
			return t.C, func() { t.Stop() }
		}
	}
	if o.Tick == nil {
		o.Tick = func(d time.Duration) (<-chan time.Time, func()) {
			t := time.NewTicker(d)
			return t.C, t.Stop
		}
	}
	return o
}

// DisableProgress turns StartProgress into a no-op for the rest of the
// run: shell completion (the spinner would draw over the command line
// being completed).
func (s *IOStreams) DisableProgress() {
	s.progressMu.Lock()
	defer s.progressMu.Unlock()
	s.progressOff = true
}

// StartProgress shows label ("Creating Upstash database shop…") after a
// spinner on stderr once the wait has lasted ProgressOptions.Delay, until
// the returned stop is called; stop clears the spinner's line, so that
// what is written next starts on a clean line, and may be called more
// than once. Call it as `defer ios.StartProgress(label)()` so that an
// error or Ctrl-C clears the line too.
//
// It draws nothing at all unless stderr is a terminal (and TERM is not
// dumb: that terminal cannot erase a line). While a spinner is started,
// ErrOut is a writer that takes turns with it: a line written there
// (a warning, "retrying (2/4) after 503") clears the spinner, is written,
// and the spinner is drawn again below it. ErrOut is restored by stop:
// start and stop a spinner in the goroutine that runs the command. A
// second StartProgress while one is running changes nothing (the first
// label stays) and returns a stop that does nothing.
func (s *IOStreams) StartProgress(label string) (stop func()) {
	noop := func() {}
	if !s.stderrTTY || s.env()("TERM") == "dumb" {
		return noop
	}
	s.progressMu.Lock()
	defer s.progressMu.Unlock()
	if s.progressOff || s.spinning != nil {
		return noop
	}
	o := s.progressOptions()
	if o.Delay < 0 {
		return noop
	}
	width := 0
	if o.Width != nil {
		width = o.Width()
	}
	if width < 10 {
		width = s.stderrWidth()
	}
	frames := unicodeFrames
	if s.env()("NO_COLOR") != "" {
		frames = asciiFrames
	}
	tw := &termWriter{
		w:      s.ErrOut,
		frames: frames,
		// Room for the frame, a space and the cursor: a full line would
		// wrap, and \r would then clear only its last row.
		label: fitWidth(safetext.Line(label, 200), width-3),
	}
	sp := &spinner{tw: tw, done: make(chan struct{}), ended: make(chan struct{})}
	saved := s.ErrOut
	s.ErrOut = tw
	s.spinning = sp

	var after <-chan time.Time
	release := func() {}
	if o.Delay == 0 {
		tw.show()
	} else {
		after, release = o.After(o.Delay)
	}
	go sp.run(after, release, o)

	var once sync.Once
	return func() {
		once.Do(func() {
			close(sp.done)
			<-sp.ended
			tw.end()
			s.progressMu.Lock()
			s.ErrOut = saved
			s.spinning = nil
			s.progressMu.Unlock()
		})
	}
}

// stderrWidth is the width of the process's stderr when it is the
// terminal, else 80.
func (s *IOStreams) stderrWidth() int {
	if f, ok := s.ErrOut.(*os.File); ok {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w >= 10 {
			return w
		}
	}
	return 80
}

// fitWidth cuts s to at most n runes, ending with "…" when cut.
func fitWidth(s string, n int) string {
	if n < 1 || utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// spinner is one StartProgress: the goroutine that waits for the delay,
// then advances the frame at each tick.
type spinner struct {
	tw    *termWriter
	done  chan struct{} // closed by stop
	ended chan struct{} // closed when run returns
}

func (sp *spinner) run(after <-chan time.Time, release func(), o ProgressOptions) {
	defer close(sp.ended)
	if after != nil {
		select {
		case <-after:
			release()
			sp.tw.show()
		case <-sp.done:
			release()
			return
		}
	}
	ticks, stopTicks := o.Tick(o.Interval)
	defer stopTicks()
	for {
		select {
		case <-ticks:
			sp.tw.advance()
		case <-sp.done:
			return
		}
	}
}

// termWriter is ErrOut while a spinner runs: every write, the spinner's
// own and everyone else's, goes through its lock, so a line never lands in
// the middle of the spinner's.
type termWriter struct {
	mu      sync.Mutex
	w       io.Writer
	frames  []string // of the spinner, drawn in turn
	label   string   // after the frame
	shown   bool     // the delay is over: the spinner is to be on screen
	drawn   bool     // the spinner's line is on screen now
	frame   int
	midLine bool // the last write did not end a line (a prompt): draw nothing until one does
	ended   bool
}

// Write clears the spinner's line, writes p, and draws the spinner again
// when p ended a line.
func (t *termWriter) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.clear()
	n, err := t.w.Write(p)
	if len(p) > 0 {
		t.midLine = p[len(p)-1] != '\n'
	}
	t.draw()
	return n, err
}

func (t *termWriter) show() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.shown = true
	t.draw()
}

func (t *termWriter) advance() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.frame = (t.frame + 1) % len(t.frames)
	t.draw()
}

// end clears the line for good: writes after it (by a writer that kept
// ErrOut from while the spinner ran) pass straight through.
func (t *termWriter) end() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.clear()
	t.ended = true
}

// draw puts the spinner's line on screen; t.mu is held.
func (t *termWriter) draw() {
	if !t.shown || t.midLine || t.ended {
		return
	}
	// \r: back to the start of the line; \x1b[K: erase the rest of it,
	// what a longer frame before left there.
	_, _ = io.WriteString(t.w, "\r"+t.frames[t.frame]+" "+t.label+"\x1b[K")
	t.drawn = true
}

// clear erases the spinner's line and leaves the cursor at its start;
// t.mu is held.
func (t *termWriter) clear() {
	if !t.drawn {
		return
	}
	_, _ = io.WriteString(t.w, "\r\x1b[K")
	t.drawn = false
}

// StderrWriter returns a writer to ErrOut as it is at each write, for a
// writer kept for the whole run (the --debug trace, the retry lines): its
// lines then take turns with a spinner as those written to ErrOut do.
func (s *IOStreams) StderrWriter() io.Writer { return stderrWriter{s} }

type stderrWriter struct{ s *IOStreams }

func (w stderrWriter) Write(p []byte) (int, error) {
	w.s.progressMu.Lock()
	out := w.s.ErrOut
	w.s.progressMu.Unlock()
	return out.Write(p)
}
