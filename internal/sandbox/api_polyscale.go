package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// PolyScale's scopes.
const (
	ScopeCachesRead      = "caches:read"
	ScopeCachesWrite     = "caches:write"
	ScopeCacheRulesRead  = "cacheRules:read"
	ScopeCacheRulesWrite = "cacheRules:write"
)

var (
	polyDatabases = []string{"postgres", "mysql", "mariadb", "mssql", "graphql"}
	polyBehaviour = []string{"autoCached", "uncached"}
	ruleTypes     = map[string]bool{"QUERY": true, "TEMPLATE": true, "TABLE": true, "AUTO": false, "MANUAL": false} // true: needs a value
)

// polyError writes PolyScale's error format:
// {"statusCode": 404, "code": "...", "error": "Not Found", "message": "..."}.
func polyError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{
		"statusCode": status,
		"code":       code,
		"error":      http.StatusText(status),
		"message":    msg,
	})
}

type polyAPI struct{ cfg APIConfig }

// RegisterPolyScaleAPI serves PolyScale's REST API (/v1/caches...) on mux.
func RegisterPolyScaleAPI(mux *http.ServeMux, cfg APIConfig) {
	cfg.defaults()
	a := &polyAPI{cfg: cfg}
	mux.HandleFunc("GET /v1/caches", a.auth(ScopeCachesRead, a.listCaches))
	mux.HandleFunc("POST /v1/caches", a.auth(ScopeCachesWrite, a.createCache))
	mux.HandleFunc("GET /v1/caches/{id}", a.auth(ScopeCachesRead, a.getCache))
	mux.HandleFunc("DELETE /v1/caches/{id}", a.auth(ScopeCachesWrite, a.deleteCache))
	mux.HandleFunc("PUT /v1/caches/{id}/purge", a.auth(ScopeCachesWrite, a.purgeCache))
	mux.HandleFunc("GET /v1/caches/{id}/cache-ttls", a.auth(ScopeCacheRulesRead, a.listRules))
	mux.HandleFunc("POST /v1/caches/{id}/cache-ttls", a.auth(ScopeCacheRulesWrite, a.createRule))
	mux.HandleFunc("GET /v1/caches/{id}/cache-ttls/{key}", a.auth(ScopeCacheRulesRead, a.getRule))
	mux.HandleFunc("PATCH /v1/caches/{id}/cache-ttls/{key}", a.auth(ScopeCacheRulesWrite, a.patchRule))
	mux.HandleFunc("DELETE /v1/caches/{id}/cache-ttls/{type}/{key}", a.auth(ScopeCacheRulesWrite, a.deleteRule))
	mux.HandleFunc("/v1/", func(w http.ResponseWriter, r *http.Request) {
		polyError(w, http.StatusNotFound, "ROUTE_NOT_FOUND", fmt.Sprintf("Route %s:%s not found", r.Method, r.URL.Path))
	})
}

type polyHandler func(w http.ResponseWriter, r *http.Request, p Principal)

// auth establishes the principal from the Bearer token (static API key or
// OAuth access token) and checks scope.
func (a *polyAPI) auth(scope string, h polyHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := bearerToken(r)
		if !ok {
			polyError(w, http.StatusUnauthorized, "UNAUTHORIZED", "missing bearer token in the Authorization header")
			return
		}
		var p Principal
		switch {
		case a.cfg.PolyScaleAPIKey != "" && constantTimeEq(tok, a.cfg.PolyScaleAPIKey):
			ws := ""
			if len(a.cfg.Account.Workspaces) > 0 {
				ws = a.cfg.Account.Workspaces[0]
			}
			p = Principal{AccountID: a.cfg.Account.ID, Email: a.cfg.Account.Email, Workspace: ws}
		case a.cfg.PolyScaleTokens != nil:
			var err error
			p, err = a.cfg.PolyScaleTokens.VerifyAccessToken(r.Context(), tok)
			if err != nil {
				polyError(w, http.StatusUnauthorized, "UNAUTHORIZED", "invalid or expired access token")
				return
			}
		default:
			polyError(w, http.StatusUnauthorized, "UNAUTHORIZED", "invalid or expired access token")
			return
		}
		if !p.HasScope(scope) {
			polyError(w, http.StatusForbidden, "INSUFFICIENT_SCOPE", fmt.Sprintf("the access token is missing the required scope %s", scope))
			return
		}
		if p.Workspace == "" {
			polyError(w, http.StatusForbidden, "NO_WORKSPACE", "the access token is not bound to a workspace")
			return
		}
		h(w, r, p)
	}
}

