// Package cmdtest runs cachelink commands in-process against the sandbox,
// for the tests of every command package: one call gives a sandbox on
// loopback whose OAuth clients redirect to a port the Env holds (so no
// other test binary can take it before connect listens), the environment
// that points cachelink at it, an in-memory keychain, and a browser that
// follows redirects like a person clicking Approve. Only tests import it.
package cmdtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/cachelink/cachelink/internal/app"
	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/httpx"
	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/sandbox"
)

// Env is one sandbox and the cachelink environment around it.
type Env struct {
	T         testing.TB
	Sandbox   *sandbox.Sandbox
	Server    *httptest.Server
	Port      string // the loopback port the OAuth clients redirect to (held: see ReleasePort)
	ConfigDir string
	Keyring   *Keyring // nil with Options.SystemKeyring

	// Browser opens URLs for connect; the default follows redirects with
	// an HTTP client. BrowserOpened counts the calls.
	Browser       func(url string) error
	BrowserOpened atomic.Int32
	// BrowserUsable is what the factory reports (default true).
	BrowserUsable bool
	// Retry is the API retry policy; the default waits at most 50 ms, so
	// retry tests run fast (Retry-After is still honoured).
	Retry httpx.Retry

	held *heldPort // Port, bound on 127.0.0.1 and [::1] until the test ends

	envMu sync.RWMutex
	env   map[string]string // the environment cachelink sees: see Getenv
}

// Options adjust New.
type Options struct {
	Sandbox sandbox.Options // Clients are replaced by ones redirecting to Port
	// Consent keeps the sandbox's consent page (a real browser clicks
	// Approve); by default the sandbox approves at once.
	Consent bool
	// SystemKeyring uses the real keychain through go-keyring instead of
	// the in-memory fake (the keychain-tagged tests, under dbus-run-session).
	SystemKeyring bool
}

// New starts a sandbox with auto-approve and gives the Env its own
// environment (see Getenv): the process's is left alone, so tests using
// an Env can run in parallel.
func New(t testing.TB, opts Options) *Env {
	t.Helper()
	e := &Env{T: t, ConfigDir: t.TempDir(), Keyring: NewKeyring(), BrowserUsable: true,
		Retry: httpx.Retry{BaseDelay: 10 * time.Millisecond, MaxDelay: 50 * time.Millisecond},
		env:   map[string]string{}}
	e.Port, e.held = holdPort(t)
	so := opts.Sandbox
	so.AutoApprove = !opts.Consent
	so.Clients = sandbox.DefaultClients()
	for i := range so.Clients {
		for j, uri := range so.Clients[i].RedirectURIs {
			so.Clients[i].RedirectURIs[j] = onPort(uri, e.Port)
		}
	}
	sb, err := sandbox.New(so)
	if err != nil {
		t.Fatal(err)
	}
	e.Sandbox = sb
	e.Server = httptest.NewServer(sb.Handler())
	t.Cleanup(e.Server.Close)

	for _, k := range []string{"POLYSCALE_API_KEY", "UPSTASH_EMAIL", "UPSTASH_API_KEY", "CACHELINK_TOKEN_STORE",
		"CACHELINK_PROFILE", "CACHELINK_NO_INPUT", "CACHELINK_DEBUG", "BROWSER", "SSH_CONNECTION", "SSH_TTY",
		"CACHELINK_POLYSCALE_EDGE_HOST", "DATABASE_URL"} {
		e.Setenv(k, "")
	}
	// The sandbox's environment; with Sandbox.PolyScaleAPIKey set it
	// includes POLYSCALE_API_KEY (CI mode).
	for _, v := range sb.Env(e.Server.URL, "") {
		e.Setenv(v.Name, v.Value)
	}
	e.Setenv("CACHELINK_CONFIG_DIR", e.ConfigDir)
	e.Browser = e.Follow
	if opts.SystemKeyring {
		e.Keyring = nil
	}
	return e
}

// Setenv sets the variable k to v in e's environment, the one cachelink
// sees in e's runs, for the rest of the test; v "" unsets k. The process's
// environment does not change. Safe for concurrent use.
func (e *Env) Setenv(k, v string) {
	e.envMu.Lock()
	defer e.envMu.Unlock()
	e.env[k] = v
}

