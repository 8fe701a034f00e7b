package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"
)

// fakeTokens is a TokenVerifier over a fixed table of tokens.
type fakeTokens map[string]Principal

func (f fakeTokens) VerifyAccessToken(_ context.Context, tok string) (Principal, error) {
	p, ok := f[tok]
	if !ok {
		return Principal{}, ErrInvalidToken
	}
	return p, nil
}

var allPolyScopes = []string{ScopeCachesRead, ScopeCachesWrite, ScopeCacheRulesRead, ScopeCacheRulesWrite}

const staticKey = "ps-static-key-for-ci"

type testEnv struct {
	t        *testing.T
	srv      *httptest.Server
	acct     Account
	store    *Store
	counters *Counters
	faults   *Faults
}

func newTestEnv(t *testing.T, redis RedisSettings) *testEnv {
	t.Helper()
	acct := DefaultAccount()
	e := &testEnv{t: t, acct: acct, store: NewStore(acct), counters: &Counters{}, faults: &Faults{}}
	p := func(ws string, scopes ...string) Principal {
		return Principal{AccountID: acct.ID, Email: acct.Email, Workspace: ws, Scopes: append([]string{}, scopes...)} // never nil: nil means an API key
	}
	cfg := APIConfig{
		Account:         acct,
		Store:           e.store,
		Counters:        e.counters,
		PolyScaleAPIKey: staticKey,
		PolyScaleTokens: fakeTokens{
			"tok-all":       p("ws-personal", allPolyScopes...),
			"tok-read":      p("ws-personal", ScopeCachesRead),
			"tok-caches":    p("ws-personal", ScopeCachesRead, ScopeCachesWrite),
			"tok-rules-ro":  p("ws-personal", ScopeCachesRead, ScopeCacheRulesRead),
			"tok-team":      p("ws-team", allPolyScopes...),
			"tok-no-scopes": p("ws-personal"),
		},
		UpstashTokens: fakeTokens{"up-tok": {AccountID: acct.ID, Email: acct.Email, Scopes: []string{"offline_access"}}},
		Redis:         redis,
	}
	mux := http.NewServeMux()
	RegisterPolyScaleAPI(mux, cfg)
	RegisterUpstashAPI(mux, cfg)
	RegisterAdmin(mux, e.faults, e.counters, e.store)
	e.srv = httptest.NewServer(e.faults.Middleware(mux))
	t.Cleanup(e.srv.Close)
	return e
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("response %d is not JSON: %v: %s", r.status, err, r.body)
	}
}

func bearer(tok string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
}

func basicAuth(user, pass string) func(*http.Request) {
	return func(r *http.Request) { r.SetBasicAuth(user, pass) }
}

