package iostreams

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a ProgressOptions whose delay and ticks the test sends itself:
// nothing depends on how fast the machine is.
type clock struct {
	after chan time.Time
	tick  chan time.Time
}

func newClock() *clock { return &clock{after: make(chan time.Time), tick: make(chan time.Time)} }

func (c *clock) options(delay time.Duration) ProgressOptions {
	return ProgressOptions{
		Delay: delay,
		After: func(time.Duration) (<-chan time.Time, func()) { return c.after, func() {} },
		Tick:  func(time.Duration) (<-chan time.Time, func()) { return c.tick, func() {} },
		Width: func() int { return 80 },
	}
}

// terminal returns test streams whose stderr is a terminal, with env as
// the environment (NO_COLOR, TERM) and the clock's progress options.
func terminal(env map[string]string, o ProgressOptions) (*IOStreams, *bytes.Buffer) {
	s, _, _, errOut := Test()
	s.SetColorEnv(func(k string) string { return env[k] })
	s.SetStderrTTY(true)
	s.SetProgressOptions(o)
	return s, errOut
}

const (
	clearLine = "\r\x1b[K"
	label     = "Creating Upstash database shop…"
)

func frame(f string) string { return "\r" + f + " " + label + "\x1b[K" }

func TestProgressDrawsAdvancesAndClears(t *testing.T) {
	t.Parallel()
	c := newClock()
	s, errOut := terminal(map[string]string{"TERM": "xterm"}, c.options(0))
	stop := s.StartProgress(label)
	if got, want := errOut.String(), frame("⠋"); got != want {
		t.Fatalf("with no delay the first frame is drawn at once: %q, want %q", got, want)
	}
	c.tick <- time.Time{}
	c.tick <- time.Time{}
	stop()
	stop() // twice is fine
	want := frame("⠋") + frame("⠙") + frame("⠹") + clearLine
	if got := errOut.String(); got != want {
		t.Fatalf("stderr = %q\nwant     %q", got, want)
	}
	if s.ErrOut != errOut {
		t.Fatal("stop must give ErrOut back")
	}
	// After stop, stderr is left alone.
	fmt.Fprintln(s.ErrOut, "done")
	if got := errOut.String(); got != want+"done\n" {
		t.Fatalf("after stop: %q", got)
	}
}

func TestProgressShowsOnlyAfterTheDelay(t *testing.T) {
	t.Parallel()
	c := newClock()
	s, errOut := terminal(map[string]string{}, c.options(time.Hour))
	stop := s.StartProgress(label)
	// The wait ends before the delay: nothing was drawn, nothing to clear.
	stop()
	if got := errOut.String(); got != "" {
		t.Fatalf("a wait shorter than the delay drew %q", got)
	}

	stop = s.StartProgress(label)
	c.after <- time.Time{} // the delay is over
	c.tick <- time.Time{}  // the frame after it is drawn only once the first is
	stop()
	if got, want := errOut.String(), frame("⠋")+frame("⠙")+clearLine; got != want {
		t.Fatalf("stderr = %q\nwant     %q", got, want)
	}
}

func TestProgressNothingWithoutATerminal(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		tty  bool
		env  map[string]string
		opts func(*IOStreams)
	}{
		{name: "pipe", tty: false},
		{name: "dumb terminal", tty: true, env: map[string]string{"TERM": "dumb"}},
		{name: "disabled (completion)", tty: true, opts: (*IOStreams).DisableProgress},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newClock()
			s, errOut := terminal(tt.env, c.options(0))
			s.SetStderrTTY(tt.tty)
			if tt.opts != nil {
				tt.opts(s)
			}
			stop := s.StartProgress(label)
			if s.ErrOut != errOut {
				t.Fatal("ErrOut must stay as it is")
			}
			fmt.Fprintln(s.ErrOut, "warning: x")
			stop()
			if got := errOut.String(); got != "warning: x\n" {
				t.Fatalf("stderr = %q", got)
			}
		})
	}
}

func TestProgressTestStreamsNeverSpin(t *testing.T) {
	t.Parallel()
	s, _, _, errOut := Test()
	s.SetStderrTTY(true)
	s.StartProgress(label)()
	if errOut.Len() != 0 {
		t.Fatalf("Test streams drew a spinner: %q", errOut.String())
	}
}

func TestProgressNoColorIsPlainASCII(t *testing.T) {
	t.Parallel()
	c := newClock()
	s, errOut := terminal(map[string]string{"NO_COLOR": "1"}, c.options(0))
	stop := s.StartProgress(label)
	c.tick <- time.Time{}
	stop()
	if got, want := errOut.String(), frame("|")+frame("/")+clearLine; got != want {
		t.Fatalf("stderr = %q\nwant     %q", got, want)
	}
	if strings.Contains(errOut.String(), "\x1b[3") {
		t.Fatal("the spinner must never carry colour")
	}
}

