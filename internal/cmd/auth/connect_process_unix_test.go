//go:build unix

package auth_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cachelink/cachelink/internal/app"
	"github.com/cachelink/cachelink/internal/cmdtest"
	"github.com/cachelink/cachelink/internal/iostreams"
)

// connectHelperArgs carries, as JSON, the arguments TestConnectProcessHelper
// runs cachelink with in a child process.
const connectHelperArgs = "CACHELINK_AUTH_TEST_ARGS"

// TestConnectProcessHelper is cachelink in a child process: this test
// binary started by a test with connectHelperArgs set, with the process's
// real stdin, stdout, stderr and signals, as `cachelink ARGS...` would run.
func TestConnectProcessHelper(t *testing.T) {
	raw := os.Getenv(connectHelperArgs)
	if raw == "" {
		t.Skip("a helper: runs cachelink when a test starts this binary")
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		os.Exit(99)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := app.Run(ctx, iostreams.System(), args)
	stop()
	os.Exit(code)
}

// Item 2 with real processes: a wrapper starts `cachelink connect polyscale
// --no-browser` with a FIFO as stdin (no terminal), reads the URL from its
// stderr and opens it itself; the login completes and is stored.
func TestConnectNoBrowserWithAFIFOAsStdinInAChildProcess(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts a process")
	}
	e := cmdtest.New(t, cmdtest.Options{})
	e.Setenv("CACHELINK_TOKEN_STORE", "file") // the child has no fake keychain, and must not use the real one
	e.ReleasePort()                           // the child binds the callback port itself

	fifo := filepath.Join(t.TempDir(), "stdin")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFO here: %v", err)
	}
	// Both ends open, nothing written: a read in the child would block, as
	// with a wrapper that keeps stdin open and never types.
	stdin, err := os.OpenFile(fifo, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()

	args, _ := json.Marshal([]string{"connect", "polyscale", "--no-browser", "--timeout", "60s"})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestConnectProcessHelper$", "-test.count=1")
	cmd.Env = append(e.Environ(), connectHelperArgs+"="+string(args))
	cmd.Stdin = stdin
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	stderrPipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}

	// The wrapper: read stderr line by line, open the first URL.
	var stderr strings.Builder
	pages := make(chan page, 1)
	opened := false
	sc := bufio.NewScanner(stderrPipe)
	for sc.Scan() {
		line := sc.Text()
		stderr.WriteString(line + "\n")
		if m := printedURL.FindStringSubmatch(line); m != nil && !opened {
			opened = true
			go func() { pages <- openURL(m[1]) }()
		}
	}
	err = cmd.Wait()
	if err != nil {
		t.Fatalf("cachelink connect: %v\nstderr:\n%s", err, stderr.String())
	}
	if !opened {
		t.Fatalf("no URL on stderr:\n%s", stderr.String())
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout = %q, want nothing", stdout.String())
	}
	for _, want := range []string{"Waiting up to 1m0s for the browser", "✓ Connected to PolyScale"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
	p := nextPage(t, pages)
	checkLoginPage(t, p)
	if !strings.Contains(p.body, "Your PolyScale account is connected.") {
		t.Errorf("page:\n%s", p.body)
	}
	if n := e.Sandbox.Counters.CodeExchanges.Load(); n != 1 {
		t.Errorf("code exchanges = %d, want 1", n)
	}
	// The child stored the login in the file; this process uses it.
	if r := e.Run("token", "polyscale"); r.Code != 0 || strings.TrimSpace(r.Stdout) == "" {
		t.Errorf("token after the child's login: exit %d\n%s", r.Code, r.Stderr)
	}
}

// Item 6 with real processes: while a `cachelink connect polyscale` in
// another process waits for its browser, a second one of the same profile
// fails at once saying so (exit 1), before any authorize request; the
// first then completes.
func TestConnectInAnotherProcessHoldsTheLoginLock(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts a process")
	}
	e := cmdtest.New(t, cmdtest.Options{})
	e.Setenv("CACHELINK_TOKEN_STORE", "file")
	e.ReleasePort()

	args, _ := json.Marshal([]string{"connect", "polyscale", "--no-browser", "--timeout", "60s"})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestConnectProcessHelper$", "-test.count=1")
	cmd.Env = append(e.Environ(), connectHelperArgs+"="+string(args))
	stderrPipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	urls := make(chan string, 1)
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(stderrPipe)
		for sc.Scan() {
			stderr.WriteString(sc.Text() + "\n")
			if m := printedURL.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
	}()
	var authURL string
	select {
	case authURL = <-urls:
	case <-time.After(30 * time.Second):
		t.Fatal("the child printed no URL")
	}

	// The child holds the login lock and waits for its browser.
	authorize := e.CountRequests(t, "GET", "/oauth2/auth")
	second := []string{"connect", "polyscale", "--no-browser"}
	r := cmdtest.CheckExit(t, e.Run(second...), 1, second)
	if !strings.Contains(r.Stderr, "another 'cachelink connect polyscale' is in progress") {
		t.Errorf("stderr:\n%s", r.Stderr)
	}
	if n := authorize(); n != 0 {
		t.Errorf("authorize requests during the refused connect = %d, want 0", n)
	}

	p := openURL(authURL)
	<-scanned
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the first connect: %v\nstderr:\n%s", err, stderr.String())
	}
	if p.err != nil || !strings.Contains(p.body, "Your PolyScale account is connected.") {
		t.Errorf("page (%v):\n%s", p.err, p.body)
	}
	if c := e.Sandbox.Counters.Snapshot(); c.Authorizations != 1 || c.CodeExchanges != 1 {
		t.Errorf("authorizations %d, code exchanges %d; want 1 and 1", c.Authorizations, c.CodeExchanges)
	}
}