// do sends a request; body is a string (sent as is), nil, or a value sent as JSON.
func (e *testEnv) do(method, path string, body any, auth func(*http.Request)) resp {
	e.t.Helper()
	r, err := e.try(method, path, body, auth)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

func (e *testEnv) try(method, path string, body any, auth func(*http.Request)) (resp, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != nil {
		auth(req)
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		return resp{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return resp{}, err
	}
	return resp{res.StatusCode, res.Header, b}, nil
}

// polyErr asserts PolyScale's error format and returns the message.
func polyErr(t *testing.T, r resp, status int) string {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	var e struct {
		StatusCode int     `json:"statusCode"`
		Code       string  `json:"code"`
		Error      string  `json:"error"`
		Message    *string `json:"message"`
	}
	r.json(t, &e)
	if e.StatusCode != status || e.Error != http.StatusText(status) || e.Code == "" || e.Message == nil || *e.Message == "" {
		t.Fatalf("not PolyScale's error format: %s", r.body)
	}
	return *e.Message
}

// upErr asserts Upstash's error form, a JSON-encoded string ("database
// not found"), and returns the string.
func upErr(t *testing.T, r resp, status int) string {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var msg string
	if err := json.Unmarshal(r.body, &msg); err != nil || msg == "" {
		t.Fatalf("want a JSON-encoded string, got %q", r.body)
	}
	return msg
}

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func validCache() map[string]any {
	return map[string]any{
		"name": "shop", "description": "orders db", "host": "db.example.com", "port": 5432,
		"database": "postgres", "cachingEnabled": true, "defaultCachingBehaviour": "autoCached",
	}
}

func (e *testEnv) createCache(tok string) string {
	e.t.Helper()
	r := e.do("POST", "/v1/caches", validCache(), bearer(tok))
	if r.status != http.StatusCreated {
		e.t.Fatalf("create: %d %s", r.status, r.body)
	}
	var out struct{ ID string }
	r.json(e.t, &out)
	return out.ID
}

// --- PolyScale ---

func TestPolyScaleCacheLifecycle(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, RedisSettings{})
	r := e.do("POST", "/v1/caches", validCache(), bearer("tok-all"))
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var created map[string]any
	r.json(t, &created)
	id, _ := created["id"].(string)
	if !uuidV4.MatchString(id) || len(created) != 1 {
		t.Fatalf(`create must answer {"id": "<uuid v4>"}, got %s`, r.body)
	}

	r = e.do("GET", "/v1/caches/"+id, nil, bearer("tok-all"))
	if r.status != 200 {
		t.Fatalf("get: %d %s", r.status, r.body)
	}
	var raw map[string]any
	r.json(t, &raw)
	if _, isNum := raw["port"].(float64); !isNum {
		t.Errorf("port must be a JSON number: %s", r.body)
	}
	var c Cache
	r.json(t, &c)
	if c.ID != id || c.UserID != e.acct.ID || c.WorkspaceID != "ws-personal" || c.Name != "shop" ||
		c.Description == nil || *c.Description != "orders db" || c.Host != "db.example.com" || c.Port != 5432 ||
		c.Database != "postgres" || !c.CachingEnabled || c.DefaultCachingBehaviour != "autoCached" {
		t.Errorf("cache = %+v", c)
	}
	if _, err := time.Parse(time.RFC3339, c.CreatedAt); err != nil {
		t.Errorf("createdAt %q is not RFC 3339", c.CreatedAt)
	}

	r = e.do("GET", "/v1/caches", nil, bearer("tok-all"))
	var list []Cache
	r.json(t, &list)
	if r.status != 200 || len(list) != 1 || list[0].ID != id {
		t.Fatalf("list: %d %s", r.status, r.body)
	}

	r = e.do("PUT", "/v1/caches/"+id+"/purge", "{}", bearer("tok-all"))
	if r.status != 200 || !json.Valid(r.body) {
		t.Fatalf("purge: %d %s", r.status, r.body)
	}

	r = e.do("DELETE", "/v1/caches/"+id, nil, bearer("tok-all"))
	if r.status != http.StatusNoContent || len(r.body) != 0 {
		t.Fatalf("delete: %d %q", r.status, r.body)
	}
	polyErr(t, e.do("GET", "/v1/caches/"+id, nil, bearer("tok-all")), 404)
	polyErr(t, e.do("DELETE", "/v1/caches/"+id, nil, bearer("tok-all")), 404)
	polyErr(t, e.do("PUT", "/v1/caches/"+id+"/purge", "{}", bearer("tok-all")), 404)
	r = e.do("GET", "/v1/caches", nil, bearer("tok-all"))
	if strings.TrimSpace(string(r.body)) != "[]" {
		t.Errorf("empty list must be [], got %s", r.body)
	}
	if n := e.counters.Snapshot().Creates; n != 1 {
		t.Errorf("Creates = %d, want 1", n)
	}
}

func TestPolyScaleCreateValidation(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, RedisSettings{})
	with := func(k string, v any) map[string]any {
		b := validCache()
		if v == nil {
			delete(b, k)
		} else {
			b[k] = v
		}
		return b
	}
	cases := []struct {
		name string
		body any
		want string // in the message
	}{
		{"malformed JSON", `{"name": "x",`, "malformed JSON"},
		{"not an object", `[1,2]`, "JSON object"},
		{"empty body", ``, "empty"},
		{"no name", with("name", nil), "name"},
		{"empty name", with("name", "  "), "name"},
		{"name not a string", with("name", 7), "name"},
		{"no host", with("host", nil), "host"},
		{"empty host", with("host", ""), "host"},
		{"no port", with("port", nil), "port"},
		{"port 0", with("port", 0), "port"},
		{"port 65536", with("port", 65536), "port"},
		{"port fraction", with("port", 5432.5), "port"},
		{"port string", with("port", "5432"), "port"},
		{"no database", with("database", nil), "database"},
		{"unknown database", with("database", "oracle"), "database must be one of postgres, mysql, mariadb, mssql, graphql"},
		{"database case", with("database", "Postgres"), "database"},
		{"no cachingEnabled", with("cachingEnabled", nil), "cachingEnabled"},
		{"cachingEnabled string", with("cachingEnabled", "yes"), "cachingEnabled"},
		{"no behaviour", with("defaultCachingBehaviour", nil), "defaultCachingBehaviour"},
		{"American spelling", with("defaultCachingBehaviour", "autocached"), "defaultCachingBehaviour must be one of autoCached, uncached"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msg := polyErr(t, e.do("POST", "/v1/caches", c.body, bearer("tok-all")), 400)
			if !strings.Contains(msg, c.want) {
				t.Errorf("message %q does not mention %q", msg, c.want)
			}
		})
	}
	if n := e.counters.Snapshot().Creates; n != 0 {
		t.Fatalf("invalid creates counted: %d", n)
	}
	// Unknown fields are ignored; every database type and behaviour is accepted; ports 1 and 65535 are valid.
	for i, db := range polyDatabases {
		b := with("database", db)
		b["someFutureField"] = map[string]any{"x": 1}
		b["port"] = []int{1, 65535}[i%2]
		b["defaultCachingBehaviour"] = polyBehaviour[i%2]
		if r := e.do("POST", "/v1/caches", b, bearer("tok-all")); r.status != 201 {
			t.Errorf("%s: %d %s", db, r.status, r.body)
		}
	}
	// Duplicate names are allowed (PolyScale documents no uniqueness).
	if r := e.do("POST", "/v1/caches", validCache(), bearer("tok-all")); r.status != 201 {
		t.Errorf("duplicate name: %d %s", r.status, r.body)
	}
}

