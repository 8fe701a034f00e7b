package output

import (
	"encoding/json"
	"testing"
	"time"
)

func TestTimesAreRFC3339SecondsInUTC(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, 6, 1, 14, 0, 0, 123456789, time.FixedZone("CEST", 2*3600))
	if got := FormatTime(at); got != "2025-06-01T12:00:00Z" {
		t.Errorf("FormatTime = %q", got)
	}
	if got := FormatTime(time.Time{}); got != "" {
		t.Errorf("FormatTime(zero) = %q", got)
	}
	if got := FormatUnix(1748779200); got != "2025-06-01T12:00:00Z" {
		t.Errorf("FormatUnix = %q", got)
	}
	for in, want := range map[string]string{
		"2025-06-01T12:00:00.987Z":  "2025-06-01T12:00:00Z",
		"2025-06-01T14:00:00+02:00": "2025-06-01T12:00:00Z",
		"2025-06-01T12:00:00Z":      "2025-06-01T12:00:00Z",
		"not a time":                "not a time",
		"":                          "",
	} {
		if got := NormalizeTime(in); got != want {
			t.Errorf("NormalizeTime(%q) = %q, want %q", in, got, want)
		}
	}
	b, err := json.Marshal(struct {
		At   *Time `json:"at,omitempty"`
		None *Time `json:"none,omitempty"`
	}{At: NewTime(at), None: NewTime(time.Time{})})
	if err != nil || string(b) != `{"at":"2025-06-01T12:00:00Z"}` {
		t.Errorf("JSON = %s, %v", b, err)
	}
}
