package iostreams

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func TestColourFollowsTerminalAndNoColor(t *testing.T) {
	t.Parallel()
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	if !colorAllowed(getenv) {
		t.Fatal("colour should be allowed by default")
	}
	env["NO_COLOR"] = "1"
	if colorAllowed(getenv) {
		t.Fatal("NO_COLOR=1 must turn colour off")
	}
	env["NO_COLOR"] = ""
	env["TERM"] = "dumb"
	if colorAllowed(getenv) {
		t.Fatal("TERM=dumb must turn colour off")
	}
}

func TestTestStreamsAreNotTerminalsAndUndecorated(t *testing.T) {
	t.Parallel()
	s, _, _, errOut := Test()
	if s.IsStdinTTY() || s.IsStdoutTTY() || s.IsStderrTTY() || s.ColorEnabled() {
		t.Fatal("test streams must not look like terminals")
	}
	s.Warnf("careful with %s", "that")
	if got := errOut.String(); got != "warning: careful with that\n" {
		t.Fatalf("warning = %q", got)
	}
	if s.SuccessIcon() != "✓" {
		t.Fatalf("icon without colour = %q", s.SuccessIcon())
	}
}

func TestSuccessIconIsGreenOnAColourTerminal(t *testing.T) {
	t.Parallel()
	env := map[string]string{"NO_COLOR": "", "TERM": "xterm-256color"}
	s, _, _, _ := Test()
	s.SetColorEnv(func(k string) string { return env[k] })
	s.SetStderrTTY(true)
	if !strings.Contains(s.SuccessIcon(), "\x1b[32m") {
		t.Fatalf("icon on a colour terminal = %q", s.SuccessIcon())
	}
	env["NO_COLOR"] = "1"
	s.SetStderrTTY(true)
	if s.ColorEnabled() {
		t.Fatal("NO_COLOR must win over a terminal")
	}
}

func TestReadLineFromPipe(t *testing.T) {
	t.Parallel()
	s, in, _, _ := Test()
	in.WriteString("postgres://u:p@h/db\r\nsecond line\n")
	got, err := s.ReadLine(context.Background(), "ignored: ", 1024)
	if err != nil || got != "postgres://u:p@h/db" {
		t.Fatalf("ReadLine = %q, %v; want the first line without its ending", got, err)
	}
}

func TestReadLineWithoutNewlineAndLimit(t *testing.T) {
	t.Parallel()
	s, in, _, _ := Test()
	in.WriteString("abc")
	if got, err := s.ReadLine(context.Background(), "", 3); err != nil || got != "abc" {
		t.Fatalf("ReadLine = %q, %v", got, err)
	}
	s, in, _, _ = Test()
	in.WriteString("abcd\n")
	if _, err := s.ReadLine(context.Background(), "", 3); err != ErrLineTooLong {
		t.Fatalf("over the limit: err = %v, want ErrLineTooLong", err)
	}
}

func TestReadLineEndsWhenTheContextIsDone(t *testing.T) {
	t.Parallel()
	s, _, _, _ := Test()
	pr, pw := io.Pipe() // a pipe nobody writes to, as with `sleep 30 | cachelink ...`
	defer pw.Close()
	s.In = pr
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := s.ReadLine(ctx, "", 1024)
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("ReadLine = %v, want context.Canceled", err)
		}
	case <-time.After(time.Second):
		t.Fatal("ReadLine kept waiting for input after its context was cancelled")
	}
	if _, err := s.ReadLine(ctx, "", 1024); !errors.Is(err, context.Canceled) {
		t.Errorf("ReadLine with a done context = %v, want context.Canceled at once", err)
	}
}

func TestContextDefaultsToBackground(t *testing.T) {
	t.Parallel()
	s, _, _, _ := Test()
	if s.Context() == nil || s.Context().Err() != nil {
		t.Fatal("Context() without SetContext should be a live background context")
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.SetContext(ctx)
	cancel()
	if s.Context().Err() == nil {
		t.Fatal("Context() is not the context SetContext gave")
	}
}
