package httpx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Retry is the policy of security.md, "Provider APIs": retry only what is
// safe. GET, HEAD, PUT and DELETE are retried after a connection error and
// on 429, 502, 503 and 504; a POST creates something, so it is retried only
// on 429 (nothing was created). Waits grow exponentially with jitter, a
// Retry-After (seconds or an HTTP date) is honoured up to MaxRetryAfter,
// and the client's Timeout bounds the whole exchange, waits included.
type Retry struct {
	Attempts      int           // in all, the first included; 0: 4
	BaseDelay     time.Duration // the first wait; 0: 250ms
	MaxDelay      time.Duration // the longest computed wait; 0: 4s
	MaxRetryAfter time.Duration // a longer Retry-After is not waited for; 0: 30s
	// Sleep waits d or until ctx ends; nil: a timer. Tests count the waits.
	Sleep func(ctx context.Context, d time.Duration) error
	// Notify, when set, is told of each retry before its wait, so that a
	// person at a terminal sees why nothing has come yet (the factory
	// prints RetryNotice.String on stderr there). nil: retries are silent.
	Notify func(RetryNotice)
}

// RetryNotice describes one retry: why and after how long it is made.
type RetryNotice struct {
	Retry   int           // this retry's number: 1 for the second attempt
	Retries int           // the most there can be: Attempts-1
	Status  int           // the status that is retried (429, 503...); 0 after a connection error
	Err     error         // the connection error retried; nil after a status
	Wait    time.Duration // the wait before the retry
	Method  string
	URL     *url.URL
}

// String is the line a person sees, counting attempts as the issue's
// example does: "retrying (2/4) after 503" is the second of at most four
// attempts; "retrying (3/4) after a dropped connection", "retrying (2/4)
// after 429, waiting 3s". The wait is named when it is a second or more.
func (n RetryNotice) String() string {
	cause := "a dropped connection"
	if n.Err == nil {
		cause = strconv.Itoa(n.Status)
	}
	s := fmt.Sprintf("retrying (%d/%d) after %s", n.Retry+1, n.Retries+1, cause)
	if n.Wait >= time.Second {
		s += ", waiting " + n.Wait.Round(time.Second).String()
	}
	return s
}

func (p Retry) withDefaults() Retry {
	if p.Attempts <= 0 {
		p.Attempts = 4
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = 250 * time.Millisecond
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 4 * time.Second
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = 30 * time.Second
	}
	if p.Sleep == nil {
		p.Sleep = sleep
	}
	return p
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

type retryTransport struct {
	next   http.RoundTripper
	policy Retry
}

// idempotent methods may be resent after an error whose effect is unknown.
func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

func retryableStatus(method string, status int) bool {
	if status == http.StatusTooManyRequests {
		return true
	}
	if !idempotent(method) {
		return false
	}
	return status == http.StatusBadGateway || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	p := t.policy
	ctx := req.Context()
	for attempt := 1; ; attempt++ {
		r := req
		if attempt > 1 {
			if req.Body != nil && req.Body != http.NoBody {
				if req.GetBody == nil {
					return nil, errors.New("httpx: cannot resend a request whose body cannot be read again")
				}
				body, err := req.GetBody()
				if err != nil {
					return nil, err
				}
				r = req.Clone(ctx)
				r.Body = body
			}
		}
		resp, err := t.next.RoundTrip(r)
		last := attempt >= p.Attempts
		var wait time.Duration
		switch {
		case err != nil:
			if last || !idempotent(req.Method) || ctx.Err() != nil {
				return nil, err
			}
			wait = backoff(p, attempt)
		case retryableStatus(req.Method, resp.StatusCode):
			if last {
				return resp, nil
			}
			wait = backoff(p, attempt)
			if ra, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
				if ra > p.MaxRetryAfter {
					return resp, nil // the provider asks for longer than we wait: report it
				}
				wait = ra
			}
			drain(resp)
		default:
			return resp, nil
		}
		if p.Notify != nil {
			n := RetryNotice{Retry: attempt, Retries: p.Attempts - 1, Err: err, Wait: wait, Method: req.Method, URL: req.URL}
			if err == nil {
				n.Status = resp.StatusCode
			}
			p.Notify(n)
		}
		if err := p.Sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// backoff is the wait before attempt+1: exponential, capped, with full
// jitter in its upper half so that parallel clients spread out.
func backoff(p Retry, attempt int) time.Duration {
	d := p.BaseDelay << (attempt - 1)
	if d > p.MaxDelay || d <= 0 {
		d = p.MaxDelay
	}
	return d/2 + rand.N(d/2+1)
}

// retryAfter parses a Retry-After header: seconds, or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0, false
		}
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, t.Sub(now)), true
	}
	return 0, false
}

// drain reads a little of a response that will be dropped, so the
// connection can be reused, and closes it.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	resp.Body.Close()
}

// MaxBody bounds what ReadBody reads of a response.
const MaxBody = 4 << 20

// ErrBodyTooLarge is returned when a response is bigger than MaxBody.
var ErrBodyTooLarge = fmt.Errorf("the response is bigger than %d bytes", MaxBody)

// ReadBody reads and closes resp.Body, at most MaxBody bytes.
func ReadBody(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxBody {
		return nil, ErrBodyTooLarge
	}
	return b, nil
}
