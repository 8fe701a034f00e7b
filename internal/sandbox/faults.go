package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fault kinds.
const (
	FaultLatency         = "latency"
	FaultError           = "error"
	Fault429             = "429"
	FaultDropAfterCreate = "drop_after_create"
	FaultLateAnswer      = "late_answer"
)

// FaultRule is one injected failure. See Faults.
type FaultRule struct {
	Kind       string        `json:"kind"`           // "latency", "error" (5xx), "429", "drop_after_create", "late_answer"
	Count      int           `json:"count"`          // how many matching requests it affects; 0 = until cleared (latency only; 1 for the others)
	Status     int           `json:"status"`         // for "error": 500, 502, 503 or 504 (default 503)
	RetryAfter string        `json:"retry_after"`    // for "429": the Retry-After value (seconds or HTTP-date), default "1"
	Latency    time.Duration `json:"latency"`        // for "latency" and "late_answer"; JSON as a Go duration string like "200ms"
	Rate       float64       `json:"rate,omitempty"` // for "error": fail each matching request with this probability (0-1); with count 0, until cleared
	Method     string        `json:"method"`         // "" = any
	PathPrefix string        `json:"path_prefix"`    // "" = any path except /_sandbox
}

type faultRuleJSON FaultRule

// MarshalJSON writes Latency as a duration string ("200ms").
func (r FaultRule) MarshalJSON() ([]byte, error) {
	lat := ""
	if r.Latency != 0 {
		lat = r.Latency.String()
	}
	return json.Marshal(struct {
		faultRuleJSON
		Latency string `json:"latency,omitempty"`
	}{faultRuleJSON(r), lat})
}

// UnmarshalJSON reads Latency as a duration string ("200ms", "1.5s").
func (r *FaultRule) UnmarshalJSON(b []byte) error {
	aux := struct {
		*faultRuleJSON
		Latency *string `json:"latency"`
	}{faultRuleJSON: (*faultRuleJSON)(r)}
	if err := json.Unmarshal(b, &aux); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field == "latency" {
			return errors.New(`latency must be a duration string like "200ms"`)
		}
		return err
	}
	r.Latency = 0
	if aux.Latency != nil && *aux.Latency != "" {
		d, err := time.ParseDuration(*aux.Latency)
		if err != nil {
			return fmt.Errorf("latency: %v", err)
		}
		r.Latency = d
	}
	return nil
}

// validate checks r and fills defaults.
func (r *FaultRule) validate() error {
	if r.Count < 0 {
		return errors.New("count must not be negative")
	}
	r.Method = strings.ToUpper(r.Method)
	if r.PathPrefix != "" && !strings.HasPrefix(r.PathPrefix, "/") {
		return errors.New(`path_prefix must start with "/"`)
	}
	switch r.Kind {
	case FaultLatency:
		if r.Latency <= 0 {
			return errors.New(`latency must be a positive duration like "200ms"`)
		}
		return nil
	case FaultError:
		if r.Rate < 0 || r.Rate > 1 {
			return fmt.Errorf("rate must be between 0 and 1, not %g", r.Rate)
		}
		if r.Status == 0 {
			r.Status = http.StatusServiceUnavailable
		}
		switch r.Status {
		case 500, 502, 503, 504:
		default:
			return fmt.Errorf("status must be 500, 502, 503 or 504, not %d", r.Status)
		}
	case Fault429:
		if r.RetryAfter == "" {
			r.RetryAfter = "1"
		}
		if n, err := strconv.Atoi(r.RetryAfter); err != nil || n < 0 {
			if _, err := http.ParseTime(r.RetryAfter); err != nil {
				return fmt.Errorf("retry_after must be a number of seconds or an HTTP-date, not %q", r.RetryAfter)
			}
		}
	case FaultDropAfterCreate:
	case FaultLateAnswer:
		if r.Latency <= 0 {
			return errors.New(`late_answer needs a positive latency like "5s": how late the answer comes`)
		}
	default:
		return fmt.Errorf("unknown fault kind %q (want latency, error, 429, drop_after_create or late_answer)", r.Kind)
	}
	if r.Count == 0 && r.Rate == 0 {
		r.Count = 1
	}
	return nil
}

type faultEntry struct {
	rule      FaultRule
	unlimited bool
	remaining int
	pending   int // drop_after_create and late_answer reservations whose outcome is not known yet
}

