package editdist

import "testing"

func TestLevenshtein(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"json", "", 4},
		{"jsn", "json", 1},
		{"polyscal", "polyscale", 1},
		{"us-east-3", "us-east-1", 1},
		{"kitten", "sitting", 3},
		{"pölyscale", "polyscale", 1}, // runes, not bytes
	} {
		if got := Levenshtein(tc.a, tc.b); got != tc.want {
			t.Errorf("Levenshtein(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
