package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// late_answer: the create is carried out at once and its answer held back,
// as a provider that creates quickly and answers late; a client that gives
// up first has made the resource all the same.
func TestFaultLateAnswer(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, RedisSettings{})
	if err := e.faults.Add(FaultRule{Kind: FaultLateAnswer, Count: 1}); err == nil {
		t.Error("a late_answer rule without a latency was accepted")
	}
	e.faults.Add(FaultRule{Kind: FaultLateAnswer, Latency: time.Hour, Count: 1})

	// Reads do not use the rule up.
	if r := e.do("GET", "/v1/caches", nil, bearer("tok-all")); r.status != 200 {
		t.Fatalf("GET: %d", r.status)
	}

	// The client gives up once the cache exists: it got no answer.
	body, _ := json.Marshal(validCache())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, "POST", e.srv.URL+"/v1/caches", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		bearer("tok-all")(req)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	for len(e.store.State().Caches) == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; err == nil {
		t.Fatal("the client got an answer; want none before it gave up")
	}
	var list []Cache
	e.do("GET", "/v1/caches", nil, bearer("tok-all")).json(t, &list)
	if len(list) != 1 || e.counters.Snapshot().Creates != 1 {
		t.Fatalf("caches = %d, creates = %d; want the one create carried out", len(list), e.counters.Snapshot().Creates)
	}
	if n := len(e.faults.Rules()); n != 0 {
		t.Errorf("the rule was not used up: %d left", n)
	}

	// A client that waits long enough gets the answer.
	e.faults.Add(FaultRule{Kind: FaultLateAnswer, Latency: time.Millisecond, PathPrefix: "/v2/"})
	auth := basicAuth(e.acct.Email, e.mintKey("k"))
	if r := e.do("POST", "/v2/redis/database", validDB(), auth); r.status != 200 && r.status != 201 {
		t.Fatalf("late create: %d %s", r.status, r.body)
	}
}
