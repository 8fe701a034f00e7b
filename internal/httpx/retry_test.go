package httpx_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cachelink/cachelink/internal/httpx"
)

// flaky answers with statuses in order, then 200; it counts requests.
type flaky struct {
	statuses   []int
	retryAfter string
	n          atomic.Int32
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i := int(f.n.Add(1)) - 1
	if i < len(f.statuses) {
		if f.retryAfter != "" {
			w.Header().Set("Retry-After", f.retryAfter)
		}
		w.WriteHeader(f.statuses[i])
		return
	}
	w.WriteHeader(http.StatusOK)
}

// client retries with waits recorded instead of slept.
func client(waits *[]time.Duration) *http.Client {
	return httpx.New(httpx.Options{Retry: &httpx.Retry{Sleep: func(_ context.Context, d time.Duration) error {
		*waits = append(*waits, d)
		return nil
	}}})
}

func TestGetIsRetriedOn503UntilItSucceeds(t *testing.T) {
	t.Parallel()
	f := &flaky{statuses: []int{503, 503}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	var waits []time.Duration
	resp, err := client(&waits).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || f.n.Load() != 3 || len(waits) != 2 {
		t.Errorf("status %d after %d requests and %d waits, want 200 after 3 and 2", resp.StatusCode, f.n.Load(), len(waits))
	}
	if waits[1] < waits[0]/2 {
		t.Errorf("waits %v do not grow", waits)
	}
}

func TestAttemptsAreBounded(t *testing.T) {
	t.Parallel()
	f := &flaky{statuses: []int{502, 502, 502, 502, 502, 502}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	var waits []time.Duration
	resp, err := client(&waits).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 502 || f.n.Load() != 4 {
		t.Errorf("status %d after %d requests, want the last 502 after 4", resp.StatusCode, f.n.Load())
	}
}

func TestPostIsNotResentAfterA503(t *testing.T) {
	t.Parallel()
	f := &flaky{statuses: []int{503}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	var waits []time.Duration
	resp, err := client(&waits).Post(srv.URL, "application/json", strings.NewReader(`{"name":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 || f.n.Load() != 1 {
		t.Errorf("status %d after %d requests, want 503 after exactly 1", resp.StatusCode, f.n.Load())
	}
}

func TestPostIsRetriedOn429HonouringRetryAfter(t *testing.T) {
	t.Parallel()
	var bodies []string
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 64)
		k, _ := r.Body.Read(b)
		bodies = append(bodies, string(b[:k]))
		n++
		if n == 1 {
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()
	var waits []time.Duration
	resp, err := client(&waits).Post(srv.URL, "application/json", strings.NewReader(`{"name":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 || len(waits) != 1 || waits[0] != 2*time.Second {
		t.Errorf("status %d, waits %v; want 201 after waiting the 2 s asked", resp.StatusCode, waits)
	}
	if len(bodies) != 2 || bodies[1] != `{"name":"x"}` {
		t.Errorf("bodies %q: the retry must resend the same body", bodies)
	}
}

func TestRetryAfterAsAnHTTPDate(t *testing.T) {
	t.Parallel()
	f := &flaky{statuses: []int{429}, retryAfter: time.Now().Add(3 * time.Second).UTC().Format(http.TimeFormat)}
	srv := httptest.NewServer(f)
	defer srv.Close()
	var waits []time.Duration
	resp, err := client(&waits).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(waits) != 1 || waits[0] < time.Second || waits[0] > 3*time.Second {
		t.Errorf("waits %v, want about 3 s", waits)
	}
}

func TestARetryAfterBeyondTheCapIsReportedNotAwaited(t *testing.T) {
	t.Parallel()
	f := &flaky{statuses: []int{429}, retryAfter: "3600"}
	srv := httptest.NewServer(f)
	defer srv.Close()
	var waits []time.Duration
	resp, err := client(&waits).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || len(waits) != 0 {
		t.Errorf("status %d after %d waits, want the 429 at once", resp.StatusCode, len(waits))
	}
}

func TestAConnectionErrorIsRetriedForGetButNotForPost(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close() // reset before answering
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	var waits []time.Duration
	resp, err := client(&waits).Get(srv.URL)
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	resp.Body.Close()
	if n.Load() != 2 {
		t.Errorf("GET took %d requests, want 2", n.Load())
	}

	n.Store(0)
	_, err = client(&waits).Post(srv.URL, "application/json", strings.NewReader("{}"))
	if err == nil || n.Load() != 1 {
		t.Errorf("POST: err %v after %d requests; want the error after exactly 1 (the create may have happened)", err, n.Load())
	}
}
