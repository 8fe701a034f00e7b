package sandbox

// Upstash Vector, Search and QStash of the Developer API, as the
// specification in Upstash's docs repository gives them
// (devops/developer-api/openapi.yml): the same Basic EMAIL:API_KEY as
// /v2/redis, errors as JSON strings. Their state lives in memory with the
// Store (it is not saved with Store.Save).

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// The specification's enums.
var (
	VectorRegions        = []string{"eu-west-1", "us-east-1", "us-central1"}
	SearchRegions        = []string{"eu-west-1", "us-central1"}
	vectorSimilarities   = []string{"COSINE", "EUCLIDEAN", "DOT_PRODUCT"}
	vectorPlans          = []string{"payg", "fixed", "paid"}
	searchPlans          = []string{"free", "payg", "fixed"}
	vectorIndexTypes     = []string{"DENSE", "SPARSE", "HYBRID"}
	vectorSparseModels   = []string{"BM25", "BGE_M3"}
	vectorEmbeddingModel = map[string]int{ // and the dimension each gives
		"BGE_SMALL_EN_V1_5": 384, "BGE_BASE_EN_V1_5": 768, "BGE_LARGE_EN_V1_5": 1024, "BGE_M3": 1024,
	}
)

// Index is a Vector or Search index as the sandbox holds and returns it
// (the specification's VectorIndex and SearchIndex).
type Index struct {
	CustomerID           string `json:"customer_id"`
	ID                   string `json:"id"`
	Name                 string `json:"name"`
	SimilarityFunction   string `json:"similarity_function,omitempty"`
	DimensionCount       int    `json:"dimension_count,omitempty"`
	EmbeddingModel       string `json:"embedding_model,omitempty"`
	SparseEmbeddingModel string `json:"sparse_embedding_model,omitempty"`
	IndexType            string `json:"index_type,omitempty"`
	Endpoint             string `json:"endpoint"`
	Token                string `json:"token"`
	ReadOnlyToken        string `json:"read_only_token"`
	Type                 string `json:"type"`
	Region               string `json:"region"`
	MaxVectorCount       int64  `json:"max_vector_count"`
	MaxDailyUpdates      int64  `json:"max_daily_updates"`
	MaxDailyQueries      int64  `json:"max_daily_queries"`
	CreationTime         int64  `json:"creation_time"`
}

// QStashUser is the account's QStash in one region (the specification's
// QStashUser, the fields cachelink reads and a few more).
type QStashUser struct {
	CustomerID        string `json:"customer_id"`
	ID                string `json:"id"`
	Token             string `json:"token"`
	ReadOnlyToken     string `json:"read_only_token"`
	Active            bool   `json:"active"`
	State             string `json:"state"`
	Type              string `json:"type"`
	Region            string `json:"region"`
	MaxRequestsPerDay int64  `json:"max_requests_per_day"`
	CreationTime      int64  `json:"creation_time"`
}

// kindState is what the sandbox holds of Vector, Search and QStash for one
// Store.
type kindState struct {
	mu      sync.Mutex
	indexes map[string][]Index // by kind: "vector", "search"
	qstash  []QStashUser
}

var kindStates sync.Map // *Store -> *kindState

func (s *Store) kinds() *kindState {
	v, _ := kindStates.LoadOrStore(s, &kindState{indexes: map[string][]Index{}})
	return v.(*kindState)
}

// Indexes are the indexes of kind ("vector" or "search") the sandbox holds.
func (s *Store) Indexes(kind string) []Index {
	k := s.kinds()
	k.mu.Lock()
	defer k.mu.Unlock()
	return slices.Clone(k.indexes[kind])
}

// QStashUsers are the account's QStash users; the first request makes the
// account's one (eu-central-1), as every Upstash account has QStash.
func (s *Store) QStashUsers() []QStashUser {
	k := s.kinds()
	k.mu.Lock()
	defer k.mu.Unlock()
	s.qstashLocked(k)
	return slices.Clone(k.qstash)
}

// AddQStashUser gives the account QStash in one more region.
func (s *Store) AddQStashUser(region string) QStashUser {
	k := s.kinds()
	k.mu.Lock()
	defer k.mu.Unlock()
	s.qstashLocked(k)
	u := newQStashUser(s.acct.Email, region)
	k.qstash = append(k.qstash, u)
	return u
}

func (s *Store) qstashLocked(k *kindState) {
	if k.qstash == nil {
		k.qstash = []QStashUser{newQStashUser(s.acct.Email, "eu-central-1")}
	}
}

func newQStashUser(email, region string) QStashUser {
	return QStashUser{CustomerID: email, ID: newUUID(), Token: qstashToken(), ReadOnlyToken: qstashToken(),
		Active: true, State: "active", Type: "free", Region: region, MaxRequestsPerDay: 1000, CreationTime: time.Now().Unix()}
}

func qstashToken() string { return "ey" + randToken(60) }

type kindsAPI struct {
	up    *upstashAPI
	store *Store
}

