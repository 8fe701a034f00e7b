// Package oauth runs the browser login every provider shares: an OAuth 2.0
// authorization code flow with PKCE whose redirect lands on a listener on
// the loopback interface (RFC 8252), plus a paste path for machines where
// that listener cannot be reached.
//
// It exists because this is where command-line tools of this kind fail
// their users: a port already taken (often only on [::1], by a dev server,
// so the redirect goes elsewhere and the CLI waits forever), an SSH session
// or a headless box with no browser, a local process forging the callback,
// and codes lost to a retried exchange. The package knows nothing about any
// provider: the caller passes an *oauth2.Config and the extra authorize
// parameters.
//
// The rules it follows, which docs/authentication.md ("The login")
// describes for users: bind 127.0.0.1 and [::1] before the browser opens,
// PKCE S256 with a fresh verifier, a 32-byte state compared in constant
// time and used once, 404 off the callback path, 400 for a wrong Host or
// state (the wait goes on), a page with no code and no external resource
// that answers the browser after the exchange with its outcome, and one
// code exchange that is never retried.
package oauth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"

	"github.com/cachelink/cachelink/internal/safetext"
)

// Config is one login. Only OAuth2 is required.
type Config struct {
	// OAuth2 holds ClientID, ClientSecret, Endpoint (the caller sets
	// Endpoint.AuthStyle explicitly: the zero value makes x/oauth2 resend a
	// failed grant), RedirectURL and Scopes. RedirectURL must be
	// http://localhost:PORT/..., http://127.0.0.1:PORT/... or
	// http://[::1]:PORT/... with an explicit port, exactly as registered.
	OAuth2 *oauth2.Config

	// AuthParams are extra authorize parameters, such as
	// oauth2.SetAuthURLParam("audience", "upstash-api"). Default: none.
	AuthParams []oauth2.AuthCodeOption

	// ProviderName ("PolyScale") appears in the pages and messages.
	// Default: "the provider".
	ProviderName string

	// Timeout bounds the wait for the callback. Default (0): 5 minutes.
	Timeout time.Duration

	// OpenBrowser opens the authorize URL. It runs in its own goroutine (a
	// terminal browser may block until the user quits it); if it fails,
	// Login says so and falls back to the paste path. Default (nil): no
	// browser, paste path only.
	OpenBrowser func(url string) error

	// NoBrowser skips OpenBrowser: Login prints the URL and reads a paste.
	// Default: false.
	NoBrowser bool

	// Stderr receives the URL, the prompt and the hints; never stdout.
	// Default (nil): discarded.
	Stderr io.Writer

	// StderrTTY says that Stderr is a terminal: once the browser was
	// asked to open, Login says there that it waits for it (the person
	// otherwise sees a URL and nothing happening). Default: false, and
	// Stderr gets no such line (a script's stderr stays as it was).
	StderrTTY bool

	// PasteInput gives the lines typed at the terminal, read for a pasted
	// redirect URL (or "code state") while the listener waits. Reading
	// stops when Login returns; later lines stay for the caller's next
	// prompt. Default (nil): no paste path.
	PasteInput *Terminal

	// Issuer is the authorization server's issuer identifier. A callback
	// carrying an iss parameter (RFC 9207) that names another issuer is
	// rejected like a wrong state: the mix-up defence when two providers
	// share the port. Default: the scheme and host of the authorize URL.
	Issuer string

	// Listen binds the loopback addresses. Default (nil): net.Listen. A
	// test seam.
	Listen func(network, addr string) (net.Listener, error)

	// AnswerWithin bounds how long the browser's request to the callback
	// waits for the code exchange, so that its page tells the outcome
	// (connected, or what failed). An exchange still running then gets a
	// neutral page that points at the terminal. Default (0): 5 seconds.
	AnswerWithin time.Duration
}

