package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"
	"sync"
)

// MaxAPIKeys is how many Upstash Developer API keys one account may hold.
const MaxAPIKeys = 37

// Cache is a PolyScale cache, as the API returns it.
type Cache struct {
	ID                      string  `json:"id"`
	UserID                  string  `json:"userId"`
	WorkspaceID             string  `json:"workspaceId"`
	Name                    string  `json:"name"`
	Description             *string `json:"description,omitempty"`
	Host                    string  `json:"host"`
	Port                    int     `json:"port"`
	Database                string  `json:"database"`
	CachingEnabled          bool    `json:"cachingEnabled"`
	DefaultCachingBehaviour string  `json:"defaultCachingBehaviour"`
	CreatedAt               string  `json:"createdAt"`
	// ConnectionURITemplate is how clients connect through the edge, with
	// placeholders in brackets; PolyScale returns it on every cache.
	ConnectionURITemplate string `json:"connectionUriTemplate"`
}

// CacheRule is a PolyScale cache (TTL) rule.
type CacheRule struct {
	Key     string `json:"key"`
	Type    string `json:"type"`
	Value   *int64 `json:"value,omitempty"`
	CacheID string `json:"cacheId"`
	Name    string `json:"name,omitempty"`
}

// Database is an Upstash Redis database, as the Developer API returns it.
type Database struct {
	DatabaseID                string   `json:"database_id"`
	DatabaseName              string   `json:"database_name"`
	Region                    string   `json:"region"`
	PrimaryRegion             string   `json:"primary_region"`
	ReadRegions               []string `json:"read_regions"`
	Endpoint                  string   `json:"endpoint"`
	Port                      int      `json:"port"`
	Password                  string   `json:"password"`
	RestToken                 string   `json:"rest_token"`
	ReadOnlyRestToken         string   `json:"read_only_rest_token"`
	TLS                       bool     `json:"tls"`
	State                     string   `json:"state"`
	Type                      string   `json:"type"`
	CreationTime              int64    `json:"creation_time"`
	Eviction                  bool     `json:"eviction"`
	Budget                    int64    `json:"budget"`
	DBMaxClients              int      `json:"db_max_clients"`
	DBMaxRequestSize          int64    `json:"db_max_request_size"`
	DBDiskThreshold           int64    `json:"db_disk_threshold"`
	DBMaxEntrySize            int64    `json:"db_max_entry_size"`
	DBMemoryThreshold         int64    `json:"db_memory_threshold"`
	DBMaxCommandsPerSecond    int      `json:"db_max_commands_per_second"`
	DBMaxRequestPerSecondREST int      `json:"db_max_request_per_second_rest,omitempty"`
}

// APIKey is a minted Upstash Developer API key.
type APIKey struct {
	Name    string `json:"name"`
	Key     string `json:"api_key"`
	Email   string `json:"email"`
	Created int64  `json:"created"`
}

// StoreState is everything the store holds; it is the store's JSON form.
type StoreState struct {
	Caches     []Cache     `json:"caches"`
	CacheRules []CacheRule `json:"cache_rules"`
	Databases  []Database  `json:"databases"`
	APIKeys    []APIKey    `json:"api_keys"`
}

// Store holds the sandbox's state; safe for concurrent use.
type Store struct {
	mu       sync.Mutex
	acct     Account
	st       StoreState
	autoSave string
}

var (
	errNameTaken = errors.New("name taken")
	errKeyLimit  = errors.New("api key limit reached")
	errKeyTaken  = errors.New("rule key taken")
	errNotFound  = errors.New("not found")
)

// NewStore returns an empty store for acct.
func NewStore(acct Account) *Store {
	s := &Store{acct: acct}
	s.st.normalize()
	return s
}

// LoadStore reads a store saved with Save. A missing file gives an empty store.
func LoadStore(path string, acct Account) (*Store, error) {
	s := NewStore(acct)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &s.st); err != nil {
		return nil, fmt.Errorf("sandbox state %s: %w", path, err)
	}
	s.st.normalize()
	return s, nil
}

