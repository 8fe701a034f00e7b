package credentials

import "errors"

// probeUser is an item that never exists: reading it tells whether the
// keychain answers without touching any real item.
const probeUser = "cachelink-doctor:probe"

// Probe reports whether the keychain answers within the timeout: nil when
// it does (or in file mode, where it is not used), else an error wrapping
// ErrKeyringUnavailable.
func (s *Store) Probe() error {
	if s.kr == nil {
		return nil
	}
	_, err := s.kr.get(probeUser)
	if err == nil || errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}
