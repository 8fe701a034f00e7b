package output

import (
	"time"
)

// TimeLayout is how every time cachelink prints reads, in text and JSON:
// RFC 3339 in UTC, to the second ("2025-06-01T12:00:00Z").
const TimeLayout = time.RFC3339

// FormatTime is t in TimeLayout, in UTC and to the second; "" for the
// zero time.
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Truncate(time.Second).Format(TimeLayout)
}

// FormatUnix is a provider's Unix time in seconds, in TimeLayout; "" for 0.
func FormatUnix(sec int64) string {
	if sec <= 0 {
		return ""
	}
	return FormatTime(time.Unix(sec, 0))
}

// NormalizeTime is a time a provider sent as text, in TimeLayout when it
// is RFC 3339 (any fraction of a second and offset), else as it came.
func NormalizeTime(s string) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return FormatTime(t)
}

// Time is a time that marshals to JSON as FormatTime writes it (a
// time.Time marshals with nanoseconds). Its methods are time.Time's.
type Time struct{ time.Time }

// NewTime is t as a *Time; nil for the zero time, so that an omitempty
// field leaves it out.
func NewTime(t time.Time) *Time {
	if t.IsZero() {
		return nil
	}
	return &Time{t}
}

// MarshalJSON writes the time as a JSON string in TimeLayout.
func (t Time) MarshalJSON() ([]byte, error) {
	return []byte(`"` + FormatTime(t.Time) + `"`), nil
}

// String is FormatTime(t).
func (t Time) String() string { return FormatTime(t.Time) }