func (st *StoreState) normalize() {
	if st.Caches == nil {
		st.Caches = []Cache{}
	}
	for i := range st.Caches {
		if st.Caches[i].ConnectionURITemplate == "" {
			st.Caches[i].ConnectionURITemplate = connectionURITemplate(st.Caches[i])
		}
	}
	if st.CacheRules == nil {
		st.CacheRules = []CacheRule{}
	}
	if st.Databases == nil {
		st.Databases = []Database{}
	}
	for i := range st.Databases {
		if st.Databases[i].ReadRegions == nil {
			st.Databases[i].ReadRegions = []string{}
		}
	}
	if st.APIKeys == nil {
		st.APIKeys = []APIKey{}
	}
}

// Save writes the store as JSON to path atomically (a temporary file in the
// same directory, then a rename), with mode 0600.
func (s *Store) Save(path string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saveLocked(path)
}

func (s *Store) saveLocked(path string) error {
	b, err := json.MarshalIndent(&s.st, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	ok = true
	return nil
}

// SetAutoSave makes the store save itself to path after every mutation;
// "" turns that off. A failed automatic save is logged, not returned.
func (s *Store) SetAutoSave(path string) {
	s.mu.Lock()
	s.autoSave = path
	s.mu.Unlock()
}

// mutatedLocked is called, with mu held, after every change.
func (s *Store) mutatedLocked() {
	if s.autoSave == "" {
		return
	}
	if err := s.saveLocked(s.autoSave); err != nil {
		log.Printf("sandbox: saving state to %s: %v", s.autoSave, err)
	}
}

// State returns a deep copy of everything the store holds.
func (s *Store) State() StoreState {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out StoreState
	b, _ := json.Marshal(&s.st)
	_ = json.Unmarshal(b, &out)
	out.normalize()
	return out
}

// matching returns the items keep accepts, in order; none is an empty
// list, not nil (the API answers [], not null).
func matching[T any](items []T, keep func(*T) bool) []T {
	out := []T{}
	for i := range items {
		if keep(&items[i]) {
			out = append(out, items[i])
		}
	}
	return out
}

// at returns items[i], or the zero value and false when i is -1: an
// index lookup that found nothing.
func at[T any](items []T, i int) (T, bool) {
	if i < 0 {
		var zero T
		return zero, false
	}
	return items[i], true
}

// --- PolyScale caches ---

func (s *Store) listCaches(workspace string) []Cache {
	s.mu.Lock()
	defer s.mu.Unlock()
	return matching(s.st.Caches, func(c *Cache) bool { return c.WorkspaceID == workspace })
}

func (s *Store) getCache(workspace, id string) (Cache, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return at(s.st.Caches, s.cacheIndexLocked(workspace, id))
}

func (s *Store) cacheIndexLocked(workspace, id string) int {
	return slices.IndexFunc(s.st.Caches, func(c Cache) bool { return c.ID == id && c.WorkspaceID == workspace })
}

func (s *Store) addCache(c Cache) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.Caches = append(s.st.Caches, c)
	s.mutatedLocked()
}

// deleteCache removes a cache and its rules.
func (s *Store) deleteCache(workspace, id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.cacheIndexLocked(workspace, id)
	if i < 0 {
		return false
	}
	s.st.Caches = append(s.st.Caches[:i], s.st.Caches[i+1:]...)
	s.st.CacheRules = slices.DeleteFunc(s.st.CacheRules, func(r CacheRule) bool { return r.CacheID == id })
	s.mutatedLocked()
	return true
}

// --- PolyScale cache rules (the cache's existence is checked by the caller) ---

func (s *Store) listRules(cacheID string) []CacheRule {
	s.mu.Lock()
	defer s.mu.Unlock()
	return matching(s.st.CacheRules, func(r *CacheRule) bool { return r.CacheID == cacheID })
}

func (s *Store) ruleIndexLocked(cacheID, key string) int {
	return slices.IndexFunc(s.st.CacheRules, func(r CacheRule) bool { return r.CacheID == cacheID && r.Key == key })
}

func (s *Store) getRule(cacheID, key string) (CacheRule, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return at(s.st.CacheRules, s.ruleIndexLocked(cacheID, key))
}

