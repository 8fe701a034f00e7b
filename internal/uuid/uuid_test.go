package uuid_test

import (
	"testing"

	"github.com/cachelink/cachelink/internal/uuid"
)

func TestIs(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"11111111-2222-4333-8444-555555555555": true,
		"ABCDEF01-2222-4333-8444-555555555555": true,
		"11111111-2222-4333-8444-55555555555":  false,
		"11111111x2222-4333-8444-555555555555": false,
		"g1111111-2222-4333-8444-555555555555": false,
		"my-cache":                             false,
		"":                                     false,
	} {
		if got := uuid.Is(s); got != want {
			t.Errorf("Is(%q) = %v, want %v", s, got, want)
		}
	}
}