func TestPolyScaleAuth(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, RedisSettings{})
	polyErr(t, e.do("GET", "/v1/caches", nil, nil), 401)
	polyErr(t, e.do("GET", "/v1/caches", nil, bearer("nope")), 401)
	polyErr(t, e.do("GET", "/v1/caches", nil, basicAuth("a", "b")), 401)

	id := e.createCache("tok-all")
	scopeCases := []struct {
		tok, method, path string
		body              any
		scope             string
	}{
		{"tok-no-scopes", "GET", "/v1/caches", nil, "caches:read"},
		{"tok-no-scopes", "GET", "/v1/caches/" + id, nil, "caches:read"},
		{"tok-read", "POST", "/v1/caches", validCache(), "caches:write"},
		{"tok-read", "DELETE", "/v1/caches/" + id, nil, "caches:write"},
		{"tok-read", "PUT", "/v1/caches/" + id + "/purge", "{}", "caches:write"},
		{"tok-caches", "GET", "/v1/caches/" + id + "/cache-ttls", nil, "cacheRules:read"},
		{"tok-caches", "GET", "/v1/caches/" + id + "/cache-ttls/k", nil, "cacheRules:read"},
		{"tok-rules-ro", "POST", "/v1/caches/" + id + "/cache-ttls", `{"type":"AUTO"}`, "cacheRules:write"},
		{"tok-rules-ro", "PATCH", "/v1/caches/" + id + "/cache-ttls/k", `{"name":"n"}`, "cacheRules:write"},
		{"tok-rules-ro", "DELETE", "/v1/caches/" + id + "/cache-ttls/AUTO/k", nil, "cacheRules:write"},
	}
	for _, c := range scopeCases {
		msg := polyErr(t, e.do(c.method, c.path, c.body, bearer(c.tok)), 403)
		if !strings.Contains(msg, c.scope) {
			t.Errorf("%s %s: 403 message %q does not name %s", c.method, c.path, msg, c.scope)
		}
	}
	if r := e.do("GET", "/v1/caches/"+id, nil, bearer("tok-read")); r.status != 200 {
		t.Errorf("read token: %d", r.status)
	}
	// The static API key acts for the account's first workspace with every scope.
	r := e.do("GET", "/v1/caches/"+id, nil, bearer(staticKey))
	if r.status != 200 {
		t.Fatalf("static key: %d %s", r.status, r.body)
	}
	id2 := e.createCache(staticKey)
	c, _ := e.store.getCache("ws-personal", id2)
	if c.UserID != e.acct.ID {
		t.Errorf("static key cache = %+v", c)
	}
	// Case-insensitive scheme.
	r = e.do("GET", "/v1/caches", nil, func(r *http.Request) { r.Header.Set("Authorization", "bearer "+staticKey) })
	if r.status != 200 {
		t.Errorf("lower-case bearer: %d", r.status)
	}
	// Unknown /v1 routes answer in PolyScale's format.
	polyErr(t, e.do("GET", "/v1/nothing", nil, bearer("tok-all")), 404)
}