func (e *faultEntry) live() bool { return e.unlimited || e.remaining > 0 }

// Faults injects failures for tests. Safe for concurrent use.
//
// Rules apply in the order added to requests not under /_sandbox. Every
// matching latency rule adds its delay; then the first matching error, 429
// or drop_after_create rule acts. A rule with a count is used up after that
// many requests and then vanishes. drop_after_create only matches requests
// that create something (POST /v1/caches, POST /v1/caches/{id}/cache-ttls,
// POST /v2/redis/database, POST /apikey) and is only used up when the
// create succeeds: the request is handled (the resource exists and is
// counted), then the connection is closed without a response. late_answer
// matches the same requests and is used up the same way: the create is
// carried out at once, and its answer is held back for the rule's Latency
// (or until the client gives up), as a provider that creates quickly and
// answers late does; a client whose timeout is shorter never sees it.
type Faults struct {
	mu      sync.Mutex
	entries []*faultEntry
}

// Add validates r and appends it.
func (f *Faults) Add(r FaultRule) error {
	if err := r.validate(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.entries = append(f.entries, &faultEntry{rule: r, unlimited: r.Count == 0, remaining: r.Count})
	return nil
}

// Clear removes every rule.
func (f *Faults) Clear() {
	f.mu.Lock()
	f.entries = nil
	f.mu.Unlock()
}

// Rules returns the live rules; Count is what remains of each.
func (f *Faults) Rules() []FaultRule {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []FaultRule{}
	for _, e := range f.entries {
		if !e.live() {
			continue
		}
		r := e.rule
		r.Count = e.remaining
		out = append(out, r)
	}
	return out
}

func isSandboxPath(p string) bool { return p == "/_sandbox" || strings.HasPrefix(p, "/_sandbox/") }

func isCreateRequest(r *http.Request) bool {
	if r.Method != http.MethodPost {
		return false
	}
	p := strings.TrimSuffix(r.URL.Path, "/")
	switch p {
	case "/v1/caches", "/v2/redis/database", "/apikey", "/v2/vector/index", "/v2/search":
		return true
	}
	rest, ok := strings.CutPrefix(p, "/v1/caches/")
	return ok && strings.HasSuffix(rest, "/cache-ttls") && strings.Count(rest, "/") == 1
}

func (f *Faults) prune() {
	kept := f.entries[:0]
	for _, e := range f.entries {
		if e.live() || e.pending > 0 {
			kept = append(kept, e)
		}
	}
	for i := len(kept); i < len(f.entries); i++ {
		f.entries[i] = nil
	}
	f.entries = kept
}

// match consumes the rules r triggers: the total delay and the acting rule.
func (f *Faults) match(r *http.Request) (time.Duration, *faultEntry) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var delay time.Duration
	var act *faultEntry
	for _, e := range f.entries {
		if !e.live() {
			continue
		}
		if e.rule.Method != "" && e.rule.Method != r.Method {
			continue
		}
		if e.rule.PathPrefix != "" && !strings.HasPrefix(r.URL.Path, e.rule.PathPrefix) {
			continue
		}
		switch {
		case e.rule.Kind == FaultLatency:
			delay += e.rule.Latency
		case act != nil:
			continue
		case e.rule.Rate > 0 && rand.Float64() >= e.rule.Rate:
			continue // this request is spared; the rule stays as it was
		case e.rule.holdsCreate():
			if !isCreateRequest(r) {
				continue
			}
			act = e
			e.pending++
		default:
			act = e
		}
		if !e.unlimited {
			e.remaining--
		}
	}
	f.prune()
	return delay, act
}

// holdsCreate reports whether the rule acts on a create's answer
// (drop_after_create, late_answer): it is reserved by a create request and
// used up only when the create succeeds (see settle).
func (r *FaultRule) holdsCreate() bool {
	return r.Kind == FaultDropAfterCreate || r.Kind == FaultLateAnswer
}

// serveCreate has next handle the create r into a buffer, for act to
// decide what becomes of the answer, and settles act's reservation: used
// reports whether the create succeeded (a 2xx).
func (f *Faults) serveCreate(next http.Handler, act *faultEntry, r *http.Request) (buf *bufferedWriter, used bool) {
	buf = &bufferedWriter{header: http.Header{}}
	defer func() { f.settle(act, used) }()
	next.ServeHTTP(buf, r)
	st := buf.statusCode()
	return buf, st >= 200 && st < 300
}

