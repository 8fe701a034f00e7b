//go:build unix

package app_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
)

// These tests run the real binary: signals, stdin pipes and the system
// keychain are the process's, not something an in-process run can show.

// buildCachelink builds cmd/cachelink into a temporary directory.
func buildCachelink(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds cachelink")
	}
	bin := filepath.Join(t.TempDir(), "cachelink")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/cachelink/cachelink/cmd/cachelink").CombinedOutput()
	if err != nil {
		t.Fatalf("building cachelink: %v\n%s", err, out)
	}
	return bin
}

// isolatedEnv is an environment with nothing of the developer's: its own
// config directory, no credentials, the file token store.
func isolatedEnv(t *testing.T, extra ...string) []string {
	t.Helper()
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "CACHELINK_CONFIG_DIR=" + t.TempDir(), "NO_COLOR=1"}
	return append(env, extra...)
}

func exitCode(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			t.Fatalf("killed by %v instead of exiting", ws.Signal())
		}
		return ee.ExitCode()
	}
	t.Fatal(err)
	return -1
}

func TestProcess(t *testing.T) {
	t.Parallel()
	bin := buildCachelink(t)

	// `sleep 30 | cachelink connstr polyscale ID --origin -` in a CI job
	// that is cancelled: SIGTERM (or Ctrl-C) must end the read of the
	// pipe at once, exit 130.
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run("origin from a silent pipe, "+sig.String(), func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(bin, "connstr", "polyscale", cacheID, "--origin", "-")
			cmd.Env = isolatedEnv(t, "POLYSCALE_API_KEY=ci-key")
			stdin, err := cmd.StdinPipe() // never written to, never closed until the end
			if err != nil {
				t.Fatal(err)
			}
			defer stdin.Close()
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			waited := make(chan error, 1)
			go func() { waited <- cmd.Wait() }()
			time.Sleep(500 * time.Millisecond) // started, and reading stdin
			select {
			case err := <-waited:
				t.Fatalf("cachelink ended before the signal: %v\n%s", err, stderr.String())
			default:
			}
			sent := time.Now()
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-waited:
				if d := time.Since(sent); d > time.Second {
					t.Errorf("exited %s after %v, want within 1 s", d, sig)
				}
				if code := exitCode(t, err); code != 130 {
					t.Errorf("exit %d, want 130; stderr:\n%s", code, stderr.String())
				}
				if stdout.Len() != 0 {
					t.Errorf("stdout = %q, want nothing", stdout.String())
				}
				if !strings.Contains(stderr.String(), "Interrupted") {
					t.Errorf("stderr = %q, want it to say Interrupted", stderr.String())
				}
			case <-time.After(5 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("cachelink still reads stdin 5 s after %v", sig)
			}
		})
	}

	// A FIFO as config.yaml is refused at once rather than read until
	// someone writes to it.
	t.Run("a FIFO as config file", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		fifo := filepath.Join(dir, "config.yaml")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Skip(err)
		}
		cmd := exec.Command(bin, "list", "polyscale")
		cmd.Env = append(isolatedEnv(t, "POLYSCALE_API_KEY=ci-key"), "CACHELINK_CONFIG_DIR="+dir)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		done := make(chan error, 1)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if code := exitCode(t, err); code != 1 || !strings.Contains(stderr.String(), fifo) || !strings.Contains(stderr.String(), "not a regular file") {
				t.Errorf("exit %d, stderr %q; want 1 naming %s as not a regular file", code, stderr.String(), fifo)
			}
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			t.Fatal("cachelink blocked on a FIFO config file")
		}
	})

	// A keychain that cannot be reached (a stale D-Bus address, as tmux
	// and SSH sessions keep) is the keychain's problem, exit 1 with the
	// way out, not "check the network" (exit 5).
	t.Run("a stale D-Bus address", func(t *testing.T) {
		t.Parallel()
		if runtime.GOOS != "linux" {
			t.Skip("the Secret Service over D-Bus is Linux's keychain")
		}
		for _, args := range [][]string{{"list", "polyscale"}, {"token", "upstash"}, {"status", "polyscale"}} {
			cmd := exec.Command(bin, args...)
			cmd.Env = isolatedEnv(t, "DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent", "CACHELINK_TOKEN_STORE=keyring")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			code := exitCode(t, cmd.Run())
			if code != 1 || !strings.Contains(stderr.String(), "keychain") || !strings.Contains(stderr.String(), "CACHELINK_TOKEN_STORE=file") {
				t.Errorf("%v: exit %d, want 1 naming the keychain and CACHELINK_TOKEN_STORE=file; stderr:\n%s", args, code, stderr.String())
			}
			if strings.Contains(stderr.String(), "network") {
				t.Errorf("%v: stderr sends the user to the network:\n%s", args, stderr.String())
			}
		}
	})
}

// On a terminal, cachelink does not ask it for its background colour at
// start-up (Bubble Tea's init did, through Lip Gloss): no OSC 11 query on
// stdout, and no wait for an answer a silent terminal never gives.
func TestNoTerminalQueryAtStartUp(t *testing.T) {
	t.Parallel()
	bin := buildCachelink(t)
	master, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	defer master.Close()
	cmd := exec.Command(bin, "version")
	cmd.Env = isolatedEnv(t, "TERM=xterm-256color")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	// Its controlling terminal, with cachelink in the foreground, as in a shell.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	var out bytes.Buffer
	done := make(chan struct{})
	go func() { _, _ = out.ReadFrom(master); close(done) }()
	err = cmd.Wait()
	took := time.Since(start)
	<-done
	if code := exitCode(t, err); code != 0 {
		t.Fatalf("exit %d:\n%q", code, out.String())
	}
	if strings.Contains(out.String(), "\x1b]11;") || strings.Contains(out.String(), "\x1b[6n") {
		t.Errorf("the terminal was queried:\n%q", out.String())
	}
	if took > 3*time.Second {
		t.Errorf("version took %v on a terminal that does not answer queries", took)
	}
}
