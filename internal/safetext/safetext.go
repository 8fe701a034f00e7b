// Package safetext makes text that came from a provider safe to print: on
// one line, without tabs, terminal escape sequences or bidirectional
// overrides, valid UTF-8, and bounded. A server's error message or a cache
// name must not be able to break a table, forge a line, reorder what the
// terminal shows, or drive the terminal.
package safetext

import (
	"strings"
	"unicode/utf8"
)

// Line replaces every control character (C0, DEL and C1) and line or
// paragraph separator (U+2028, U+2029) with a space, drops the
// bidirectional formatting characters (see isBidi), and turns invalid
// UTF-8 into U+FFFD. When max > 0 and the result is longer than max
// bytes, it is cut to at most max bytes, never inside a character, and
// "..." is appended.
func Line(s string, max int) string { return clean(s, max, ' ') }

// Strip is Line, except that control characters and separators are
// dropped instead of becoming spaces.
func Strip(s string, max int) string { return clean(s, max, -1) }

// clean implements Line and Strip: control characters and separators
// become ctrl (dropped when it is negative).
func clean(s string, max int, ctrl rune) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s { // each invalid byte comes as utf8.RuneError, written as U+FFFD
		switch {
		case isControl(r):
			r = ctrl
		case isBidi(r):
			r = -1
		}
		if r >= 0 {
			b.WriteRune(r)
		}
	}
	out := b.String()
	if max > 0 && len(out) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(out[cut]) {
			cut--
		}
		out = out[:cut] + "..."
	}
	return out
}

// isControl reports whether r is a C0 control (tab and newline included),
// DEL, a C1 control (CSI U+009B, NEL U+0085, ...), or the Unicode line or
// paragraph separator.
func isControl(r rune) bool {
	return r < 0x20 || (r >= 0x7f && r < 0xa0) || r == '\u2028' || r == '\u2029'
}

// isBidi reports whether r is a bidirectional formatting character: the
// embeddings and overrides U+202A-U+202E, the isolates U+2066-U+2069, and
// the marks U+200E, U+200F and U+061C. They are invisible but reorder what
// follows them on the line ("Trojan Source").
func isBidi(r rune) bool {
	return (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') ||
		r == '\u200e' || r == '\u200f' || r == '\u061c'
}
