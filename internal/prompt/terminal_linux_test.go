package prompt_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/cmdtest"
	"github.com/cachelink/cachelink/internal/prompt"
)

type answer struct {
	v   string
	err error
}

func ask(fn func() (string, error)) <-chan answer {
	done := make(chan answer, 1)
	go func() {
		v, err := fn()
		done <- answer{v, err}
	}()
	return done
}

func TestSelectPicksWithTheArrowKeys(t *testing.T) {
	t.Parallel()
	term := cmdtest.NewTerminal(t)
	p := &prompt.Terminal{In: term.TTY, Out: term.TTY}
	done := ask(func() (string, error) {
		return p.Select(context.Background(), prompt.Question{Title: "Pick one"},
			[]prompt.Option{{Label: "first (1)", Value: "a"}, {Label: "second (2)", Value: "b"}, {Label: "third (3)", Value: "c"}})
	})
	term.WaitFor("third (3)")
	term.Type("\x1b[B")
	term.Type("\x1b[B")
	term.Type("\x1b[A")
	term.Type("\r")
	if a := <-done; a.err != nil || a.v != "b" {
		t.Fatalf("Select = %q, %v; want b", a.v, a.err)
	}
	if !term.Cooked() {
		t.Error("the terminal was left in raw mode")
	}
}

func TestInputValidatesAndCtrlCIsInterrupted(t *testing.T) {
	t.Parallel()
	term := cmdtest.NewTerminal(t)
	p := &prompt.Terminal{In: term.TTY, Out: term.TTY}
	done := ask(func() (string, error) {
		return p.Input(context.Background(), prompt.Question{Title: "Name", Validate: func(s string) error {
			if s == "" {
				return errors.New("a name is needed")
			}
			return nil
		}})
	})
	term.WaitFor("Name")
	term.Type("\r")
	term.WaitFor("a name is needed")
	term.Type("\x03")
	a := <-done
	if !errors.Is(a.err, prompt.ErrAborted) || clierr.KindOf(a.err) != clierr.Interrupted {
		t.Fatalf("Input = %q, %v; want ErrAborted of kind Interrupted", a.v, a.err)
	}
	if !term.Cooked() {
		t.Error("the terminal was left in raw mode")
	}
}

func TestSecretIsNotEchoed(t *testing.T) {
	t.Parallel()
	term := cmdtest.NewTerminal(t)
	p := &prompt.Terminal{In: term.TTY, Out: term.TTY}
	done := ask(func() (string, error) { return p.Secret(context.Background(), prompt.Question{Title: "Secret"}) })
	term.WaitFor("Secret")
	term.Type("hunter2\r")
	if a := <-done; a.err != nil || a.v != "hunter2" {
		t.Fatalf("Secret = %q, %v", a.v, a.err)
	}
	if strings.Contains(term.Output(), "hunter2") {
		t.Errorf("the secret was echoed:\n%s", term.Text())
	}
}

// The accessible mode asks with plain lines; the end of the context ends
// it at once (a read in cooked mode cannot be cancelled) and restores the
// terminal a hidden read had changed.
func TestAccessibleModeReadsLinesAndEndsWithTheContext(t *testing.T) {
	t.Parallel()
	term := cmdtest.NewTerminal(t)
	p := &prompt.Terminal{In: term.TTY, Out: term.TTY, Accessible: true}
	done := ask(func() (string, error) {
		return p.Select(context.Background(), prompt.Question{Title: "Region"}, []prompt.Option{{Label: "x", Value: "x"}, {Label: "y", Value: "y"}})
	})
	term.WaitFor("2. y")
	term.Type("2\n")
	if a := <-done; a.err != nil || a.v != "y" {
		t.Fatalf("Select = %q, %v", a.v, a.err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done = ask(func() (string, error) { return p.Secret(ctx, prompt.Question{Title: "Password"}) })
	term.WaitFor("Password")
	// Cancel once the hidden read has turned echo off (what is restored
	// is then visible), or after 5 s.
	for deadline := time.Now().Add(5 * time.Second); term.Cooked() && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if a := <-done; !errors.Is(a.err, context.Canceled) {
		t.Fatalf("Secret = %q, %v; want context.Canceled", a.v, a.err)
	}
	if !term.Cooked() {
		t.Error("echo was left off")
	}
}

func TestAHiddenPromptNeedsATerminal(t *testing.T) {
	t.Parallel()
	p := &prompt.Terminal{In: strings.NewReader("secret\n"), Out: &strings.Builder{}}
	if _, err := p.Secret(context.Background(), prompt.Question{Title: "Secret"}); err == nil {
		t.Fatal("a secret was read from a pipe as if typed hidden")
	}
}

// A terminal that reports no size would get a form of no lines: it is
// asked in plain lines instead.
func TestATerminalOfNoSizeIsAskedInPlainLines(t *testing.T) {
	t.Parallel()
	master, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { master.Close() }) // tty stays open: see cmdtest.NewTerminal
	p := &prompt.Terminal{In: tty, Out: tty}
	done := ask(func() (string, error) { return p.Input(context.Background(), prompt.Question{Title: "Name"}) })
	buf := make([]byte, 256)
	var seen string
	for !strings.Contains(seen, "Name") {
		n, err := master.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		seen += string(buf[:n])
	}
	if strings.Contains(seen, "enter submit") {
		t.Errorf("a form was drawn on a terminal of no size: %q", seen)
	}
	if _, err := master.Write([]byte("shop\n")); err != nil {
		t.Fatal(err)
	}
	if a := <-done; a.err != nil || a.v != "shop" {
		t.Fatalf("Input = %q, %v", a.v, a.err)
	}
}