func badRequest(w http.ResponseWriter, msg string) {
	polyError(w, http.StatusBadRequest, "VALIDATION_ERROR", msg)
}

func cacheNotFound(w http.ResponseWriter, id string) {
	polyError(w, http.StatusNotFound, "CACHE_NOT_FOUND", fmt.Sprintf("cache %s not found", id))
}

func (a *polyAPI) listCaches(w http.ResponseWriter, r *http.Request, p Principal) {
	writeJSON(w, http.StatusOK, a.cfg.Store.listCaches(p.Workspace))
}

func (a *polyAPI) getCache(w http.ResponseWriter, r *http.Request, p Principal) {
	id := r.PathValue("id")
	c, ok := a.cfg.Store.getCache(p.Workspace, id)
	if !ok {
		cacheNotFound(w, id)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

type createCacheBody struct {
	Name                    *string         `json:"name"`
	Description             *string         `json:"description"`
	Host                    *string         `json:"host"`
	Port                    json.RawMessage `json:"port"`
	Database                *string         `json:"database"`
	CachingEnabled          *bool           `json:"cachingEnabled"`
	DefaultCachingBehaviour *string         `json:"defaultCachingBehaviour"`
}

func isNull(raw json.RawMessage) bool {
	t := strings.TrimSpace(string(raw))
	return t == "" || t == "null"
}

func oneOf(v string, list []string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

func (a *polyAPI) createCache(w http.ResponseWriter, r *http.Request, p Principal) {
	var b createCacheBody
	if err := decodeJSON(r, &b, ""); err != nil {
		badRequest(w, err.Error())
		return
	}
	var problems []string
	if b.Name == nil || strings.TrimSpace(*b.Name) == "" {
		problems = append(problems, "name must not be empty")
	}
	if b.Host == nil || strings.TrimSpace(*b.Host) == "" {
		problems = append(problems, "host must not be empty")
	}
	port, ok := jsonInt(b.Port)
	switch {
	case isNull(b.Port):
		problems = append(problems, "port is required")
	case !ok || port < 1 || port > 65535:
		problems = append(problems, "port must be an integer between 1 and 65535")
	}
	if b.Database == nil {
		problems = append(problems, "database is required")
	} else if !oneOf(*b.Database, polyDatabases) {
		problems = append(problems, fmt.Sprintf("database must be one of %s", strings.Join(polyDatabases, ", ")))
	}
	if b.CachingEnabled == nil {
		problems = append(problems, "cachingEnabled is required")
	}
	if b.DefaultCachingBehaviour == nil {
		problems = append(problems, "defaultCachingBehaviour is required")
	} else if !oneOf(*b.DefaultCachingBehaviour, polyBehaviour) {
		problems = append(problems, fmt.Sprintf("defaultCachingBehaviour must be one of %s", strings.Join(polyBehaviour, ", ")))
	}
	if len(problems) > 0 {
		badRequest(w, strings.Join(problems, "; "))
		return
	}
	c := Cache{
		ID:                      newUUID(),
		UserID:                  p.AccountID,
		WorkspaceID:             p.Workspace,
		Name:                    *b.Name,
		Description:             b.Description,
		Host:                    *b.Host,
		Port:                    int(port),
		Database:                *b.Database,
		CachingEnabled:          *b.CachingEnabled,
		DefaultCachingBehaviour: *b.DefaultCachingBehaviour,
		CreatedAt:               time.Now().UTC().Format(time.RFC3339),
	}
	c.ConnectionURITemplate = connectionURITemplate(c)
	a.cfg.Store.addCache(c)
	a.cfg.Counters.Creates.Add(1)
	writeJSON(w, http.StatusCreated, map[string]string{"id": c.ID})
}

// polyEdgeHost is the edge host the sandbox's connection URI templates name.
const polyEdgeHost = "psedge.global"

// connectionURITemplate is the connection URI PolyScale returns with a cache:
// the edge's host and port, the cache id where the database type carries it
// (application_name for PostgreSQL, a "<cache id>-" prefix on the user name
// for MySQL, MariaDB and SQL Server), and placeholders in brackets for what
// PolyScale does not know.
func connectionURITemplate(c Cache) string {
	switch c.Database {
	case "postgres":
		return fmt.Sprintf("postgres://[USERNAME]:[PASSWORD]@%s:5432/[DATABASE]?application_name=%s", polyEdgeHost, c.ID)
	case "mysql", "mariadb":
		return fmt.Sprintf("mysql://%s-[USERNAME]:[PASSWORD]@%s:3306/[DATABASE]", c.ID, polyEdgeHost)
	case "mssql":
		return fmt.Sprintf("sqlserver://%s-[USERNAME]:[PASSWORD]@%s:1433?database=[DATABASE]", c.ID, polyEdgeHost)
	}
	return fmt.Sprintf("https://%s/%s/graphql", polyEdgeHost, c.ID)
}

func (a *polyAPI) deleteCache(w http.ResponseWriter, r *http.Request, p Principal) {
	id := r.PathValue("id")
	if !a.cfg.Store.deleteCache(p.Workspace, id) {
		cacheNotFound(w, id)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *polyAPI) purgeCache(w http.ResponseWriter, r *http.Request, p Principal) {
	id := r.PathValue("id")
	var body map[string]any
	if err := decodeJSON(r, &body, "{}"); err != nil {
		badRequest(w, err.Error())
		return
	}
	if _, ok := a.cfg.Store.getCache(p.Workspace, id); !ok {
		cacheNotFound(w, id)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "message": "cache purged"})
}

// --- cache rules ---

// ruleCache checks that the path's cache exists in the principal's workspace.
func (a *polyAPI) ruleCache(w http.ResponseWriter, r *http.Request, p Principal) (string, bool) {
	id := r.PathValue("id")
	if _, ok := a.cfg.Store.getCache(p.Workspace, id); !ok {
		cacheNotFound(w, id)
		return "", false
	}
	return id, true
}

// rulePath is ruleCache for a route of one rule: the cache id and the
// rule's key.
func (a *polyAPI) rulePath(w http.ResponseWriter, r *http.Request, p Principal) (id, key string, ok bool) {
	id, ok = a.ruleCache(w, r, p)
	return id, r.PathValue("key"), ok
}

func ruleNotFound(w http.ResponseWriter, key string) {
	polyError(w, http.StatusNotFound, "CACHE_RULE_NOT_FOUND", fmt.Sprintf("cache rule %s not found", key))
}

func (a *polyAPI) listRules(w http.ResponseWriter, r *http.Request, p Principal) {
	id, ok := a.ruleCache(w, r, p)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, a.cfg.Store.listRules(id))
}

func (a *polyAPI) getRule(w http.ResponseWriter, r *http.Request, p Principal) {
	id, key, ok := a.rulePath(w, r, p)
	if !ok {
		return
	}
	rule, ok := a.cfg.Store.getRule(id, key)
	if !ok {
		ruleNotFound(w, key)
		return
	}
	writeJSON(w, http.StatusOK, rule)
}

// ttlValue validates a rule's TTL: a positive integer of seconds.
func ttlValue(raw json.RawMessage) (int64, error) {
	v, ok := jsonInt(raw)
	if !ok || v < 1 || v > 1<<31-1 {
		return 0, errors.New("value must be a positive integer number of seconds")
	}
	return v, nil
}

type ruleBody struct {
	Key   *string         `json:"key"`
	Type  *string         `json:"type"`
	Value json.RawMessage `json:"value"`
	Name  *string         `json:"name"`
	// CacheID is sent by PolyScale's own client; when given it must be
	// the cache of the path.
	CacheID *string `json:"cacheId"`
}

func (a *polyAPI) createRule(w http.ResponseWriter, r *http.Request, p Principal) {
	id, ok := a.ruleCache(w, r, p)
	if !ok {
		return
	}
	var b ruleBody
	if err := decodeJSON(r, &b, ""); err != nil {
		badRequest(w, err.Error())
		return
	}
	if b.CacheID != nil && *b.CacheID != id {
		badRequest(w, fmt.Sprintf("cacheId %s is not the cache of the path (%s)", *b.CacheID, id))
		return
	}
	if b.Type == nil {
		badRequest(w, "type is required")
		return
	}
	needsValue, known := ruleTypes[*b.Type]
	if !known {
		badRequest(w, "type must be one of QUERY, TEMPLATE, TABLE, AUTO, MANUAL")
		return
	}
	rule := CacheRule{Type: *b.Type, CacheID: id}
	switch {
	case needsValue && isNull(b.Value):
		badRequest(w, fmt.Sprintf("value is required for type %s", *b.Type))
		return
	case needsValue:
		v, err := ttlValue(b.Value)
		if err != nil {
			badRequest(w, err.Error())
			return
		}
		rule.Value = &v
	case !isNull(b.Value):
		badRequest(w, fmt.Sprintf("value is not allowed for type %s", *b.Type))
		return
	}
	if b.Name != nil {
		rule.Name = *b.Name
	}
	if b.Key != nil && *b.Key != "" {
		if strings.Contains(*b.Key, "/") {
			badRequest(w, "key must not contain '/'")
			return
		}
		rule.Key = *b.Key
	} else {
		rule.Key = newUUID()
	}
	if err := a.cfg.Store.addRule(rule); err != nil {
		polyError(w, http.StatusConflict, "CACHE_RULE_EXISTS", fmt.Sprintf("a cache rule with key %s already exists", rule.Key))
		return
	}
	writeJSON(w, http.StatusCreated, rule)
}

func (a *polyAPI) patchRule(w http.ResponseWriter, r *http.Request, p Principal) {
	id, key, ok := a.rulePath(w, r, p)
	if !ok {
		return
	}
	var b struct {
		Name  *string         `json:"name"`
		Value json.RawMessage `json:"value"`
	}
	if err := decodeJSON(r, &b, ""); err != nil {
		badRequest(w, err.Error())
		return
	}
	rule, err := a.cfg.Store.updateRule(id, key, func(rule *CacheRule) error {
		if !isNull(b.Value) {
			if !ruleTypes[rule.Type] {
				return fmt.Errorf("value is not allowed for type %s", rule.Type)
			}
			v, err := ttlValue(b.Value)
			if err != nil {
				return err
			}
			rule.Value = &v
		}
		if b.Name != nil {
			rule.Name = *b.Name
		}
		return nil
	})
	switch {
	case errors.Is(err, errNotFound):
		ruleNotFound(w, key)
	case err != nil:
		badRequest(w, err.Error())
	default:
		writeJSON(w, http.StatusOK, rule)
	}
}

func (a *polyAPI) deleteRule(w http.ResponseWriter, r *http.Request, p Principal) {
	id, key, ok := a.rulePath(w, r, p)
	if !ok {
		return
	}
	if !a.cfg.Store.deleteRule(id, r.PathValue("type"), key) {
		ruleNotFound(w, key)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
