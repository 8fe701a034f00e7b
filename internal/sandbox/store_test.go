package sandbox

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func populate(t *testing.T, s *Store) {
	t.Helper()
	desc := "d"
	s.addCache(Cache{ID: newUUID(), UserID: "u", WorkspaceID: "ws-personal", Name: "c", Description: &desc, Host: "h", Port: 5432, Database: "postgres", DefaultCachingBehaviour: "uncached", CreatedAt: "2025-01-01T00:00:00Z"})
	v := int64(30)
	if err := s.addRule(CacheRule{Key: "k", Type: "QUERY", Value: &v, CacheID: "c1"}); err != nil {
		t.Fatal(err)
	}
	s.addDatabase(Database{DatabaseID: newUUID(), DatabaseName: "r", Region: "global", PrimaryRegion: "eu-west-1", ReadRegions: []string{"us-east-1"}, Port: 6379, TLS: true})
	if err := s.addAPIKey(APIKey{Name: "n", Key: "secret", Email: "e@x"}); err != nil {
		t.Fatal(err)
	}
}

func TestStoreSaveLoadRoundTrip(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	// A pre-existing, too-open file is replaced by a 0600 one.
	if err := os.WriteFile(path, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := NewStore(DefaultAccount())
	populate(t, s)
	if err := s.Save(path); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	if b, _ := os.ReadFile(path); !json.Valid(b) {
		t.Fatal("saved file is not JSON")
	}

	loaded, err := LoadStore(path, DefaultAccount())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(loaded.State(), s.State()) {
		t.Errorf("round trip differs:\n%+v\n%+v", loaded.State(), s.State())
	}
	if !loaded.apiKeyValid("E@X", "secret") {
		t.Error("loaded API key does not authenticate")
	}
}

func TestLoadStoreMissingAndCorrupt(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s, err := LoadStore(filepath.Join(dir, "absent.json"), DefaultAccount())
	if err != nil {
		t.Fatal(err)
	}
	st := s.State()
	if len(st.Caches)+len(st.Databases)+len(st.APIKeys)+len(st.CacheRules) != 0 || st.Caches == nil || st.Databases == nil {
		t.Errorf("missing file: %+v", st)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte("{not json"), 0o600)
	if _, err := LoadStore(bad, DefaultAccount()); err == nil {
		t.Error("corrupt file accepted")
	}
	// Saving into a directory that does not exist fails cleanly.
	if err := s.Save(filepath.Join(dir, "no", "such", "dir", "s.json")); err == nil {
		t.Error("Save into a missing directory succeeded")
	}
}

func TestStoreAutoSave(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.json")
	s := NewStore(DefaultAccount())
	s.SetAutoSave(path)
	populate(t, s)
	loaded, err := LoadStore(path, DefaultAccount())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(loaded.State(), s.State()) {
		t.Fatal("auto-saved state differs")
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v", fi.Mode().Perm())
	}

	// Every kind of mutation saves.
	st := s.State()
	s.deleteDatabase(st.Databases[0].DatabaseID)
	if l, _ := LoadStore(path, DefaultAccount()); len(l.State().Databases) != 0 {
		t.Error("delete not saved")
	}

	s.SetAutoSave("")
	s.deleteCache("ws-personal", st.Caches[0].ID)
	if l, _ := LoadStore(path, DefaultAccount()); len(l.State().Caches) != 1 {
		t.Error("saved after auto-save was turned off")
	}
}

func TestStoreStateIsACopy(t *testing.T) {
	t.Parallel()
	s := NewStore(DefaultAccount())
	populate(t, s)
	st := s.State()
	st.Databases[0].ReadRegions[0] = "mutated"
	*st.Caches[0].Description = "mutated"
	again := s.State()
	if again.Databases[0].ReadRegions[0] != "us-east-1" || *again.Caches[0].Description != "d" {
		t.Error("State shares memory with the store")
	}
}