func TestPolyScaleWorkspaceIsolation(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, RedisSettings{})
	id := e.createCache("tok-all") // ws-personal
	teamID := e.createCache("tok-team")

	polyErr(t, e.do("GET", "/v1/caches/"+id, nil, bearer("tok-team")), 404)
	polyErr(t, e.do("DELETE", "/v1/caches/"+id, nil, bearer("tok-team")), 404)
	polyErr(t, e.do("PUT", "/v1/caches/"+id+"/purge", "{}", bearer("tok-team")), 404)
	polyErr(t, e.do("GET", "/v1/caches/"+id+"/cache-ttls", nil, bearer("tok-team")), 404)
	polyErr(t, e.do("POST", "/v1/caches/"+id+"/cache-ttls", `{"type":"AUTO"}`, bearer("tok-team")), 404)

	var list []Cache
	e.do("GET", "/v1/caches", nil, bearer("tok-team")).json(t, &list)
	if len(list) != 1 || list[0].ID != teamID || list[0].WorkspaceID != "ws-team" {
		t.Fatalf("team list = %+v", list)
	}
	e.do("GET", "/v1/caches", nil, bearer(staticKey)).json(t, &list)
	if len(list) != 1 || list[0].ID != id {
		t.Fatalf("static key (first workspace) list = %+v", list)
	}
	if _, ok := e.store.getCache("ws-personal", id); !ok {
		t.Fatal("a foreign workspace's DELETE removed the cache")
	}
}