// Getenv reads e's environment, what the factory's Getenv is in e's runs:
// the variables New set or cleared (the sandbox's, CACHELINK_CONFIG_DIR,
// the credentials and settings a developer's shell may hold) and those
// the test set with Setenv; a variable e holds as "" is unset, whatever
// the process has. Any other variable (PATH, HOME) is the process's.
// Safe for concurrent use.
func (e *Env) Getenv(k string) string {
	e.envMu.RLock()
	v, ok := e.env[k]
	e.envMu.RUnlock()
	if ok {
		return v
	}
	return os.Getenv(k)
}

// Environ is e's environment as KEY=VALUE pairs for a child process: the
// process's environment with e's variables set and those e holds as ""
// left out.
func (e *Env) Environ() []string {
	e.envMu.RLock()
	defer e.envMu.RUnlock()
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if _, ok := e.env[k]; !ok {
			env = append(env, kv)
		}
	}
	for k, v := range e.env {
		if v != "" {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// onPort is a redirect URI moved to port: the path stays what the
// provider registers (PolyScale's /callback, Upstash's bare origin).
func onPort(uri, port string) string {
	u, err := url.Parse(uri)
	if err != nil {
		panic(err) // the sandbox's own defaults
	}
	u.Host = net.JoinHostPort(u.Hostname(), port)
	return u.String()
}

// ReleasePort closes the listeners the Env holds on Port, for a test that
// needs the port really free: to take it as another program would, or for
// doctor to probe it. From then on connect binds the port itself, and
// another test binary may take it first.
func (e *Env) ReleasePort() { e.held.release() }

// LoginListening reports whether a login still listens on Port: connect
// got a listener and has not closed it.
func (e *Env) LoginListening() bool { return e.held.leased() }

// Follow is the default browser: it GETs the URL and follows every
// redirect, ending on cachelink's loopback listener.
func (e *Env) Follow(url string) error {
	resp, err := BrowserClient().Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("browser landed on %s with %s", resp.Request.URL, resp.Status)
	}
	return nil
}

// BrowserClient is an HTTP client that behaves like a browser for the
// sandbox's redirects.
func BrowserClient() *http.Client { return &http.Client{Timeout: 10 * time.Second} }

// Result is what one run produced.
type Result struct {
	Code   int
	Stdout string
	Stderr string
}

// RunOptions adjust one run.
type RunOptions struct {
	Stdin    string
	StdinTTY bool // stdin is a terminal that stays open until the test ends
	// StdoutTTY and StderrTTY make stdout and stderr terminals (the
	// interactive user: tables, hints; colour on stderr unless NO_COLOR).
	StdoutTTY bool
	StderrTTY bool
	Ctx       context.Context
	// OnStderrLine sees each line written to stderr as it is written;
	// with StdinTTY, what it returns is typed into the terminal.
	OnStderrLine func(line string) (typed string)
	// Terminal, when set, is standard input and standard error (a
	// pseudo-terminal's end, see NewTerminal): prompts draw there and
	// read what the test types; Result.Stderr is then empty. stdout
	// stays a buffer.
	Terminal *os.File
	// Progress, when set, is how a spinner shows on a stderr terminal
	// (see iostreams.ProgressOptions); by default a test run shows none,
	// so that its stderr does not depend on the machine's speed.
	Progress *iostreams.ProgressOptions
}

// Run runs cachelink with args.
func (e *Env) Run(args ...string) Result { return e.RunWith(RunOptions{}, args...) }

// RunOnTerminal runs cachelink with args and stdout and stderr on a
// terminal (stdin stays a pipe).
func (e *Env) RunOnTerminal(args ...string) Result {
	return e.RunWith(RunOptions{StdoutTTY: true, StderrTTY: true}, args...)
}

// RunWith runs cachelink with args and opts.
func (e *Env) RunWith(opts RunOptions, args ...string) Result {
	e.T.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(opts.Stdin)
	ios.SetStdinTTY(opts.StdinTTY)
	ios.SetStdoutTTY(opts.StdoutTTY)
	ios.SetColorEnv(e.Getenv)
	ios.SetStderrTTY(opts.StderrTTY)
	if opts.Progress != nil {
		ios.SetProgressOptions(*opts.Progress)
	}
	var typeIn func(string)
	if opts.StdinTTY {
		// A terminal that stays open: reads block until the test ends.
		pr, pw := io.Pipe()
		var mu sync.Mutex
		typeIn = func(s string) {
			go func() {
				mu.Lock()
				defer mu.Unlock()
				_, _ = pw.Write([]byte(s))
			}()
		}
		typeIn(opts.Stdin)
		e.T.Cleanup(func() { pw.Close() })
		ios.In = pr
	}
	if opts.Terminal != nil {
		ios.UseTerminal(opts.Terminal)
	}
	if opts.OnStderrLine != nil {
		ios.ErrOut = &lineWriter{w: errOut, fn: func(line string) {
			if typed := opts.OnStderrLine(line); typed != "" && typeIn != nil {
				typeIn(typed)
			}
		}}
	}
	ctx := opts.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	code := app.RunWith(ctx, ios, args, func(f *cmdutil.Factory) {
		f.Getenv = e.Getenv
		if e.Keyring != nil {
			f.Keyring = e.Keyring
		}
		f.OpenBrowser = func(url string) error {
			e.BrowserOpened.Add(1)
			return e.Browser(url)
		}
		f.BrowserUsable = func() bool { return e.BrowserUsable }
		f.Retry = e.Retry
		f.Listen = e.held.listen
	})
	return Result{Code: code, Stdout: out.String(), Stderr: errOut.String()}
}

// lineWriter hands each complete line to fn and keeps everything in w.
type lineWriter struct {
	mu  sync.Mutex
	w   io.Writer
	buf []byte
	fn  func(string)
}

func (l *lineWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.w.Write(p)
	l.buf = append(l.buf, p...)
	var lines []string
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		lines = append(lines, string(l.buf[:i]))
		l.buf = l.buf[i+1:]
	}
	l.mu.Unlock()
	for _, line := range lines {
		l.fn(line)
	}
	return len(p), nil
}

