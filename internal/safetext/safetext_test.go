package safetext_test

import (
	"testing"
	"unicode/utf8"

	"github.com/cachelink/cachelink/internal/safetext"
)

func TestLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"shop", 0, "shop"},
		{"a\tb\nc", 0, "a b c"},                         // tabs and newlines would break tables and lines
		{"red\x1b[31m\u009b2J", 0, "red [31m 2J"},       // no escape sequence reaches the terminal
		{"aaaaaaaaaaaaaaaaaaaaaa", 10, "aaaaaaaaaa..."}, // bounded
		{"del\x7fnel\u0085end", 0, "del nel end"},       // DEL and the C1 NEL, which some terminals take for a newline
		{"csi\u009b31m\u009dosc", 0, "csi 31m osc"},     // C1 CSI and OSC, the one-byte forms of ESC [ and ESC ]
		{"line\u2028next\u2029para", 0, "line next para"},
		// Bidirectional overrides, isolates and marks would reorder the
		// rest of the line: "shop\u202Egpj.exe" shows as "shopexe.jpg".
		{"shop\u202egpj.exe", 0, "shopgpj.exe"},
		{"\u202aa\u202bb\u202cc\u202dd\u202ee", 0, "abcde"},
		{"\u2066a\u2067b\u2068c\u2069d", 0, "abcd"},
		{"a\u200eb\u200fc\u061cd", 0, "abcd"},
		{"名前\u202e", 0, "名前"},
		// Invalid UTF-8 becomes U+FFFD, byte by byte.
		{"a\xffb", 0, "a\ufffdb"},
		{"a\xe2\x80", 0, "a\ufffd\ufffd"},
		{"ok\ufffd", 0, "ok\ufffd"},
		// The cut never splits a character: "é" is 2 bytes, "€" 3, "😀" 4.
		{"aaaaaaaaaé", 10, "aaaaaaaaa..."},
		{"aaaaaaaaé", 10, "aaaaaaaaé"},
		{"aaaaaaaaéb", 10, "aaaaaaaaé..."},
		{"aaaaaaaa€", 10, "aaaaaaaa..."},
		{"aaaaaaa€b", 10, "aaaaaaa€..."},
		{"a😀😀😀", 10, "a😀😀..."},
		{"😀😀😀", 2, "..."},
		// The limit applies to what is printed, after the cleaning.
		{"ab\u202e\u202e\u202e\u202ecd", 4, "abcd"},
		{"a\xff\xff\xffb", 4, "a\ufffd..."},
	}
	for _, tt := range tests {
		got := safetext.Line(tt.in, tt.max)
		if got != tt.want {
			t.Errorf("Line(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
		if !utf8.ValidString(got) {
			t.Errorf("Line(%q, %d) = %q is not valid UTF-8", tt.in, tt.max, got)
		}
	}
}

func TestStripDropsWhatLineReplaces(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"no\x1b]0;pwned\x07 way", 300, "no]0;pwned way"},
		{"a\tb\nc\u0085d\u2028e", 0, "abcde"},
		{"shop\u202egpj.exe\xff", 0, "shopgpj.exe\ufffd"},
		{"access_denied_éé", 15, "access_denied_..."},
	}
	for _, tt := range tests {
		if got := safetext.Strip(tt.in, tt.max); got != tt.want {
			t.Errorf("Strip(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

// Whatever comes in, what goes out is valid UTF-8 with no control or
// bidirectional formatting character, and within the limit.
func FuzzLine(f *testing.F) {
	for _, s := range []string{"shop", "a\tb", "\x1b[2J", "\u202e", "\xff\xfe", "aaaaaaaaé😀"} {
		f.Add(s, 10)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		max %= 64
		got := safetext.Line(s, max)
		if !utf8.ValidString(got) {
			t.Fatalf("Line(%q, %d) = %q: invalid UTF-8", s, max, got)
		}
		if max > 0 && len(got) > max+len("...") {
			t.Fatalf("Line(%q, %d) = %q: %d bytes", s, max, got, len(got))
		}
		for _, r := range got {
			if r < 0x20 || (r >= 0x7f && r < 0xa0) || r == 0x2028 || r == 0x2029 ||
				(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x61c {
				t.Fatalf("Line(%q, %d) = %q keeps %U", s, max, got, r)
			}
		}
	})
}
