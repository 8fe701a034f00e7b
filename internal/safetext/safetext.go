// Package safetext makes text that came from a provider safe to print: on
// one line, without tabs or terminal escape sequences, and bounded. A
// server's error message or a cache name must not be able to break a
// table, forge a line, or drive the terminal.
package safetext

import "strings"

// Line replaces every control character (C0, DEL and C1) with a space
// and, when max > 0, cuts the result to max bytes with "...".
func Line(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
	if max > 0 && len(s) > max {
		s = s[:max] + "..."
	}
	return s
}
