package cmdtest

// Faults and request counts at the sandbox, through its fault rules.

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/cachelink/cachelink/internal/sandbox"
)

// AddFault injects a failure into the sandbox (Sandbox.Faults.Add) and
// fails t if the sandbox refuses the rule.
func (e *Env) AddFault(t testing.TB, rule sandbox.FaultRule) {
	t.Helper()
	if err := e.Sandbox.Faults.Add(rule); err != nil {
		t.Fatal(err)
	}
}

// counterTag makes each CountRequests rule unique.
var counterTag atomic.Int64

// CountRequests counts the requests the sandbox receives from now on that
// match method and path prefix ("" matches any), OAuth included; the
// function it returns gives the count so far. The sandbox has no request
// log: the counter is a latency fault of a few nanoseconds, told apart
// from other rules by its latency, that counts itself down on every match.
// Faults.Clear removes it, and the function then fails t.
func (e *Env) CountRequests(t testing.TB, method, pathPrefix string) func() int {
	t.Helper()
	const budget = 1 << 20
	tag := time.Duration(counterTag.Add(1)) // the rule's latency tells it apart
	e.AddFault(t, sandbox.FaultRule{Kind: sandbox.FaultLatency, Latency: tag, Count: budget, Method: method, PathPrefix: pathPrefix})
	return func() int {
		for _, r := range e.Sandbox.Faults.Rules() {
			if r.Kind == sandbox.FaultLatency && r.Latency == tag {
				return budget - r.Count
			}
		}
		t.Fatal("the request counter was cleared or used up")
		return 0
	}
}
