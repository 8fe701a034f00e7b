package cmdtest

import (
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// Terminal is a pseudo-terminal for runs that prompt: TTY is the
// program's end (RunOptions.Terminal: its stdin and stderr), and the test
// holds the other, where it types and reads what was drawn, as a person
// at a terminal emulator would.
type Terminal struct {
	TTY *os.File

	t      testing.TB
	master *os.File
	mu     sync.Mutex
	cond   *sync.Cond
	out    []byte // everything drawn, escape sequences included
	closed bool
	seen   int // WaitFor's position in Text
}

// NewTerminal opens a pseudo-terminal of 40 rows and 120 columns; the
// test's end is closed when the test ends. It skips the test where there
// are none.
func NewTerminal(t testing.TB) *Terminal {
	t.Helper()
	master, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	if err := pty.Setsize(master, &pty.Winsize{Rows: 40, Cols: 120}); err != nil {
		t.Fatalf("sizing the terminal: %v", err)
	}
	term := &Terminal{TTY: tty, t: t, master: master}
	term.cond = sync.NewCond(&term.mu)
	go term.read()
	// The program's end is never closed: Bubble Tea's input reader can
	// outlive its prompt by a moment (it is not waited for when the run's
	// context ends), and closing the file under it is a data race. Held
	// here, no finalizer closes it either. Closing the test's end makes
	// that reader's next read fail, so it ends.
	keepMu.Lock()
	kept = append(kept, tty)
	keepMu.Unlock()
	t.Cleanup(func() { master.Close() })
	return term
}

var (
	keepMu sync.Mutex
	kept   []*os.File // the programs' ends of every Terminal, open until the test binary exits
)

func (term *Terminal) read() {
	buf := make([]byte, 4096)
	for {
		n, err := term.master.Read(buf)
		term.mu.Lock()
		term.out = append(term.out, buf[:n]...)
		if err != nil {
			term.closed = true
		}
		term.cond.Broadcast()
		term.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// Type sends keys as a person types them: "\r" is Enter, "\x1b[B" the
// down arrow, "\x03" Ctrl-C.
func (term *Terminal) Type(keys string) {
	term.t.Helper()
	if _, err := term.master.Write([]byte(keys)); err != nil {
		term.t.Fatalf("typing %q: %v", keys, err)
	}
}

// Output is everything drawn so far, escape sequences included.
func (term *Terminal) Output() string {
	term.mu.Lock()
	defer term.mu.Unlock()
	return string(term.out)
}

// escapes are the terminal control sequences a prompt draws with.
var escapes = regexp.MustCompile(`\x1b\[[0-9;?<=>]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[78=>]|\r`)

// Text is Output without its escape sequences and carriage returns.
func (term *Terminal) Text() string { return escapes.ReplaceAllString(term.Output(), "") }

// WaitFor waits until s appears in Text after what earlier WaitFor calls
// matched, and fails the test after 20 s (a prompt that never comes).
func (term *Terminal) WaitFor(s string) {
	term.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	wake := time.AfterFunc(20*time.Second, func() {
		term.mu.Lock()
		term.cond.Broadcast()
		term.mu.Unlock()
	})
	defer wake.Stop()
	term.mu.Lock()
	defer term.mu.Unlock()
	for {
		text := escapes.ReplaceAllString(string(term.out), "")
		if i := strings.Index(text[min(term.seen, len(text)):], s); i >= 0 {
			term.seen += i + len(s)
			return
		}
		if term.closed || time.Now().After(deadline) {
			term.t.Fatalf("%q never appeared on the terminal; it shows:\n%s", s, text)
		}
		term.cond.Wait()
	}
}

// Cooked reports whether the terminal is back in its normal mode: echo
// and line editing on, as a prompt must leave it however it ends.
func (term *Terminal) Cooked() bool {
	term.t.Helper()
	tio, err := unix.IoctlGetTermios(int(term.TTY.Fd()), unix.TCGETS)
	if err != nil {
		term.t.Fatalf("reading the terminal's mode: %v", err)
	}
	return tio.Lflag&unix.ECHO != 0 && tio.Lflag&unix.ICANON != 0
}
