package sandbox

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestFaultLatency(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, RedisSettings{})
	const lat = 150 * time.Millisecond
	if err := e.faults.Add(FaultRule{Kind: FaultLatency, Latency: lat, Count: 1}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if r := e.do("GET", "/v1/caches", nil, bearer("tok-all")); r.status != 200 {
		t.Fatalf("status %d", r.status)
	}
	if el := time.Since(start); el < lat {
		t.Errorf("request took %v, want >= %v", el, lat)
	}
	if n := len(e.faults.Rules()); n != 0 {
		t.Errorf("a used-up rule remains: %d", n)
	}

	// Count 0: until cleared. Two rules add up.
	e.faults.Add(FaultRule{Kind: FaultLatency, Latency: 50 * time.Millisecond})
	e.faults.Add(FaultRule{Kind: FaultLatency, Latency: 50 * time.Millisecond})
	for range 2 {
		start = time.Now()
		e.do("GET", "/v1/caches", nil, bearer("tok-all"))
		if el := time.Since(start); el < 100*time.Millisecond {
			t.Errorf("request took %v, want >= 100ms", el)
		}
	}
	e.faults.Clear()
	if n := len(e.faults.Rules()); n != 0 {
		t.Errorf("Clear left %d rules", n)
	}
}

func TestFaultErrorsThenSuccess(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, RedisSettings{})
	if err := e.faults.Add(FaultRule{Kind: FaultError, Count: 2, Status: 502}); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		r := e.do("POST", "/v1/caches", validCache(), bearer("tok-all"))
		polyErr(t, r, 502) // PolyScale's format on /v1
		if rules := e.faults.Rules(); i == 0 && (len(rules) != 1 || rules[0].Count != 1) {
			t.Errorf("after one use: %+v", rules)
		}
	}
	if r := e.do("POST", "/v1/caches", validCache(), bearer("tok-all")); r.status != 201 {
		t.Fatalf("third request: %d %s", r.status, r.body)
	}
	if n := e.counters.Snapshot().Creates; n != 1 {
		t.Errorf("failed requests must not run the handler: Creates = %d", n)
	}

	// Default status 503; Upstash paths get a plain string.
	e.faults.Add(FaultRule{Kind: FaultError})
	upErr(t, e.do("GET", "/v2/redis/databases", nil, nil), 503)
	if r := e.do("GET", "/v2/redis/databases", nil, nil); r.status != 401 {
		t.Errorf("rule should be used up: %d", r.status)
	}
}

func TestFault429(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, RedisSettings{})
	e.faults.Add(FaultRule{Kind: Fault429, Count: 1, RetryAfter: "7"})
	r := e.do("POST", "/apikey", `{"name":"x"}`, bearer("up-tok"))
	upErr(t, r, 429)
	if ra := r.header.Get("Retry-After"); ra != "7" {
		t.Errorf("Retry-After = %q", ra)
	}
	if n := e.counters.Snapshot().APIKeysMinted; n != 0 {
		t.Errorf("a 429 must not run the handler")
	}
	e.faults.Add(FaultRule{Kind: Fault429})
	r = e.do("GET", "/v1/caches", nil, bearer("tok-all"))
	polyErr(t, r, 429)
	if ra := r.header.Get("Retry-After"); ra != "1" {
		t.Errorf("default Retry-After = %q, want 1", ra)
	}
	date := time.Now().Add(time.Minute).UTC().Format(http.TimeFormat)
	if err := e.faults.Add(FaultRule{Kind: Fault429, RetryAfter: date}); err != nil {
		t.Errorf("HTTP-date Retry-After refused: %v", err)
	}
	if r := e.do("GET", "/v1/caches", nil, bearer("tok-all")); r.header.Get("Retry-After") != date {
		t.Errorf("Retry-After = %q", r.header.Get("Retry-After"))
	}
}

