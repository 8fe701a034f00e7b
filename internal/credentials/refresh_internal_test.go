package credentials

import "testing"

// A grant is waited for (MaxGrantWait) for less time than other processes
// wait for the refresh lock (lockWait): they see its outcome, or its
// marker, before they give up.
func TestTheGrantWaitStaysUnderTheLockWait(t *testing.T) {
	if MaxGrantWait >= lockWait {
		t.Fatalf("MaxGrantWait %s is not under lockWait %s", MaxGrantWait, lockWait)
	}
}
