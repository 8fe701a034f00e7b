package safetext_test

import (
	"testing"

	"github.com/cachelink/cachelink/internal/safetext"
)

func TestLine(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"shop", 0, "shop"},
		{"a\tb\nc", 0, "a b c"},                         // tabs and newlines would break tables and lines
		{"red\x1b[31m\u009b2J", 0, "red [31m 2J"},       // no escape sequence reaches the terminal
		{"aaaaaaaaaaaaaaaaaaaaaa", 10, "aaaaaaaaaa..."}, // bounded
	}
	for _, tt := range tests {
		if got := safetext.Line(tt.in, tt.max); got != tt.want {
			t.Errorf("Line(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}