func TestFaultDropAfterCreate(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, RedisSettings{})
	e.faults.Add(FaultRule{Kind: FaultDropAfterCreate, Count: 1})

	// Reads and failed creates do not use the rule up.
	if r := e.do("GET", "/v1/caches", nil, bearer("tok-all")); r.status != 200 {
		t.Fatalf("GET: %d", r.status)
	}
	polyErr(t, e.do("POST", "/v1/caches", `{"name":""}`, bearer("tok-all")), 400)
	if n := len(e.faults.Rules()); n != 1 {
		t.Fatalf("rule used up early: %d left", n)
	}

	_, err := e.try("POST", "/v1/caches", validCache(), bearer("tok-all"))
	if err == nil {
		t.Fatal("client got a response; want a connection error")
	}
	var list []Cache
	e.do("GET", "/v1/caches", nil, bearer("tok-all")).json(t, &list)
	if len(list) != 1 {
		t.Fatalf("the create must have happened: %d caches", len(list))
	}
	if n := e.counters.Snapshot().Creates; n != 1 {
		t.Errorf("Creates = %d, want 1", n)
	}
	if n := len(e.faults.Rules()); n != 0 {
		t.Errorf("rule not used up")
	}
	if r := e.do("POST", "/v1/caches", validCache(), bearer("tok-all")); r.status != 201 {
		t.Errorf("next create: %d", r.status)
	}

	// Upstash: the database exists although the client saw no answer.
	auth := basicAuth(e.acct.Email, e.mintKey("k"))
	e.faults.Add(FaultRule{Kind: FaultDropAfterCreate, PathPrefix: "/v2/"})
	if _, err := e.try("POST", "/v2/redis/database", validDB(), auth); err == nil {
		t.Fatal("want a connection error")
	}
	var dbs []Database
	e.do("GET", "/v2/redis/databases", nil, auth).json(t, &dbs)
	if len(dbs) != 1 || e.counters.Snapshot().Creates != 3 {
		t.Errorf("databases = %d, creates = %d", len(dbs), e.counters.Snapshot().Creates)
	}
}

func TestFaultFilters(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, RedisSettings{})
	e.faults.Add(FaultRule{Kind: FaultError, Count: 5, Method: "post", PathPrefix: "/v2/"})
	if r := e.do("GET", "/v2/redis/databases", nil, nil); r.status != 401 {
		t.Errorf("GET matched a POST rule: %d", r.status)
	}
	if r := e.do("POST", "/v1/caches", validCache(), bearer("tok-all")); r.status != 201 {
		t.Errorf("/v1 matched a /v2/ rule: %d", r.status)
	}
	upErr(t, e.do("POST", "/v2/redis/database", "{}", nil), 503)

	// The first matching non-latency rule acts; later ones keep their count.
	e.faults.Clear()
	e.faults.Add(FaultRule{Kind: FaultError, Status: 500})
	e.faults.Add(FaultRule{Kind: Fault429})
	polyErr(t, e.do("GET", "/v1/caches", nil, bearer("tok-all")), 500)
	polyErr(t, e.do("GET", "/v1/caches", nil, bearer("tok-all")), 429)
	if r := e.do("GET", "/v1/caches", nil, bearer("tok-all")); r.status != 200 {
		t.Errorf("after both rules: %d", r.status)
	}
}

func TestFaultsConcurrentCount(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, RedisSettings{})
	e.faults.Add(FaultRule{Kind: FaultError, Count: 5})
	var failed atomic.Int32
	var wg sync.WaitGroup
	for range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := e.try("GET", "/v1/caches", nil, bearer("tok-all"))
			if err != nil {
				t.Error(err)
				return
			}
			if r.status == 503 {
				failed.Add(1)
			}
		}()
	}
	wg.Wait()
	if n := failed.Load(); n != 5 {
		t.Errorf("%d requests failed, want exactly 5", n)
	}
}

func TestFaultRuleValidationAndJSON(t *testing.T) {
	t.Parallel()
	var f Faults
	for _, r := range []FaultRule{
		{Kind: "explode"},
		{Kind: FaultError, Status: 404},
		{Kind: FaultError, Status: 429},
		{Kind: Fault429, RetryAfter: "soon"},
		{Kind: Fault429, RetryAfter: "-1"},
		{Kind: FaultLatency},
		{Kind: FaultLatency, Latency: -time.Second},
		{Kind: FaultError, Count: -1},
		{Kind: FaultError, PathPrefix: "v1"},
	} {
		if err := f.Add(r); err == nil {
			t.Errorf("Add(%+v) accepted", r)
		}
	}
	if len(f.Rules()) != 0 {
		t.Fatal("invalid rules were added")
	}

	var r FaultRule
	if err := json.Unmarshal([]byte(`{"kind":"latency","latency":"200ms","method":"GET","path_prefix":"/v1/"}`), &r); err != nil {
		t.Fatal(err)
	}
	if r.Latency != 200*time.Millisecond || r.Method != "GET" || r.PathPrefix != "/v1/" {
		t.Fatalf("decoded %+v", r)
	}
	b, _ := json.Marshal(r)
	if !strings.Contains(string(b), `"latency":"200ms"`) {
		t.Errorf("encoded %s", b)
	}
	var back FaultRule
	if err := json.Unmarshal(b, &back); err != nil || back != r {
		t.Errorf("round trip: %+v, %v", back, err)
	}
	if err := json.Unmarshal([]byte(`{"kind":"latency","latency":200}`), &r); err == nil {
		t.Error("a bare number latency is ambiguous and must be refused")
	}
	if err := json.Unmarshal([]byte(`{"kind":"latency","latency":"soon"}`), &r); err == nil {
		t.Error("bad duration accepted")
	}
}

