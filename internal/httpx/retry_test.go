package httpx_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
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

// notified is a client whose retries are told to the returned list, with
// the waits recorded instead of slept.
func notified(notices *[]httpx.RetryNotice) *http.Client {
	return httpx.New(httpx.Options{Retry: &httpx.Retry{
		Sleep:  func(context.Context, time.Duration) error { return nil },
		Notify: func(n httpx.RetryNotice) { *notices = append(*notices, n) },
	}})
}

func TestNotifyTellsEachRetry(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	dropped := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.URL.Path == "/drop" && !dropped {
			dropped = true
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close) // after the parallel subtests

	tests := []struct {
		name       string
		statuses   []int
		retryAfter string
		url        string // instead of a flaky server
		want       []string
	}{
		{name: "503 twice then 200", statuses: []int{503, 503},
			want: []string{"retrying (2/4) after 503", "retrying (3/4) after 503"}},
		{name: "429 with Retry-After", statuses: []int{429}, retryAfter: "3",
			want: []string{"retrying (2/4) after 429, waiting 3s"}},
		{name: "dropped connection", url: srv.URL + "/drop",
			want: []string{"retrying (2/4) after a dropped connection"}},
		{name: "no retry", want: nil},
		{name: "the last attempt is not announced", statuses: []int{502, 502, 502, 502, 502},
			want: []string{"retrying (2/4) after 502", "retrying (3/4) after 502", "retrying (4/4) after 502"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := tt.url
			if u == "" {
				s := httptest.NewServer(&flaky{statuses: tt.statuses, retryAfter: tt.retryAfter})
				defer s.Close()
				u = s.URL
			}
			var notices []httpx.RetryNotice
			resp, err := notified(&notices).Get(u)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			var got []string
			for _, n := range notices {
				got = append(got, n.String())
				if n.Method != http.MethodGet || n.URL == nil {
					t.Errorf("notice %+v lacks the request", n)
				}
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("notices %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRetryNoticeString(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		n    httpx.RetryNotice
		want string
	}{
		{httpx.RetryNotice{Retry: 2, Retries: 3, Status: 503, Wait: 400 * time.Millisecond}, "retrying (3/4) after 503"},
		{httpx.RetryNotice{Retry: 1, Retries: 3, Status: 429, Wait: 2600 * time.Millisecond}, "retrying (2/4) after 429, waiting 3s"},
		{httpx.RetryNotice{Retry: 1, Retries: 1, Err: io.ErrUnexpectedEOF, Wait: time.Second}, "retrying (2/2) after a dropped connection, waiting 1s"},
	} {
		if got := tt.n.String(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.n, got, tt.want)
		}
	}
}
