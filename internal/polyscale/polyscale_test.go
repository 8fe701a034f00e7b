package polyscale_test

import (
	"testing"

	"github.com/cachelink/cachelink/internal/polyscale"
)

func TestCheckScopes(t *testing.T) {
	if err := polyscale.CheckScopes([]string{"caches:read", "cacheRules:write"}); err != nil {
		t.Errorf("known scopes refused: %v", err)
	}
	if err := polyscale.CheckScopes([]string{"caches:admin"}); err == nil {
		t.Error("an unknown scope was accepted")
	}
}