// A warning written while the spinner runs clears it, is written whole on
// its own line, and the spinner comes back below it.
func TestProgressTakesTurnsWithOtherWrites(t *testing.T) {
	t.Parallel()
	c := newClock()
	s, errOut := terminal(map[string]string{}, c.options(0))
	stop := s.StartProgress(label)
	s.Warnf("something to know")
	stop()
	want := frame("⠋") + clearLine + s.WarningPrefix() + " something to know\n" + frame("⠋") + clearLine
	if got := errOut.String(); got != want {
		t.Fatalf("stderr = %q\nwant     %q", got, want)
	}
}

// After a write that does not end its line (a prompt), the spinner waits
// for the line to end instead of drawing over it.
func TestProgressWaitsForAnOpenLine(t *testing.T) {
	t.Parallel()
	c := newClock()
	s, errOut := terminal(map[string]string{}, c.options(0))
	stop := s.StartProgress(label)
	fmt.Fprint(s.ErrOut, "Paste here: ")
	c.tick <- time.Time{}
	fmt.Fprint(s.ErrOut, "\n")
	stop()
	want := frame("⠋") + clearLine + "Paste here: " + "\n" + frame("⠙") + clearLine
	if got := errOut.String(); got != want {
		t.Fatalf("stderr = %q\nwant     %q", got, want)
	}
}

func TestProgressOneAtATime(t *testing.T) {
	t.Parallel()
	c := newClock()
	s, errOut := terminal(map[string]string{}, c.options(0))
	stop := s.StartProgress(label)
	inner := s.StartProgress("Waiting for Upstash…")
	inner()
	stop()
	if got, want := errOut.String(), frame("⠋")+clearLine; got != want {
		t.Fatalf("stderr = %q\nwant     %q", got, want)
	}
	// Once stopped, another may start.
	s.StartProgress(label)()
	if got, want := errOut.String(), frame("⠋")+clearLine+frame("⠋")+clearLine; got != want {
		t.Fatalf("stderr = %q\nwant     %q", got, want)
	}
}

func TestProgressCutsALongLabelToTheLine(t *testing.T) {
	t.Parallel()
	c := newClock()
	o := c.options(0)
	o.Width = func() int { return 20 }
	s, errOut := terminal(map[string]string{}, o)
	s.StartProgress("Creating Upstash database a-rather-long-name\x1b[31m…")()
	want := "\r⠋ Creating Upstash…\x1b[K" + clearLine // 17 columns: the frame, a space and the cursor take 3
	if got := errOut.String(); got != want {
		t.Fatalf("stderr = %q\nwant     %q", got, want)
	}
}

// Lines written from several goroutines while the spinner turns arrive
// whole, never cut by a frame (run with -race).
func TestProgressConcurrentWrites(t *testing.T) {
	t.Parallel()
	c := newClock()
	s, errOut := terminal(map[string]string{}, c.options(0))
	stop := s.StartProgress(label)
	w := s.ErrOut // what a writer that runs meanwhile holds
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				fmt.Fprintf(w, "goroutine %d line %d\n", g, i)
			}
		}()
	}
	for range 20 {
		c.tick <- time.Time{}
	}
	wg.Wait()
	stop()
	out := errOut.String()
	if !strings.HasSuffix(out, clearLine) {
		t.Fatalf("the spinner's line was left on screen: %q", out[max(0, len(out)-80):])
	}
	lines := 0
	for _, line := range strings.Split(out, "\n") {
		// What is left of a line once the spinner's frames and clears
		// before it are removed must be one of the lines written.
		if i := strings.LastIndex(line, clearLine); i >= 0 {
			line = line[i+len(clearLine):]
		}
		if line == "" {
			continue
		}
		var g, i int
		if n, err := fmt.Sscanf(line, "goroutine %d line %d", &g, &i); n != 2 || err != nil {
			t.Fatalf("a line was cut: %q", line)
		}
		lines++
	}
	if lines != 200 {
		t.Fatalf("%d lines arrived, want 200", lines)
	}
}

func BenchmarkProgressWrite(b *testing.B) {
	c := newClock()
	s, errOut := terminal(map[string]string{}, c.options(0))
	stop := s.StartProgress(label)
	defer stop()
	line := []byte("warning: a line written while the spinner turns\n")
	b.ReportAllocs()
	for b.Loop() {
		errOut.Reset()
		_, _ = s.ErrOut.Write(line)
	}
}