// RegisterUpstashKinds serves Vector (/v2/vector/index...), Search
// (/v2/search...) and QStash (/v2/qstash/...) on mux, with the auth of
// /v2/redis.
func RegisterUpstashKinds(mux *http.ServeMux, cfg APIConfig) {
	cfg.defaults()
	a := &kindsAPI{up: &upstashAPI{cfg: cfg}, store: cfg.Store}
	b := a.up.basic
	mux.HandleFunc("GET /v2/vector/index", b(a.list("vector")))
	mux.HandleFunc("POST /v2/vector/index", b(a.createVector))
	mux.HandleFunc("GET /v2/vector/index/{id}", b(a.get("vector")))
	mux.HandleFunc("DELETE /v2/vector/index/{id}", b(a.del("vector")))
	mux.HandleFunc("POST /v2/vector/index/{id}/reset-password", b(a.resetTokens("vector")))
	mux.HandleFunc("GET /v2/search", b(a.list("search")))
	mux.HandleFunc("POST /v2/search", b(a.createSearch))
	mux.HandleFunc("GET /v2/search/{id}", b(a.get("search")))
	mux.HandleFunc("DELETE /v2/search/{id}", b(a.del("search")))
	mux.HandleFunc("POST /v2/search/{id}/reset-password", b(a.resetTokens("search")))
	mux.HandleFunc("GET /v2/qstash/users", b(a.listQStash))
	mux.HandleFunc("GET /v2/qstash/user/{id}", b(a.getQStash))
	mux.HandleFunc("POST /v2/qstash/rotate-token/{id}", b(a.rotateQStash))
}

// jsonError answers an error as Upstash does: a JSON string.
func jsonError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, msg)
}

type createIndexBody struct {
	Name                 *string `json:"name"`
	Region               *string `json:"region"`
	SimilarityFunction   *string `json:"similarity_function"`
	DimensionCount       *int    `json:"dimension_count"`
	Type                 *string `json:"type"`
	EmbeddingModel       *string `json:"embedding_model"`
	IndexType            *string `json:"index_type"`
	SparseEmbeddingModel *string `json:"sparse_embedding_model"`
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// enumError is "" when v is one of allowed (or empty and optional).
func enumError(field, v string, required bool, allowed []string) string {
	switch {
	case v == "" && required:
		return field + " is required"
	case v == "" || slices.Contains(allowed, v):
		return ""
	}
	return fmt.Sprintf("invalid %s: %s; valid values: %s", field, v, strings.Join(allowed, ", "))
}

func (a *kindsAPI) createVector(w http.ResponseWriter, r *http.Request) {
	var b createIndexBody
	if err := decodeJSON(r, &b, ""); err != nil {
		jsonError(w, http.StatusBadRequest, err.Error())
		return
	}
	name := strings.TrimSpace(str(b.Name))
	dims := 0
	if b.DimensionCount != nil {
		dims = *b.DimensionCount
	}
	model, indexType := str(b.EmbeddingModel), str(b.IndexType)
	msg := ""
	switch {
	case name == "":
		msg = "name is required"
	default:
		for _, m := range []string{
			enumError("region", str(b.Region), true, VectorRegions),
			enumError("similarity_function", str(b.SimilarityFunction), true, vectorSimilarities),
			enumError("type", str(b.Type), false, vectorPlans),
			enumError("index_type", indexType, false, vectorIndexTypes),
			enumError("sparse_embedding_model", str(b.SparseEmbeddingModel), false, vectorSparseModels),
		} {
			if m != "" {
				msg = m
				break
			}
		}
	}
	if _, ok := vectorEmbeddingModel[model]; msg == "" && model != "" && !ok {
		msg = "invalid embedding_model: " + model
	}
	if d, ok := vectorEmbeddingModel[model]; msg == "" && ok && dims != d {
		msg = fmt.Sprintf("dimension_count must be %d for embedding_model %s", d, model)
	}
	if msg == "" && dims <= 0 && indexType != "SPARSE" {
		msg = "dimension_count must be a positive number"
	}
	if msg != "" {
		jsonError(w, http.StatusBadRequest, msg)
		return
	}
	typ := str(b.Type)
	if typ == "" {
		typ = "free"
	}
	ix := a.newIndex("vector", name, str(b.Region), typ)
	ix.SimilarityFunction, ix.DimensionCount = str(b.SimilarityFunction), dims
	ix.EmbeddingModel, ix.SparseEmbeddingModel, ix.IndexType = model, str(b.SparseEmbeddingModel), indexType
	if ix.IndexType == "" {
		ix.IndexType = "DENSE"
	}
	a.add("vector", ix)
	writeJSON(w, http.StatusOK, ix)
}

func (a *kindsAPI) createSearch(w http.ResponseWriter, r *http.Request) {
	var b createIndexBody
	if err := decodeJSON(r, &b, ""); err != nil {
		jsonError(w, http.StatusBadRequest, err.Error())
		return
	}
	name := strings.TrimSpace(str(b.Name))
	msg := ""
	if name == "" {
		msg = "name is required"
	} else if m := enumError("region", str(b.Region), true, SearchRegions); m != "" {
		msg = m
	} else if m := enumError("type", str(b.Type), true, searchPlans); m != "" {
		msg = m
	}
	if msg != "" {
		jsonError(w, http.StatusBadRequest, msg)
		return
	}
	ix := a.newIndex("search", name, str(b.Region), str(b.Type))
	a.add("search", ix)
	writeJSON(w, http.StatusOK, ix)
}

// newIndex is a new index; its endpoint is a bare slug, as in the
// specification's examples (glowing-baboon-15797-us1).
func (a *kindsAPI) newIndex(kind, name, region, typ string) Index {
	loc := "us1"
	switch region {
	case "eu-west-1":
		loc = "eu1"
	case "us-central1":
		loc = "gcp-usc1"
	}
	slug := fmt.Sprintf("%s-%s-%05d-%s", slugAdjectives[randInt(int64(len(slugAdjectives)))],
		slugAnimals[randInt(int64(len(slugAnimals)))], 10000+randInt(90000), loc)
	ix := Index{CustomerID: a.up.cfg.Account.Email, ID: newUUID(), Name: name, Endpoint: slug, Type: typ, Region: region,
		MaxVectorCount: 200000, MaxDailyUpdates: 10000, MaxDailyQueries: 10000, CreationTime: time.Now().Unix()}
	newIndexTokens(&ix)
	return ix
}

func newIndexTokens(ix *Index) {
	ix.Token, ix.ReadOnlyToken = "AB"+randToken(64), "AB"+randToken(64)
}

func (a *kindsAPI) add(kind string, ix Index) {
	k := a.store.kinds()
	k.mu.Lock()
	k.indexes[kind] = append(k.indexes[kind], ix)
	k.mu.Unlock()
	a.up.cfg.Counters.Creates.Add(1)
}

func (a *kindsAPI) list(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		out := a.store.Indexes(kind)
		if out == nil {
			out = []Index{}
		}
		writeJSON(w, http.StatusOK, out)
	}
}

