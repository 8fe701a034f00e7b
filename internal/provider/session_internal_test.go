package provider

import (
	"testing"

	"github.com/cachelink/cachelink/internal/credentials"
)

// The refresh grant's own bound is the tighter one: the store's
// MaxGrantWait (itself under the 30 s lock wait) is only a backstop.
func TestTheRefreshBoundStaysUnderTheStoresGrantWait(t *testing.T) {
	if refreshTimeout >= credentials.MaxGrantWait {
		t.Fatalf("refreshTimeout %s is not under credentials.MaxGrantWait %s", refreshTimeout, credentials.MaxGrantWait)
	}
}