func TestPolyScaleCacheRules(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, RedisSettings{})
	id := e.createCache("tok-all")
	base := "/v1/caches/" + id + "/cache-ttls"
	auth := bearer("tok-all")

	// Create: generated key, given key, no-value types.
	r := e.do("POST", base, `{"type":"QUERY","value":300,"name":"orders"}`, auth)
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var q CacheRule
	r.json(t, &q)
	if q.Key == "" || q.Type != "QUERY" || q.Value == nil || *q.Value != 300 || q.CacheID != id || q.Name != "orders" {
		t.Fatalf("rule = %s", r.body)
	}
	r = e.do("POST", base, `{"key":"users-table","type":"TABLE","value":60}`, auth)
	if r.status != 201 {
		t.Fatalf("create with key: %d %s", r.status, r.body)
	}
	r = e.do("POST", base, `{"key":"auto1","type":"AUTO"}`, auth)
	if r.status != 201 {
		t.Fatalf("create AUTO: %d %s", r.status, r.body)
	}
	var raw map[string]any
	r.json(t, &raw)
	if _, has := raw["value"]; has {
		t.Errorf("AUTO rule has a value: %s", r.body)
	}
	if _, has := raw["cacheId"]; !has {
		t.Errorf("rule lacks cacheId: %s", r.body)
	}

	bad := []struct{ body, want string }{
		{`{"type":"QUERY"}`, "value is required"},
		{`{"type":"TEMPLATE","value":0}`, "positive integer"},
		{`{"type":"TABLE","value":-5}`, "positive integer"},
		{`{"type":"QUERY","value":1.5}`, "positive integer"},
		{`{"type":"QUERY","value":"60"}`, "positive integer"},
		{`{"type":"MANUAL","value":60}`, "not allowed"},
		{`{"type":"query","value":60}`, "type must be one of"},
		{`{"value":60}`, "type is required"},
		{`{"type":`, "malformed"},
	}
	for _, b := range bad {
		if msg := polyErr(t, e.do("POST", base, b.body, auth), 400); !strings.Contains(msg, b.want) {
			t.Errorf("%s: message %q lacks %q", b.body, msg, b.want)
		}
	}
	polyErr(t, e.do("POST", base, `{"key":"users-table","type":"TABLE","value":5}`, auth), 409)

	var rules []CacheRule
	e.do("GET", base, nil, auth).json(t, &rules)
	if len(rules) != 3 {
		t.Fatalf("list = %+v", rules)
	}
	var got CacheRule
	e.do("GET", base+"/users-table", nil, auth).json(t, &got)
	if got.Key != "users-table" || *got.Value != 60 {
		t.Fatalf("get = %+v", got)
	}
	polyErr(t, e.do("GET", base+"/missing", nil, auth), 404)

	// PATCH name and value.
	r = e.do("PATCH", base+"/users-table", `{"name":"users","value":120}`, auth)
	r.json(t, &got)
	if r.status != 200 || got.Name != "users" || *got.Value != 120 || got.Type != "TABLE" {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	polyErr(t, e.do("PATCH", base+"/users-table", `{"value":0}`, auth), 400)
	polyErr(t, e.do("PATCH", base+"/auto1", `{"value":10}`, auth), 400)
	polyErr(t, e.do("PATCH", base+"/missing", `{"name":"x"}`, auth), 404)
	if r := e.do("PATCH", base+"/auto1", `{"name":"renamed"}`, auth); r.status != 200 {
		t.Errorf("patch name of AUTO: %d %s", r.status, r.body)
	}

	// DELETE .../{type}/{key}: the type must match.
	polyErr(t, e.do("DELETE", base+"/QUERY/users-table", nil, auth), 404)
	if r := e.do("DELETE", base+"/TABLE/users-table", nil, auth); r.status != 204 || len(r.body) != 0 {
		t.Fatalf("delete rule: %d %s", r.status, r.body)
	}
	polyErr(t, e.do("GET", base+"/users-table", nil, auth), 404)

	// Rules of an unknown cache, and rules go with their cache.
	polyErr(t, e.do("GET", "/v1/caches/00000000-0000-4000-8000-000000000000/cache-ttls", nil, auth), 404)
	e.do("DELETE", "/v1/caches/"+id, nil, auth)
	if n := len(e.store.State().CacheRules); n != 0 {
		t.Errorf("%d rules survived their cache", n)
	}
}

// --- Upstash ---

