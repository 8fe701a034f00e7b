package iostreams

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// openPTY returns the two ends of a new pseudo-terminal: what a terminal
// emulator holds, and the terminal a program reads.
func openPTY(t *testing.T) (master, tty *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	var unlock int32
	if err := ioctl(master.Fd(), syscall.TIOCSPTLCK, unsafe.Pointer(&unlock)); err != nil {
		t.Skipf("unlockpt: %v", err)
	}
	var n uint32
	if err := ioctl(master.Fd(), syscall.TIOCGPTN, unsafe.Pointer(&n)); err != nil {
		t.Skipf("ptsname: %v", err)
	}
	tty, err = os.OpenFile("/dev/pts/"+strconv.Itoa(int(n)), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("opening the terminal: %v", err)
	}
	t.Cleanup(func() { tty.Close() })
	return master, tty
}

func ioctl(fd uintptr, req uint, arg unsafe.Pointer) error {
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, uintptr(req), uintptr(arg)); errno != 0 {
		return errno
	}
	return nil
}

// echoOn reports whether the terminal fd echoes what is typed.
func echoOn(t *testing.T, fd int) bool {
	t.Helper()
	var tio syscall.Termios
	if err := ioctl(uintptr(fd), syscall.TCGETS, unsafe.Pointer(&tio)); err != nil {
		t.Fatalf("TCGETS: %v", err)
	}
	return tio.Lflag&syscall.ECHO != 0
}

// A Ctrl-C at the hidden prompt ends the read at once and gives the user
// back a terminal that echoes.
func TestHiddenPromptEndsWithTheContextAndRestoresEcho(t *testing.T) {
	t.Parallel()
	_, tty := openPTY(t)
	fd := int(tty.Fd())
	if !echoOn(t, fd) {
		t.Skip("a new terminal without echo")
	}
	var errOut bytes.Buffer
	s := &IOStreams{In: tty, Out: &bytes.Buffer{}, ErrOut: &errOut, inFd: fd, stdinTTY: true}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := s.ReadLine(ctx, "Secret: ", 1024)
		done <- err
	}()
	// Wait until the prompt has turned echo off.
	deadline := time.Now().Add(5 * time.Second)
	for echoOn(t, fd) {
		if time.Now().After(deadline) {
			t.Fatal("the hidden prompt never turned echo off")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("ReadLine = %v, want context.Canceled", err)
		}
	case <-time.After(time.Second):
		t.Fatal("the hidden prompt kept waiting after its context was cancelled")
	}
	if !echoOn(t, fd) {
		t.Error("the terminal's echo was left off")
	}
	if errOut.String() != "Secret: \n" {
		t.Errorf("stderr = %q, want the prompt and a line break", errOut.String())
	}
}

func TestHiddenPromptReadsALine(t *testing.T) {
	t.Parallel()
	master, tty := openPTY(t)
	fd := int(tty.Fd())
	s := &IOStreams{In: tty, Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}, inFd: fd, stdinTTY: true}
	go func() {
		// Type once the prompt has turned echo off (or after 2 s: what is
		// typed waits in the terminal either way).
		deadline := time.Now().Add(2 * time.Second)
		for echoOn(t, fd) && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		master.Write([]byte("s3cret\n"))
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	got, err := s.ReadLine(ctx, "Secret: ", 1024)
	if err != nil || got != "s3cret" {
		t.Fatalf("ReadLine = %q, %v", got, err)
	}
	if !echoOn(t, fd) {
		t.Error("echo is off after the line was read")
	}
}