// FreePort returns a port free on both 127.0.0.1 and [::1] right now, for
// an address where nothing listens; another program may take it at any
// time. The Env's own Port is held instead (see ReleasePort).
func FreePort(t testing.TB) string {
	t.Helper()
	port, bound := bindLoopback(t)
	for _, l := range bound {
		l.Close()
	}
	return port
}

// Keyring is an in-memory keychain with Windows' 2560-byte limit. Calls
// counts every call (a run with env credentials must make none); Fail
// makes every call fail as a machine without D-Bus does.
type Keyring struct {
	mu    sync.Mutex
	items map[string]string
	Calls atomic.Int32
	Fail  atomic.Bool
}

// NewKeyring returns an empty keychain.
func NewKeyring() *Keyring { return &Keyring{items: map[string]string{}} }

// MaxValue is the size limit the fake enforces (Windows).
const MaxValue = 2560

var errNoDBus = errors.New(`exec: "dbus-launch": executable file not found in $PATH`)

func (k *Keyring) enter() error {
	k.Calls.Add(1)
	if k.Fail.Load() {
		return errNoDBus
	}
	return nil
}

// Get implements credentials.Keyring.
func (k *Keyring) Get(service, user string) (string, error) {
	if err := k.enter(); err != nil {
		return "", err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	v, ok := k.items[service+"\x00"+user]
	if !ok {
		return "", keyring.ErrNotFound
	}
	return v, nil
}

// Set implements credentials.Keyring.
func (k *Keyring) Set(service, user, value string) error {
	if err := k.enter(); err != nil {
		return err
	}
	if len(service)+len(user)+len(value) > MaxValue {
		return keyring.ErrSetDataTooBig
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.items[service+"\x00"+user] = value
	return nil
}

// Delete implements credentials.Keyring.
func (k *Keyring) Delete(service, user string) error {
	if err := k.enter(); err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.items[service+"\x00"+user]; !ok {
		return keyring.ErrNotFound
	}
	delete(k.items, service+"\x00"+user)
	return nil
}

// Items returns the stored users of service and their values.
func (k *Keyring) Items(service string) map[string]string {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := map[string]string{}
	for key, v := range k.items {
		s, u, _ := strings.Cut(key, "\x00")
		if s == service {
			out[u] = v
		}
	}
	return out
}

// Dump is every stored value joined, for checks that a secret is (or is
// not) stored.
func (k *Keyring) Dump() string {
	var b bytes.Buffer
	for u, v := range k.Items("cachelink") {
		fmt.Fprintf(&b, "%s=%s\n", u, v)
	}
	return b.String()
}