// settle ends a drop_after_create or late_answer reservation; used
// reports whether the create succeeded (and the rule was used).
func (f *Faults) settle(e *faultEntry, used bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e.pending--
	if !used {
		e.remaining++ // a no-op if Clear removed the rule meanwhile
	}
	f.prune()
}

// Middleware applies the rules to requests not under /_sandbox.
func (f *Faults) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isSandboxPath(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		delay, act := f.match(r)
		if delay > 0 {
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				if act != nil && act.rule.holdsCreate() {
					f.settle(act, false)
				}
				return
			}
		}
		if act == nil {
			next.ServeHTTP(w, r)
			return
		}
		switch act.rule.Kind {
		case FaultError:
			faultResponse(w, r, act.rule.Status, "injected fault: the service is temporarily unavailable")
		case Fault429:
			w.Header().Set("Retry-After", act.rule.RetryAfter)
			faultResponse(w, r, http.StatusTooManyRequests, "injected fault: too many requests")
		case FaultDropAfterCreate:
			buf, used := f.serveCreate(next, act, r)
			if !used {
				buf.flushTo(w)
				return
			}
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				conn.Close()
				return
			}
			panic(http.ErrAbortHandler) // HTTP/2 or a writer without Hijack: abort the stream
		case FaultLateAnswer:
			buf, used := f.serveCreate(next, act, r)
			if used {
				t := time.NewTimer(act.rule.Latency)
				select {
				case <-t.C:
				case <-r.Context().Done():
					t.Stop()
					return // the client gave up: the resource stays
				}
			}
			buf.flushTo(w)
		}
	})
}

// faultResponse answers in the error format of the provider the path belongs to.
func faultResponse(w http.ResponseWriter, r *http.Request, status int, msg string) {
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, "/v1/"):
		code := strings.ToUpper(strings.ReplaceAll(http.StatusText(status), " ", "_"))
		polyError(w, status, code, msg)
	case strings.HasPrefix(p, "/oauth2/") || strings.HasPrefix(p, "/oauth/"):
		writeJSON(w, status, map[string]string{"error": "temporarily_unavailable", "error_description": msg})
	case p == "/apikey" || strings.HasPrefix(p, "/v2/"):
		upError(w, status, msg)
	default:
		writeJSON(w, status, map[string]string{"error": http.StatusText(status), "message": msg})
	}
}

// bufferedWriter records a handler's response so that it can be discarded.
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header { return b.header }
func (b *bufferedWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}
func (b *bufferedWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}
func (b *bufferedWriter) statusCode() int {
	if b.status == 0 {
		return http.StatusOK
	}
	return b.status
}
func (b *bufferedWriter) flushTo(w http.ResponseWriter) {
	for k, v := range b.header {
		w.Header()[k] = v
	}
	w.WriteHeader(b.statusCode())
	_, _ = w.Write(b.body.Bytes())
}

// RegisterAdmin serves the test knobs: /_sandbox/faults (GET list, POST add
// one rule as JSON, DELETE clear), /_sandbox/counters (GET) and
// /_sandbox/state (GET the store as JSON).
func RegisterAdmin(mux *http.ServeMux, f *Faults, c *Counters, s *Store) {
	adminErr := func(w http.ResponseWriter, status int, msg string) {
		writeJSON(w, status, map[string]string{"error": msg})
	}
	mux.HandleFunc("GET /_sandbox/faults", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, f.Rules())
	})
	mux.HandleFunc("POST /_sandbox/faults", func(w http.ResponseWriter, r *http.Request) {
		var rule FaultRule
		if err := decodeJSON(r, &rule, ""); err != nil {
			adminErr(w, http.StatusBadRequest, err.Error())
			return
		}
		if err := rule.validate(); err != nil {
			adminErr(w, http.StatusBadRequest, err.Error())
			return
		}
		if err := f.Add(rule); err != nil {
			adminErr(w, http.StatusBadRequest, err.Error())
			return
		}
		writeJSON(w, http.StatusCreated, rule)
	})
	mux.HandleFunc("DELETE /_sandbox/faults", func(w http.ResponseWriter, r *http.Request) {
		f.Clear()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /_sandbox/counters", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, c.Snapshot())
	})
	mux.HandleFunc("GET /_sandbox/state", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.State())
	})
}