func (e *testEnv) mintKey(name string) string {
	e.t.Helper()
	r := e.do("POST", "/apikey", map[string]string{"name": name}, bearer("up-tok"))
	if r.status != 200 {
		e.t.Fatalf("mint: %d %s", r.status, r.body)
	}
	var out struct {
		APIKey string `json:"api_key"`
		Name   string `json:"name"`
	}
	r.json(e.t, &out)
	if len(out.APIKey) < 36 || out.Name != name {
		e.t.Fatalf("mint answer: %s", r.body)
	}
	return out.APIKey
}

func TestUpstashAPIKeys(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, RedisSettings{})
	upErr(t, e.do("POST", "/apikey", `{"name":"a"}`, nil), 401)
	upErr(t, e.do("POST", "/apikey", `{"name":"a"}`, bearer("bogus")), 401)
	upErr(t, e.do("POST", "/apikey", `{"name":"a"}`, bearer("tok-all")), 401) // a PolyScale token
	upErr(t, e.do("POST", "/apikey", `{"name":""}`, bearer("up-tok")), 400)
	upErr(t, e.do("POST", "/apikey", `{"name":`, bearer("up-tok")), 400)

	k1 := e.mintKey("cachelink_API_KEY_1")
	if msg := upErr(t, e.do("POST", "/apikey", `{"name":"cachelink_API_KEY_1"}`, bearer("up-tok")), 400); !strings.Contains(msg, "already exists") {
		t.Errorf("duplicate name message: %q", msg)
	}
	seen := map[string]bool{k1: true}
	for i := 2; i <= MaxAPIKeys; i++ {
		k := e.mintKey(fmt.Sprintf("cachelink_API_KEY_%d", i))
		if seen[k] {
			t.Fatal("minted the same key twice")
		}
		seen[k] = true
	}
	msg := upErr(t, e.do("POST", "/apikey", `{"name":"one-too-many"}`, bearer("up-tok")), 400)
	if !strings.Contains(msg, "37") || !strings.Contains(msg, "limit") {
		t.Errorf("limit message %q should state the limit of 37", msg)
	}
	if n := e.counters.Snapshot().APIKeysMinted; n != MaxAPIKeys {
		t.Errorf("APIKeysMinted = %d", n)
	}
	// Every minted key works with Basic auth.
	if r := e.do("GET", "/v2/redis/databases", nil, basicAuth(e.acct.Email, k1)); r.status != 200 {
		t.Errorf("minted key rejected: %d %s", r.status, r.body)
	}
}

func TestUpstashBasicAuth(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, RedisSettings{})
	key := e.mintKey("k")
	for name, auth := range map[string]func(*http.Request){
		"none":          nil,
		"wrong email":   basicAuth("other@example.com", key),
		"wrong key":     basicAuth(e.acct.Email, "not-a-key"),
		"empty key":     basicAuth(e.acct.Email, ""),
		"oauth bearer":  bearer("up-tok"),
		"key as bearer": bearer(key),
	} {
		t.Run(name, func(t *testing.T) {
			upErr(t, e.do("GET", "/v2/redis/databases", nil, auth), 401)
			upErr(t, e.do("POST", "/v2/redis/database", `{}`, auth), 401)
		})
	}
	if r := e.do("GET", "/v2/redis/databases", nil, basicAuth(strings.ToUpper(e.acct.Email), key)); r.status != 200 {
		t.Errorf("email case should not matter: %d", r.status)
	}
}

func validDB() map[string]any {
	return map[string]any{
		"database_name": "cachelink-redis", "region": "global", "primary_region": "eu-west-1",
		"read_regions": []string{"us-east-1"}, "tls": true,
	}
}

