// Package uuid tells a resource id from a name: both providers identify
// caches and databases by UUID, and commands accept either. It is a hand
// check rather than a regexp so that nothing is compiled at start-up.
package uuid

// Is reports whether s has the 8-4-4-4-12 hexadecimal form of a UUID.
func Is(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}