func indexNotFound(w http.ResponseWriter, kind string) {
	jsonError(w, http.StatusNotFound, kind+" index not found")
}

// update runs fn on the index of kind with id, under the lock.
func (a *kindsAPI) update(kind, id string, fn func(ix *Index, all *[]Index, i int)) bool {
	k := a.store.kinds()
	k.mu.Lock()
	defer k.mu.Unlock()
	all := k.indexes[kind]
	i := slices.IndexFunc(all, func(ix Index) bool { return ix.ID == id })
	if i < 0 {
		return false
	}
	fn(&all[i], &all, i)
	k.indexes[kind] = all
	return true
}

func (a *kindsAPI) get(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var out Index
		if !a.update(kind, r.PathValue("id"), func(ix *Index, _ *[]Index, _ int) { out = *ix }) {
			indexNotFound(w, kind)
			return
		}
		writeJSON(w, http.StatusOK, out)
	}
}

func (a *kindsAPI) del(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !a.update(kind, r.PathValue("id"), func(_ *Index, all *[]Index, i int) { *all = slices.Delete(*all, i, i+1) }) {
			indexNotFound(w, kind)
			return
		}
		writeJSON(w, http.StatusOK, "OK")
	}
}

func (a *kindsAPI) resetTokens(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !a.update(kind, r.PathValue("id"), func(ix *Index, _ *[]Index, _ int) { newIndexTokens(ix) }) {
			indexNotFound(w, kind)
			return
		}
		writeJSON(w, http.StatusOK, "OK")
	}
}

func (a *kindsAPI) listQStash(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, a.store.QStashUsers())
}

// qstashUser runs fn on the QStash user id, under the lock.
func (a *kindsAPI) qstashUser(id string, fn func(*QStashUser)) bool {
	k := a.store.kinds()
	k.mu.Lock()
	defer k.mu.Unlock()
	a.store.qstashLocked(k)
	i := slices.IndexFunc(k.qstash, func(u QStashUser) bool { return u.ID == id })
	if i < 0 {
		return false
	}
	fn(&k.qstash[i])
	return true
}

func (a *kindsAPI) getQStash(w http.ResponseWriter, r *http.Request) {
	var out QStashUser
	if !a.qstashUser(r.PathValue("id"), func(u *QStashUser) { out = *u }) {
		jsonError(w, http.StatusNotFound, "qstash user not found")
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *kindsAPI) rotateQStash(w http.ResponseWriter, r *http.Request) {
	var out QStashUser
	if !a.qstashUser(r.PathValue("id"), func(u *QStashUser) {
		u.Token, u.ReadOnlyToken = qstashToken(), qstashToken()
		out = *u
	}) {
		jsonError(w, http.StatusNotFound, "qstash user not found")
		return
	}
	writeJSON(w, http.StatusOK, out)
}