func TestUpstashDatabaseLifecycle(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, RedisSettings{})
	auth := basicAuth(e.acct.Email, e.mintKey("k"))

	r := e.do("POST", "/v2/redis/database", validDB(), auth)
	if r.status != 200 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var d Database
	r.json(t, &d)
	if !uuidV4.MatchString(d.DatabaseID) || d.DatabaseName != "cachelink-redis" || d.Region != "global" ||
		d.PrimaryRegion != "eu-west-1" || len(d.ReadRegions) != 1 || d.ReadRegions[0] != "us-east-1" ||
		!strings.HasSuffix(d.Endpoint, ".upstash.io") || d.Port != 6379 || len(d.Password) < 16 ||
		d.RestToken == "" || d.ReadOnlyRestToken == "" || d.RestToken == d.ReadOnlyRestToken || !d.TLS ||
		d.State != "active" || d.Type != "free" || d.DBMaxClients == 0 {
		t.Fatalf("database = %s", r.body)
	}
	if diff := time.Now().Unix() - d.CreationTime; diff < 0 || diff > 60 {
		t.Errorf("creation_time %d is not Unix seconds of now", d.CreationTime)
	}
	if !regexp.MustCompile(`^[a-z]{2}\d-[a-z]+-[a-z]+-\d{5}\.upstash\.io$`).MatchString(d.Endpoint) {
		t.Errorf("endpoint %q does not look like Upstash's", d.Endpoint)
	}

	// read_regions is [] (never null) when none are asked for; budget makes it pay-as-you-go; legacy "name".
	r = e.do("POST", "/v2/redis/database", `{"name":"legacy","region":"global","primary_region":"us-central1","tls":true,"budget":20,"eviction":true}`, auth)
	if r.status != 200 || !strings.Contains(string(r.body), `"read_regions":[]`) {
		t.Fatalf("legacy create: %d %s", r.status, r.body)
	}
	var d2 Database
	r.json(t, &d2)
	if d2.DatabaseName != "legacy" || d2.Type != "payg" || d2.Budget != 20 || !d2.Eviction {
		t.Errorf("legacy database = %s", r.body)
	}

	var list []Database
	e.do("GET", "/v2/redis/databases", nil, auth).json(t, &list)
	if len(list) != 2 {
		t.Fatalf("list = %d", len(list))
	}

	var got Database
	e.do("GET", "/v2/redis/database/"+d.DatabaseID, nil, auth).json(t, &got)
	if got.Password != d.Password || got.RestToken != d.RestToken {
		t.Errorf("get without hide should show secrets")
	}
	r = e.do("GET", "/v2/redis/database/"+d.DatabaseID+"?credentials=hide", nil, auth)
	r.json(t, &got)
	if r.status != 200 || got.Password != "" || got.RestToken != "" || got.ReadOnlyRestToken != "" || got.Endpoint != d.Endpoint {
		t.Errorf("credentials=hide: %s", r.body)
	}

	r = e.do("POST", "/v2/redis/reset-password/"+d.DatabaseID, nil, auth)
	r.json(t, &got)
	if r.status != 200 || got.Password == d.Password || got.RestToken == d.RestToken || got.ReadOnlyRestToken == d.ReadOnlyRestToken || got.DatabaseID != d.DatabaseID {
		t.Errorf("reset-password: %d %s", r.status, r.body)
	}

	r = e.do("POST", "/v2/redis/rename/"+d.DatabaseID, `{"name":"renamed"}`, auth)
	r.json(t, &got)
	if r.status != 200 || got.DatabaseName != "renamed" {
		t.Errorf("rename: %d %s", r.status, r.body)
	}
	upErr(t, e.do("POST", "/v2/redis/rename/"+d.DatabaseID, `{"name":""}`, auth), 400)

	r = e.do("DELETE", "/v2/redis/database/"+d.DatabaseID, nil, auth)
	if r.status != 200 || strings.TrimSpace(string(r.body)) != `"OK"` {
		t.Fatalf(`delete must answer the JSON string "OK": %d %s`, r.status, r.body)
	}
	for _, req := range [][2]string{
		{"GET", "/v2/redis/database/" + d.DatabaseID},
		{"DELETE", "/v2/redis/database/" + d.DatabaseID},
		{"POST", "/v2/redis/reset-password/" + d.DatabaseID},
	} {
		upErr(t, e.do(req[0], req[1], nil, auth), 404)
	}
	upErr(t, e.do("POST", "/v2/redis/rename/"+d.DatabaseID, `{"name":"x"}`, auth), 404)
	if n := e.counters.Snapshot().Creates; n != 2 {
		t.Errorf("Creates = %d, want 2", n)
	}
}

