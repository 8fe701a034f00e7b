package credentials

import "time"

// SaveAsOf is Save as if it ran at t, for tests that need a record stored
// some time ago (Fresh derives a token's lifetime from when it was stored).
func SaveAsOf(s *Store, r *Record, t time.Time) (Source, error) { return s.save(r, t) }