func TestAdminEndpoints(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, RedisSettings{})
	// Faults never apply to /_sandbox.
	e.faults.Add(FaultRule{Kind: FaultError, Count: 100})
	e.faults.Add(FaultRule{Kind: FaultLatency, Latency: time.Hour})
	r := e.do("GET", "/_sandbox/faults", nil, nil)
	var rules []FaultRule
	r.json(t, &rules)
	if r.status != 200 || len(rules) != 2 || rules[0].Count != 100 || rules[1].Latency != time.Hour {
		t.Fatalf("list: %d %s", r.status, r.body)
	}
	if r := e.do("DELETE", "/_sandbox/faults", nil, nil); r.status != 204 {
		t.Fatalf("clear: %d", r.status)
	}
	if len(e.faults.Rules()) != 0 {
		t.Fatal("not cleared")
	}

	r = e.do("POST", "/_sandbox/faults", `{"kind":"error","count":1}`, nil)
	var added FaultRule
	r.json(t, &added)
	if r.status != 201 || added.Status != 503 || added.Count != 1 {
		t.Fatalf("add: %d %s", r.status, r.body)
	}
	for _, bad := range []string{`{"kind":"nope"}`, `{"kind":"latency","latency":"x"}`, `{`, `{"kind":"error","status":418}`} {
		if r := e.do("POST", "/_sandbox/faults", bad, nil); r.status != 400 || !strings.Contains(string(r.body), `"error"`) {
			t.Errorf("%s: %d %s", bad, r.status, r.body)
		}
	}
	polyErr(t, e.do("GET", "/v1/caches", nil, bearer("tok-all")), 503)

	id := e.createCache("tok-all")
	e.mintKey("k")
	var snap CounterSnapshot
	r = e.do("GET", "/_sandbox/counters", nil, nil)
	r.json(t, &snap)
	if snap.Creates != 1 || snap.APIKeysMinted != 1 || !strings.Contains(string(r.body), `"api_keys_minted"`) {
		t.Errorf("counters: %s", r.body)
	}
	var st StoreState
	r = e.do("GET", "/_sandbox/state", nil, nil)
	r.json(t, &st)
	if r.status != 200 || len(st.Caches) != 1 || st.Caches[0].ID != id || len(st.APIKeys) != 1 {
		t.Errorf("state: %s", r.body)
	}
}

// TestFaultRateFailsSomeRequestsUntilCleared: {"kind":"error","rate":0.5}
// flaps: each request fails with that probability, until the rule is cleared.
func TestFaultRateFailsSomeRequestsUntilCleared(t *testing.T) {
	t.Parallel()
	f := &Faults{}
	if err := f.Add(FaultRule{Kind: FaultError, Rate: 1.5}); err == nil {
		t.Fatal("a rate above 1 must be refused")
	}
	if err := f.Add(FaultRule{Kind: FaultError, Rate: 0.5}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(f.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
	})))
	defer srv.Close()
	failed := 0
	const n = 200
	for i := 0; i < n; i++ {
		resp, err := http.Get(srv.URL + "/v1/caches")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusServiceUnavailable {
			failed++
		}
	}
	// Binomial(200, 0.5): outside 50..150 happens with probability ~1e-12.
	if failed < 50 || failed > 150 {
		t.Fatalf("%d of %d requests failed with rate 0.5", failed, n)
	}
	f.Clear()
	resp, err := http.Get(srv.URL + "/v1/caches")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("after Clear: %s", resp.Status)
	}
}