func TestUpstashCreateValidation(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, RedisSettings{})
	auth := basicAuth(e.acct.Email, e.mintKey("k"))
	with := func(k string, v any) map[string]any {
		b := validDB()
		if v == nil {
			delete(b, k)
		} else {
			b[k] = v
		}
		return b
	}
	cases := []struct {
		name string
		body any
		want string
	}{
		{"malformed", `{"database_name":`, "malformed"},
		{"no name", with("database_name", nil), "database_name is required"},
		{"regional", with("region", "us-east-1"), "regional db creation is deprecated"},
		{"neither region nor platform", with("region", nil), "platform is required"},
		{"bad platform", with("platform", "azure"), "invalid platform: azure"},
		{"platform mismatch", with("platform", "gcp"), "not available on platform gcp"},
		{"bad plan", with("plan", "fixed_2gb"), "invalid plan: fixed_2gb"},
		{"no primary", with("primary_region", nil), "primary_region is required"},
		{"bad primary", with("primary_region", "xx"), "invalid primary_region: xx"},
		{"af-south-1 read region", with("read_regions", []string{"af-south-1"}), "invalid read_region: af-south-1"},
		{"GCP read region", with("read_regions", []string{"us-central1"}), "invalid read_region: us-central1"},
		{"read equals primary", with("read_regions", []string{"eu-west-1"}), "same as primary"},
		{"duplicate read", with("read_regions", []string{"us-east-1", "us-east-1"}), "duplicate read_region"},
		{"budget string", with("budget", "20"), "budget"},
		{"negative budget", with("budget", -1), "budget"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if msg := upErr(t, e.do("POST", "/v2/redis/database", c.body, auth), 400); !strings.Contains(msg, c.want) {
				t.Errorf("message %q lacks %q", msg, c.want)
			}
		})
	}
	if n := e.counters.Snapshot().Creates; n != 0 {
		t.Errorf("invalid creates counted: %d", n)
	}
	// Every primary region is accepted; af-south-1 works as a primary.
	for _, p := range UpstashPrimaryRegions {
		b := with("primary_region", p)
		delete(b, "read_regions")
		if r := e.do("POST", "/v2/redis/database", b, auth); r.status != 200 {
			t.Errorf("primary %s: %d %s", p, r.status, r.body)
		}
	}
	// tls may be omitted, and false is ignored (it is always on; Terraform
	// sends false).
	for _, tls := range []any{nil, false} {
		r := e.do("POST", "/v2/redis/database", with("tls", tls), auth)
		var d Database
		if r.status != 200 {
			t.Errorf("tls %v: %d %s", tls, r.status, r.body)
		} else if r.json(t, &d); !d.TLS {
			t.Errorf("tls %v: the database has tls false", tls)
		}
	}
}

func TestUpstashRedisSettings(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, RedisSettings{Endpoint: "127.0.0.1", Port: 16379, Password: "fixed-pw"})
	auth := basicAuth(e.acct.Email, e.mintKey("k"))
	var d Database
	e.do("POST", "/v2/redis/database", validDB(), auth).json(t, &d)
	if d.Endpoint != "127.0.0.1" || d.Port != 16379 || d.Password != "fixed-pw" {
		t.Fatalf("database = %+v", d)
	}
	// The password of a real server cannot change; the REST tokens still rotate.
	var after Database
	e.do("POST", "/v2/redis/reset-password/"+d.DatabaseID, nil, auth).json(t, &after)
	if after.Password != "fixed-pw" || after.RestToken == d.RestToken {
		t.Errorf("reset with a fixed password: %+v", after)
	}
}