// autoOrManual reports whether typ is AUTO or MANUAL: the two rules of a
// template that say who decides its caching, of which a key holds one.
func autoOrManual(typ string) bool { return typ == "AUTO" || typ == "MANUAL" }

// addRule adds r. A key holds one rule: an AUTO rule on a key that holds a
// MANUAL one (or a MANUAL on an AUTO) replaces it, as PolyScale switches
// the template; any other rule on a taken key is errKeyTaken.
func (s *Store) addRule(r CacheRule) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i := s.ruleIndexLocked(r.CacheID, r.Key); i >= 0 {
		old := s.st.CacheRules[i]
		if !autoOrManual(old.Type) || !autoOrManual(r.Type) || old.Type == r.Type {
			return errKeyTaken
		}
		if r.Name == "" {
			r.Name = old.Name
		}
		s.st.CacheRules[i] = r
		s.mutatedLocked()
		return nil
	}
	s.st.CacheRules = append(s.st.CacheRules, r)
	s.mutatedLocked()
	return nil
}

// updateRule applies fn to the rule; fn's error aborts the change.
func (s *Store) updateRule(cacheID, key string, fn func(*CacheRule) error) (CacheRule, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.ruleIndexLocked(cacheID, key)
	if i < 0 {
		return CacheRule{}, errNotFound
	}
	r := s.st.CacheRules[i]
	if err := fn(&r); err != nil {
		return CacheRule{}, err
	}
	s.st.CacheRules[i] = r
	s.mutatedLocked()
	return r, nil
}

func (s *Store) deleteRule(cacheID, typ, key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.ruleIndexLocked(cacheID, key)
	if i < 0 || s.st.CacheRules[i].Type != typ {
		return false
	}
	s.st.CacheRules = append(s.st.CacheRules[:i], s.st.CacheRules[i+1:]...)
	s.mutatedLocked()
	return true
}

// --- Upstash databases ---

func (s *Store) listDatabases() []Database {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Database, 0, len(s.st.Databases))
	for _, d := range s.st.Databases {
		d.ReadRegions = append([]string{}, d.ReadRegions...)
		out = append(out, d)
	}
	return out
}

func (s *Store) dbIndexLocked(id string) int {
	return slices.IndexFunc(s.st.Databases, func(d Database) bool { return d.DatabaseID == id })
}

func (s *Store) getDatabase(id string) (Database, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.dbIndexLocked(id)
	if i < 0 {
		return Database{}, false
	}
	d := s.st.Databases[i]
	d.ReadRegions = append([]string{}, d.ReadRegions...)
	return d, true
}

func (s *Store) addDatabase(d Database) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.Databases = append(s.st.Databases, d)
	s.mutatedLocked()
}

func (s *Store) updateDatabase(id string, fn func(*Database)) (Database, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.dbIndexLocked(id)
	if i < 0 {
		return Database{}, false
	}
	fn(&s.st.Databases[i])
	s.mutatedLocked()
	d := s.st.Databases[i]
	d.ReadRegions = append([]string{}, d.ReadRegions...)
	return d, true
}

func (s *Store) deleteDatabase(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.dbIndexLocked(id)
	if i < 0 {
		return false
	}
	s.st.Databases = append(s.st.Databases[:i], s.st.Databases[i+1:]...)
	s.mutatedLocked()
	return true
}

// --- Upstash API keys ---

func (s *Store) addAPIKey(k APIKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, e := range s.st.APIKeys {
		if e.Email != k.Email {
			continue
		}
		if e.Name == k.Name {
			return errNameTaken
		}
		n++
	}
	if n >= MaxAPIKeys {
		return errKeyLimit
	}
	s.st.APIKeys = append(s.st.APIKeys, k)
	s.mutatedLocked()
	return nil
}

// apiKeyValid reports whether key was minted for email (case-insensitive).
func (s *Store) apiKeyValid(email, key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.st.APIKeys {
		if equalFoldASCII(e.Email, email) && constantTimeEq(e.Key, key) {
			return true
		}
	}
	return false
}