// WaitingLine is what Login prints on a terminal (Config.StderrTTY)
// while the browser is out.
const WaitingLine = "Waiting for the browser… (Ctrl-C to cancel)"

const (
	defaultTimeout  = 5 * time.Minute
	exchangeTimeout = 30 * time.Second
	answerWithin    = 5 * time.Second
	shutdownTimeout = 2 * time.Second
	stateBytes      = 32
)

// ErrPortInUse is wrapped by *PortError: the redirect URL's port is taken.
var ErrPortInUse = errors.New("port in use")

// ErrAccessDenied is wrapped by a *ProviderError whose Code is
// "access_denied": the user (or the provider) refused the authorization.
var ErrAccessDenied = errors.New("access denied")

// ErrTimeout: no valid callback arrived within Config.Timeout.
var ErrTimeout = errors.New("login timed out")

// PortError says which loopback address could not be bound because another
// program holds it. errors.Is(err, ErrPortInUse) is true.
type PortError struct {
	Addr string // "127.0.0.1:3000" or "[::1]:3000"
	Err  error  // the error from listen
}

func (e *PortError) Error() string {
	_, port, _ := net.SplitHostPort(e.Addr)
	return fmt.Sprintf("port %s is in use (another program listens on %s): stop that program, "+
		"or use --port with another port whose redirect URI is registered with the provider", port, e.Addr)
}

// Unwrap returns ErrPortInUse and the listen error.
func (e *PortError) Unwrap() []error { return []error{ErrPortInUse, e.Err} }

// ProviderError is an error=... the provider sent back with the right
// state. errors.Is(err, ErrAccessDenied) is true when Code is
// "access_denied".
type ProviderError struct {
	Provider    string // Config.ProviderName
	Code        string // "access_denied", "invalid_scope", ...
	Description string // error_description, made printable (safetext.Strip)
}

func (e *ProviderError) Error() string {
	msg := fmt.Sprintf("%s refused the login: %s", e.Provider, e.Code)
	if e.Description != "" {
		msg += ": " + e.Description
	}
	return msg
}

// Is makes errors.Is(err, ErrAccessDenied) true for access_denied.
func (e *ProviderError) Is(target error) bool {
	return target == ErrAccessDenied && e.Code == "access_denied"
}

