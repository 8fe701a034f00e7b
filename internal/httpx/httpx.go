// Package httpx builds the HTTP client every request to a provider goes
// through, so that the rules are in one place: a timeout on every request,
// cachelink's User-Agent, retries of what is safe to resend (retry.go), a
// bound on response bodies, and the --debug trace on stderr that never
// shows a secret (no bodies, no headers, credentials and secret query
// parameters in URLs redacted).
package httpx

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// DefaultTimeout bounds a whole request, body and retries included.
const DefaultTimeout = 60 * time.Second

// Options configure New.
type Options struct {
	Timeout   time.Duration // 0: DefaultTimeout
	UserAgent string        // "cachelink/<version>"
	Debug     io.Writer     // nil: no trace
	Base      http.RoundTripper
	// Retry is the retry policy; nil: none (the OAuth token requests,
	// which must never be resent, use a client without one).
	Retry *Retry
}

// New returns a client with the options applied.
func New(opts Options) *http.Client {
	rt := opts.Base
	if rt == nil {
		rt = http.DefaultTransport
	}
	rt = &userAgent{next: rt, ua: opts.UserAgent}
	if opts.Debug != nil {
		rt = &debugTransport{next: rt, w: opts.Debug}
	}
	if opts.Retry != nil {
		rt = &retryTransport{next: rt, policy: opts.Retry.withDefaults()}
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &http.Client{Transport: rt, Timeout: timeout}
}

type userAgent struct {
	next http.RoundTripper
	ua   string
}

func (u *userAgent) RoundTrip(req *http.Request) (*http.Response, error) {
	if u.ua != "" && req.Header.Get("User-Agent") == "" {
		req = req.Clone(req.Context())
		req.Header.Set("User-Agent", u.ua)
	}
	return u.next.RoundTrip(req)
}

// debugTransport writes one line per request: method, redacted URL,
// status and duration.
type debugTransport struct {
	next http.RoundTripper
	mu   sync.Mutex
	w    io.Writer
}

func (d *debugTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := d.next.RoundTrip(req)
	elapsed := time.Since(start).Round(time.Millisecond)
	line := fmt.Sprintf("[debug] %s %s", req.Method, RedactURL(req.URL))
	if err != nil {
		line += fmt.Sprintf(" → error after %s: %s", elapsed, redactError(err))
	} else {
		line += fmt.Sprintf(" → %s (%s)", resp.Status, elapsed)
	}
	d.mu.Lock()
	fmt.Fprintln(d.w, line)
	d.mu.Unlock()
	return resp, err
}

// secretParams are query parameters whose values are never shown.
var secretParams = map[string]bool{
	"code": true, "state": true, "code_verifier": true, "token": true, "access_token": true,
	"refresh_token": true, "id_token": true, "client_secret": true, "password": true, "api_key": true,
	"key": true, "secret": true,
}

// RedactURL returns u as text with its user info and the values of secret
// query parameters replaced by "REDACTED".
func RedactURL(u *url.URL) string {
	c := *u
	if c.User != nil {
		c.User = url.User("REDACTED")
	}
	if c.RawQuery != "" {
		q := c.Query()
		for k := range q {
			if secretParams[strings.ToLower(k)] {
				q[k] = []string{"REDACTED"}
			}
		}
		c.RawQuery = q.Encode()
	}
	return c.String()
}

// redactError drops the URL that *url.Error repeats (already shown,
// redacted) and keeps the cause.
func redactError(err error) string {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err.Error()
	}
	return err.Error()
}
