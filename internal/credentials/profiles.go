package credentials

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// The profile index: which profiles hold a login of which provider, so
// that `cachelink status` can list them all, since no keychain can be asked
// for its items. It is one empty file per login,
// Dir/profiles/<provider>/<profile>, written when a record is saved and
// removed when it is forgotten. It holds names only, never a secret; a
// marker whose record is gone (deleted with the keychain's own tool) is
// dropped by whoever finds the record missing. Files rather than one list,
// so that parallel processes need no lock to update it.
const profilesDir = "profiles"

// indexProfile notes that r's provider and profile hold a login. Best
// effort: the index only helps `status` list logins, so failing to write
// it never fails a save. Save calls it.
func (s *Store) indexProfile(r *Record) {
	if r == nil || checkNames(r.Provider, r.Profile) != nil {
		return
	}
	path := s.profileMarker(r.Provider, r.Profile)
	if _, err := os.Lstat(path); err == nil {
		return
	}
	if s.ensureDir() != nil {
		return
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o600)
	if err == nil {
		f.Close()
	}
}

// Unindex removes provider and profile from the index of profiles that
// hold a login: after `disconnect`, or when the record was found missing.
func (s *Store) Unindex(provider, profile string) {
	if checkNames(provider, profile) != nil {
		return
	}
	_ = os.Remove(s.profileMarker(provider, profile))
}

// Profiles returns, sorted, the profiles the index says hold a login of
// provider. The index can be behind: a profile listed may have lost its
// record (Load says ErrNotFound; call Unindex), and a login saved by a
// version of cachelink without the index is not listed until it is saved
// again.
func (s *Store) Profiles(provider string) ([]string, error) {
	if !namePattern().MatchString(provider) {
		return nil, fmt.Errorf("invalid provider name %q", provider)
	}
	entries, err := os.ReadDir(filepath.Join(s.dir, profilesDir, provider))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read the profile index: %w", err)
	}
	var out []string
	for _, e := range entries {
		if e.Type().IsRegular() && namePattern().MatchString(e.Name()) {
			out = append(out, e.Name())
		}
	}
	slices.Sort(out)
	return out, nil
}

func (s *Store) profileMarker(provider, profile string) string {
	return filepath.Join(s.dir, profilesDir, provider, profile)
}

// Notef writes one line for people where the store's warnings go
// (stderr), for code that holds the store but no output streams: a
// provider telling that it finishes a request after Ctrl-C, or which API
// key a login kept or replaced.
func (s *Store) Notef(format string, args ...any) {
	s.warn(fmt.Sprintf(format, args...))
}