// Login runs one login and returns the token. It binds the redirect URL's
// loopback addresses first (failing with *PortError before any browser
// opens), prints the authorize URL on Stderr, opens the browser unless told
// not to, and waits for one valid callback from the listener or the paste
// path, whichever comes first. Without a browser and without PasteInput
// it waits for the listener alone: whoever runs it (a wrapper, an editor
// extension) opens the printed URL. The code is exchanged exactly once,
// and the browser's request is answered after the exchange (within
// AnswerWithin) with a page that says how it went. On Ctrl-C (ctx
// cancelled) it returns ctx.Err() after closing the listeners.
func Login(ctx context.Context, cfg Config) (*oauth2.Token, error) {
	if cfg.OAuth2 == nil {
		return nil, errors.New("oauth: Config.OAuth2 is required")
	}
	redirect, err := parseRedirect(cfg.OAuth2.RedirectURL)
	if err != nil {
		return nil, err
	}
	provider := cfg.ProviderName
	if provider == "" {
		provider = "the provider"
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	stderr := &lockedWriter{w: cfg.Stderr}
	if cfg.Stderr == nil {
		stderr.w = io.Discard
	}
	defer stderr.close() // the paste goroutine may outlive Login: it must not write after

	listen := cfg.Listen
	if listen == nil {
		listen = net.Listen
	}
	listeners, err := bindAll(listen, redirect)
	if err != nil {
		return nil, err
	}

	verifier := oauth2.GenerateVerifier()
	state, err := newState()
	if err != nil {
		closeAll(listeners)
		return nil, err
	}
	opts := append([]oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}, cfg.AuthParams...)
	authURL := cfg.OAuth2.AuthCodeURL(state, opts...)

	issuer := cfg.Issuer
	if issuer == "" {
		if u, err := url.Parse(cfg.OAuth2.Endpoint.AuthURL); err == nil {
			issuer = u.Scheme + "://" + u.Host
		}
	}
	within := cfg.AnswerWithin
	if within <= 0 {
		within = answerWithin
	}
	w := &waiter{state: state, path: redirect.path, provider: provider, issuer: issuer, result: make(chan outcome, 1),
		answerWithin: within, settled: make(chan struct{})}
	srv := newServer(w, redirect.host)
	var serving sync.WaitGroup
	for _, l := range listeners {
		serving.Add(1)
		go func() {
			defer serving.Done()
			_ = srv.Serve(l) // returns when shut down
		}()
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		if srv.Shutdown(sctx) != nil {
			_ = srv.Close()
		}
		closeAll(listeners) // Serve may not have started yet: the port must be free when Login returns
		serving.Wait()
	}()
	// Runs before the shutdown above: a callback accepted while Login gave
	// up (timeout, Ctrl-C) gets its page instead of waiting.
	defer w.settle(errLoginEnded)

	fmt.Fprintf(stderr, "Open this URL in your browser to connect %s:\n  %s\n", provider, authURL)

	pasteCtx, stopPaste := context.WithCancel(context.Background())
	defer stopPaste() // the paste reader takes no line typed after Login
	pasting := false
	startPaste := func() {
		if pasting || cfg.PasteInput == nil {
			return
		}
		pasting = true
		fmt.Fprintf(stderr, "If the browser is on another machine, approve there, then paste here the full address "+
			"the browser landed on (%s?code=...&state=..., even if the page did not load) and press Enter:\n", redirect.example)
		go readPastes(pasteCtx, cfg.PasteInput, w, stderr)
	}

	// Nobody to open the URL here and no terminal to paste into: the
	// listener alone finishes the login, when whoever started cachelink
	// opens the URL.
	listenOnly := func() {
		if cfg.PasteInput == nil {
			fmt.Fprintf(stderr, "Waiting up to %s for the browser to come back to %s (Ctrl-C to stop).\n", timeout, redirect.example)
		}
	}

	var browserFailed chan error
	if cfg.NoBrowser || cfg.OpenBrowser == nil {
		startPaste()
		listenOnly()
	} else {
		browserFailed = make(chan error, 1)
		go func() {
			if err := cfg.OpenBrowser(authURL); err != nil {
				browserFailed <- err
			}
		}()
		if cfg.StderrTTY {
			fmt.Fprintln(stderr, WaitingLine)
		}
	}

	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var got outcome
wait:
	for {
		select {
		case got = <-w.result:
			break wait
		case err := <-browserFailed:
			browserFailed = nil
			fmt.Fprintf(stderr, "Could not open a browser (%v): open the URL above yourself.\n", err)
			startPaste()
			listenOnly()
		case <-timer.C:
			return nil, fmt.Errorf("%w: no answer from the browser within %s", ErrTimeout, timeout)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if got.err != nil {
		return nil, got.err
	}

	// Exactly once, never retried: a second redemption of a code revokes
	// what the first one issued (RFC 6749 4.1.2).
	ectx, cancel := context.WithTimeout(ctx, exchangeTimeout)
	defer cancel()
	tok, err := cfg.OAuth2.Exchange(ectx, got.code, oauth2.VerifierOption(verifier))
	if err != nil {
		err = fmt.Errorf("exchanging the authorization code: %w", err)
		w.settle(err)
		return nil, err
	}
	w.settle(nil)
	return tok, nil
}

// redirectTarget is the parsed redirect URL.
type redirectTarget struct {
	host    string   // host:port as the browser sends it in Host
	path    string   // "/" when the URL has none
	addrs   []string // the loopback addresses to bind
	local   bool     // host is "localhost": [::1] may be skipped without IPv6
	example string   // scheme://host:port/path, for the paste prompt
}

func parseRedirect(raw string) (redirectTarget, error) {
	bad := func(why string) (redirectTarget, error) {
		return redirectTarget{}, fmt.Errorf("redirect URL %q: %s", raw, why)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return bad(err.Error())
	}
	if u.Scheme != "http" {
		return bad("want http://localhost:PORT/..., a loopback address over plain http")
	}
	p := u.Port()
	if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
		return bad("want an explicit port between 1 and 65535")
	}
	t := redirectTarget{host: u.Host, path: u.EscapedPath(), local: u.Hostname() == "localhost"}
	if t.path == "" {
		t.path = "/"
	}
	switch u.Hostname() {
	case "localhost":
		t.addrs = []string{net.JoinHostPort("127.0.0.1", p), net.JoinHostPort("::1", p)}
	case "127.0.0.1", "::1":
		t.addrs = []string{net.JoinHostPort(u.Hostname(), p)}
	default:
		return bad("the host must be localhost, 127.0.0.1 or [::1]")
	}
	t.example = "http://" + u.Host + u.EscapedPath()
	return t, nil
}

// bindAll binds every address of r, or none: on an error it closes what it
// had bound. Only [::1] of "localhost" may be skipped, when the machine has
// no IPv6.
func bindAll(listen func(network, addr string) (net.Listener, error), r redirectTarget) ([]net.Listener, error) {
	var ls []net.Listener
	for _, addr := range r.addrs {
		l, err := listen("tcp", addr)
		if err == nil {
			ls = append(ls, l)
			continue
		}
		if r.local && strings.HasPrefix(addr, "[::1]") && isNoIPv6(err) {
			continue
		}
		closeAll(ls)
		if isAddrInUse(err) {
			return nil, &PortError{Addr: addr, Err: err}
		}
		return nil, fmt.Errorf("listening on %s for the browser's redirect: %w", addr, err)
	}
	return ls, nil
}

func closeAll(ls []net.Listener) {
	for _, l := range ls {
		_ = l.Close()
	}
}

func newState() (string, error) {
	b := make([]byte, stateBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generating the state: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// outcome ends the wait: a code, or the provider's error.
type outcome struct {
	code string
	err  error
}

// waiter judges callbacks from the listener and the paste path alike.
type waiter struct {
	state    string
	path     string
	provider string
	issuer   string
	used     atomic.Bool // the state is single use
	result   chan outcome

	// The outcome of the code exchange, for the browser's page: final is
	// set, then settled closed, once (settle).
	answerWithin time.Duration
	settled      chan struct{}
	settleOnce   sync.Once
	final        error
}

// errLoginEnded settles a login that returned before exchanging a code
// (timeout, Ctrl-C, a callback that came too late).
var errLoginEnded = errors.New("the login ended in the terminal before this answer could be used")

// settle records the outcome of the login for the browser's page; only
// the first call counts.
func (w *waiter) settle(err error) {
	w.settleOnce.Do(func() {
		w.final = err
		close(w.settled)
	})
}

// verdict is what became of one callback.
type verdict int

const (
	rejected verdict = iota // wrong or missing state, or no code: keep waiting
	finished                // the state was already used
	accepted                // a code: the wait ends
	refused                 // error=...: the wait ends with a ProviderError
)

// judge checks the query of one callback and, if it ends the login, hands
// the outcome over (once).
func (w *waiter) judge(q url.Values) (verdict, string) {
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(w.state)) != 1 {
		return rejected, "state mismatch: this is not the answer to the login this terminal started"
	}
	if iss := q.Get("iss"); iss != "" && strings.TrimRight(iss, "/") != strings.TrimRight(w.issuer, "/") {
		return rejected, "the answer names another issuer than the server this login went to"
	}
	code, errCode := q.Get("code"), q.Get("error")
	if code == "" && errCode == "" {
		return rejected, "no code in the callback"
	}
	if !w.used.CompareAndSwap(false, true) {
		return finished, "This login has already finished. You can close this window."
	}
	if errCode != "" {
		pe := &ProviderError{Provider: w.provider, Code: safetext.Strip(errCode, 64), Description: safetext.Strip(q.Get("error_description"), 300)}
		w.result <- outcome{err: pe}
		return refused, pe.Error()
	}
	w.result <- outcome{code: code}
	return accepted, ""
}

// readPastes reads lines until one ends the login, the input ends, or
// Login returns (ctx).
func readPastes(ctx context.Context, term *Terminal, w *waiter, stderr *lockedWriter) {
	for {
		raw, ok := term.Next(ctx)
		if !ok {
			return
		}
		if ctx.Err() != nil || w.used.Load() {
			term.unread(raw) // the login is over: the line is the caller's
			return
		}
		line := strings.TrimSpace(raw)
		if line == "" {
			continue
		}
		q, ok := parsePaste(line, w.path)
		if !ok {
			fmt.Fprintln(stderr, "That is not the address the browser landed on: paste the whole URL (with code= and state=), or the code and the state separated by a space.")
			continue
		}
		switch v, msg := w.judge(q); v {
		case rejected:
			fmt.Fprintf(stderr, "Rejected: %s. Paste the address from the browser window of this login.\n", msg)
		case accepted, finished, refused:
			return
		}
	}
}

// parsePaste accepts the full redirected URL, its query, or "code state".
func parsePaste(line, path string) (url.Values, bool) {
	if strings.Contains(line, "://") {
		u, err := url.Parse(line)
		if err != nil {
			return nil, false
		}
		p := u.EscapedPath()
		if p == "" {
			p = "/"
		}
		if p != path { // another provider's callback (mix-up defence)
			return nil, false
		}
		return u.Query(), true
	}
	if strings.Contains(line, "=") {
		q, err := url.ParseQuery(strings.TrimPrefix(line, "?"))
		return q, err == nil
	}
	if f := strings.Fields(line); len(f) == 2 {
		return url.Values{"code": {f[0]}, "state": {f[1]}}, true
	}
	return nil, false
}

// lockedWriter serializes writes from Login and the paste goroutine and
// drops them once Login has returned.
type lockedWriter struct {
	mu     sync.Mutex
	w      io.Writer
	closed bool
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return len(p), nil
	}
	return l.w.Write(p)
}

func (l *lockedWriter) close() {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
}

// discardLog silences net/http's own logging (it would go to os.Stderr).
var discardLog = log.New(io.Discard, "", 0)

// AddrCheck is what binding one loopback address of a redirect URL gave.
type AddrCheck struct {
	Addr   string // "127.0.0.1:3000" or "[::1]:3000"
	Err    error  // nil: free
	NoIPv6 bool   // [::1] of localhost on a machine without IPv6: Login skips it
}

// CheckRedirect binds and releases each address Login would bind for
// redirectURL, and says what happened (for `cachelink doctor`). listen nil
// means net.Listen. An invalid redirect URL is the error.
func CheckRedirect(redirectURL string, listen func(network, addr string) (net.Listener, error)) ([]AddrCheck, error) {
	r, err := parseRedirect(redirectURL)
	if err != nil {
		return nil, err
	}
	if listen == nil {
		listen = net.Listen
	}
	out := make([]AddrCheck, 0, len(r.addrs))
	for _, addr := range r.addrs {
		c := AddrCheck{Addr: addr}
		l, err := listen("tcp", addr)
		switch {
		case err == nil:
			l.Close()
		case r.local && strings.HasPrefix(addr, "[::1]") && isNoIPv6(err):
			c.NoIPv6 = true
		case isAddrInUse(err):
			c.Err = &PortError{Addr: addr, Err: err}
		default:
			c.Err = err
		}
		out = append(out, c)
	}
	return out, nil
}
