package clierr_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/cachelink/cachelink/internal/clierr"
)

func TestHintOf(t *testing.T) {
	t.Parallel()
	base := errors.New("the file is not valid JSON")
	hinted := clierr.Hinted(base, "Fix or remove it.")
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"plain", base, ""},
		{"Hinted", hinted, "Fix or remove it."},
		{"Hinted under fmt.Errorf", fmt.Errorf("reading: %w", hinted), "Fix or remove it."},
		{"Hinted under a kind without a hint", clierr.Wrap(clierr.Auth, hinted), "Fix or remove it."},
		{"the outer hint first", clierr.Wrap(clierr.Auth, hinted).WithHint("Log in again."), "Log in again."},
		{"in a join", errors.Join(base, hinted), "Fix or remove it."},
		{"WithHint", clierr.Usagef("bad").WithHint("Pass --yes."), "Pass --yes."},
	}
	for _, tt := range tests {
		if got := clierr.HintOf(tt.err); got != tt.want {
			t.Errorf("%s: HintOf = %q, want %q", tt.name, got, tt.want)
		}
	}
	// Hinted keeps the message, the chain and the kind.
	if hinted.Error() != base.Error() || !errors.Is(hinted, base) || clierr.KindOf(clierr.Wrap(clierr.NotFound, hinted)) != clierr.NotFound ||
		clierr.KindOf(hinted) != clierr.General {
		t.Errorf("Hinted changed the error: %v", hinted)
	}
	if clierr.Hinted(nil, "x") != nil {
		t.Error("Hinted(nil) is not nil")
	}
}
