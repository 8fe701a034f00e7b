package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// Upstash's regions.
var (
	UpstashPrimaryRegions = []string{
		"us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1",
		"eu-central-1", "eu-west-1", "eu-west-2", "sa-east-1", "ap-south-1",
		"ap-northeast-1", "ap-southeast-1", "ap-southeast-2", "af-south-1",
		"us-central1", "us-east4", "europe-west1", "asia-northeast1",
	}
	// UpstashReadRegions are the AWS regions except af-south-1.
	UpstashReadRegions = []string{
		"us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1",
		"eu-central-1", "eu-west-1", "eu-west-2", "sa-east-1", "ap-south-1",
		"ap-northeast-1", "ap-southeast-1", "ap-southeast-2",
	}
	// UpstashGCPRegions are the primary regions on GCP (Upstash's docs,
	// redis/features/globaldatabase.mdx); the others are on AWS.
	UpstashGCPRegions = []string{"us-central1", "us-east4", "europe-west1", "asia-northeast1"}
	// UpstashPlans are the values of a create's plan (the specification's
	// CreateDatabaseRequest.plan).
	UpstashPlans = []string{
		"free", "payg", "fixed_250mb", "fixed_1gb", "fixed_5gb", "fixed_10gb",
		"fixed_50gb", "fixed_100gb", "fixed_500gb",
	}
)

// upstashPlatform is the platform of a primary region: "aws" or "gcp".
func upstashPlatform(region string) string {
	if oneOf(region, UpstashGCPRegions) {
		return "gcp"
	}
	return "aws"
}

// upError writes Upstash's most common error form: a JSON-encoded string
// ("database not found").
func upError(w http.ResponseWriter, status int, msg string) {
	b, _ := json.Marshal(msg)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

type upstashAPI struct {
	cfg     APIConfig
	created atomic.Int64 // databases created, for RedisSettings.SlugEndpoints
}

// RegisterUpstashAPI serves Upstash's Developer API (POST /apikey with an
// OAuth Bearer token; /v2/redis/... with Basic EMAIL:API_KEY) on mux.
func RegisterUpstashAPI(mux *http.ServeMux, cfg APIConfig) {
	cfg.defaults()
	a := &upstashAPI{cfg: cfg}
	mux.HandleFunc("POST /apikey", a.mintKey)
	mux.HandleFunc("POST /v2/redis/database", a.basic(a.createDB))
	mux.HandleFunc("GET /v2/redis/databases", a.basic(a.listDBs))
	mux.HandleFunc("GET /v2/redis/database/{id}", a.basic(a.getDB))
	mux.HandleFunc("DELETE /v2/redis/database/{id}", a.basic(a.deleteDB))
	mux.HandleFunc("POST /v2/redis/reset-password/{id}", a.basic(a.resetPassword))
	mux.HandleFunc("POST /v2/redis/rename/{id}", a.basic(a.rename))
	mux.HandleFunc("/v2/", a.basic(func(w http.ResponseWriter, r *http.Request) {
		upError(w, http.StatusNotFound, "Not Found")
	}))
}

func (a *upstashAPI) mintKey(w http.ResponseWriter, r *http.Request) {
	tok, ok := bearerToken(r)
	if !ok || a.cfg.UpstashTokens == nil {
		upError(w, http.StatusUnauthorized, "Unauthorized")
		return
	}
	p, err := a.cfg.UpstashTokens.VerifyAccessToken(r.Context(), tok)
	if err != nil {
		upError(w, http.StatusUnauthorized, "Unauthorized")
		return
	}
	name, ok := decodeName(w, r, "api key name is required")
	if !ok {
		return
	}
	email := p.Email
	if email == "" {
		email = a.cfg.Account.Email
	}
	k := APIKey{Name: name, Key: newUUID(), Email: email, Created: time.Now().Unix()}
	switch err := a.cfg.Store.addAPIKey(k); {
	case errors.Is(err, errNameTaken):
		upError(w, http.StatusBadRequest, fmt.Sprintf("api key with name %s already exists", k.Name))
		return
	case errors.Is(err, errKeyLimit):
		upError(w, http.StatusBadRequest, fmt.Sprintf("you have reached the limit of %d api keys; delete one before creating another", MaxAPIKeys))
		return
	case err != nil:
		upError(w, http.StatusInternalServerError, err.Error())
		return
	}
	a.cfg.Counters.APIKeysMinted.Add(1)
	writeJSON(w, http.StatusOK, map[string]any{"api_key": k.Key, "name": k.Name, "created": k.Created})
}

// basic checks HTTP Basic EMAIL:API_KEY.
func (a *upstashAPI) basic(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		email, key, ok := r.BasicAuth()
		if !ok || !equalFoldASCII(email, a.cfg.Account.Email) || !a.cfg.Store.apiKeyValid(email, key) {
			w.Header().Set("WWW-Authenticate", `Basic realm="upstash"`)
			upError(w, http.StatusUnauthorized, "Unauthorized")
			return
		}
		h(w, r)
	}
}

// createDBBody is either shape of a create: the specification's
// (database_name, platform, primary_region, read_regions?, plan?, budget?,
// eviction?, tls?) or the older one (name or database_name, region
// "global", primary_region, ..., no platform); both fields are accepted
// together, as cachelink sends them.
type createDBBody struct {
	DatabaseName  *string  `json:"database_name"`
	Name          *string  `json:"name"` // legacy
	Platform      *string  `json:"platform"`
	Region        *string  `json:"region"` // legacy: "global"
	PrimaryRegion *string  `json:"primary_region"`
	Plan          *string  `json:"plan"`
	ReadRegions   []string `json:"read_regions"`
	TLS           *bool    `json:"tls"`
	Eviction      *bool    `json:"eviction"`
	Budget        *int64   `json:"budget"`
}

func validateRegions(primary string, reads []string) error {
	if primary == "" {
		return errors.New("primary_region is required for global databases")
	}
	if !oneOf(primary, UpstashPrimaryRegions) {
		return fmt.Errorf("invalid primary_region: %s", primary)
	}
	seen := map[string]bool{}
	for _, rr := range reads {
		switch {
		case !oneOf(rr, UpstashReadRegions):
			return fmt.Errorf("invalid read_region: %s", rr)
		case rr == primary:
			return fmt.Errorf("read region cannot be the same as primary region: %s", rr)
		case seen[rr]:
			return fmt.Errorf("duplicate read_region: %s", rr)
		}
		seen[rr] = true
	}
	return nil
}

var (
	slugAdjectives = []string{"sought", "brave", "calm", "eager", "fancy", "gentle", "happy", "jolly", "lucky", "noble", "quick", "witty"}
	slugAnimals    = []string{"mollusk", "otter", "badger", "falcon", "gecko", "heron", "koala", "lemur", "marten", "newt", "panda", "walrus"}
)

// fakeSlug is an endpoint as Upstash sometimes returns it: a bare slug
// such as beloved-stallion-58500, which clients complete with .upstash.io.
func fakeSlug() string {
	return fmt.Sprintf("%s-%s-%05d",
		slugAdjectives[randInt(int64(len(slugAdjectives)))],
		slugAnimals[randInt(int64(len(slugAnimals)))],
		10000+randInt(90000))
}

// slugNext reports whether the n-th database created (from 1) gets a bare
// slug: every 1/share-th one.
func slugNext(n int64, share float64) bool {
	if share <= 0 {
		return false
	}
	return int64(float64(n)*share) > int64(float64(n-1)*share)
}

func fakeEndpoint(primary string) string {
	prefix := "us1"
	if i := strings.IndexByte(primary, '-'); i > 0 {
		p := primary[:i]
		switch p {
		case "europe":
			p = "eu"
		case "asia":
			p = "ap"
		}
		if len(p) > 2 {
			p = p[:2]
		}
		prefix = fmt.Sprintf("%s%d", p, 1+randInt(3))
	}
	return fmt.Sprintf("%s-%s-%s-%05d.upstash.io", prefix,
		slugAdjectives[randInt(int64(len(slugAdjectives)))],
		slugAnimals[randInt(int64(len(slugAnimals)))],
		10000+randInt(90000))
}

func (a *upstashAPI) newSecrets(d *Database) {
	d.Password = a.cfg.Redis.Password
	if d.Password == "" {
		d.Password = randHex(16)
	}
	d.RestToken = "A" + randToken(48)
	d.ReadOnlyRestToken = "A" + randToken(48)
}

func (a *upstashAPI) createDB(w http.ResponseWriter, r *http.Request) {
	var b createDBBody
	if err := decodeJSON(r, &b, ""); err != nil {
		upError(w, http.StatusBadRequest, err.Error())
		return
	}
	name := ""
	if b.DatabaseName != nil {
		name = *b.DatabaseName
	} else if b.Name != nil {
		name = *b.Name
	}
	if strings.TrimSpace(name) == "" {
		upError(w, http.StatusBadRequest, "database_name is required")
		return
	}
	// The older shape names region "global"; a regional create is refused
	// with Upstash's wording. The specification's shape names platform
	// instead; a body with neither is neither shape.
	switch {
	case b.Region != nil && *b.Region != "global":
		upError(w, http.StatusBadRequest, "regional db creation is deprecated")
		return
	case b.Region == nil && b.Platform == nil:
		upError(w, http.StatusBadRequest, "platform is required: aws or gcp")
		return
	case b.Platform != nil && *b.Platform != "aws" && *b.Platform != "gcp":
		upError(w, http.StatusBadRequest, fmt.Sprintf("invalid platform: %s; must be aws or gcp", *b.Platform))
		return
	}
	primary := ""
	if b.PrimaryRegion != nil {
		primary = *b.PrimaryRegion
	}
	if err := validateRegions(primary, b.ReadRegions); err != nil {
		upError(w, http.StatusBadRequest, err.Error())
		return
	}
	platform := upstashPlatform(primary)
	if b.Platform != nil && *b.Platform != platform {
		upError(w, http.StatusBadRequest, fmt.Sprintf("primary_region %s is not available on platform %s", primary, *b.Platform))
		return
	}
	if platform != "aws" && len(b.ReadRegions) > 0 {
		upError(w, http.StatusBadRequest, fmt.Sprintf("read regions are only available for aws databases; %s is a %s region", primary, platform))
		return
	}
	if b.Plan != nil && !oneOf(*b.Plan, UpstashPlans) {
		upError(w, http.StatusBadRequest, fmt.Sprintf("invalid plan: %s", *b.Plan))
		return
	}
	// tls is ignored: it is always on (Terraform sends tls: false).
	if b.Budget != nil && *b.Budget < 0 {
		upError(w, http.StatusBadRequest, "budget must not be negative")
		return
	}
	d := Database{
		DatabaseID:             newUUID(),
		DatabaseName:           name,
		Region:                 "global",
		PrimaryRegion:          primary,
		ReadRegions:            append([]string{}, b.ReadRegions...),
		Endpoint:               a.cfg.Redis.Endpoint,
		Port:                   a.cfg.Redis.Port,
		TLS:                    true,
		State:                  "active",
		Type:                   "free",
		CreationTime:           time.Now().Unix(),
		DBMaxClients:           1000,
		DBMaxRequestSize:       10485760,
		DBDiskThreshold:        268435456,
		DBMaxEntrySize:         104857600,
		DBMemoryThreshold:      268435456,
		DBMaxCommandsPerSecond: 10000,
	}
	if d.Endpoint == "" {
		if slugNext(a.created.Add(1), a.cfg.Redis.SlugEndpoints) {
			d.Endpoint = fakeSlug()
		} else {
			d.Endpoint = fakeEndpoint(primary)
		}
	}
	if d.Port == 0 {
		d.Port = 6379
	}
	if b.Eviction != nil {
		d.Eviction = *b.Eviction
	}
	if b.Budget != nil {
		d.Budget = *b.Budget
		d.Type = "payg"
	}
	if b.Plan != nil {
		d.Type = *b.Plan
		if strings.HasPrefix(d.Type, "fixed_") {
			d.Type = "paid" // the Database object's type: free, payg, pro or paid (assumed for fixed plans)
		}
	}
	a.newSecrets(&d)
	a.cfg.Store.addDatabase(d)
	a.cfg.Counters.Creates.Add(1)
	writeJSON(w, http.StatusOK, d)
}

func (a *upstashAPI) listDBs(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, a.cfg.Store.listDatabases())
}

// dbNotFound is Upstash's answer for an unknown database id.
func dbNotFound(w http.ResponseWriter) {
	upError(w, http.StatusNotFound, "database not found")
}

func (a *upstashAPI) getDB(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	d, ok := a.cfg.Store.getDatabase(id)
	if !ok {
		dbNotFound(w)
		return
	}
	if r.URL.Query().Get("credentials") == "hide" {
		d.Password, d.RestToken, d.ReadOnlyRestToken = "", "", ""
	}
	writeJSON(w, http.StatusOK, d)
}

func (a *upstashAPI) deleteDB(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !a.cfg.Store.deleteDatabase(id) {
		dbNotFound(w)
		return
	}
	writeJSON(w, http.StatusOK, "OK")
}

func (a *upstashAPI) resetPassword(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	d, ok := a.cfg.Store.updateDatabase(id, a.newSecrets)
	if !ok {
		dbNotFound(w)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (a *upstashAPI) rename(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	name, ok := decodeName(w, r, "name is required")
	if !ok {
		return
	}
	d, ok := a.cfg.Store.updateDatabase(id, func(d *Database) { d.DatabaseName = name })
	if !ok {
		dbNotFound(w)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// decodeName reads a body {"name": ...} whose name must not be blank,
// answering 400 (missing, when it is blank) otherwise; ok is false when it
// answered.
func decodeName(w http.ResponseWriter, r *http.Request, missing string) (name string, ok bool) {
	var b struct {
		Name *string `json:"name"`
	}
	if err := decodeJSON(r, &b, ""); err != nil {
		upError(w, http.StatusBadRequest, err.Error())
		return "", false
	}
	if b.Name == nil || strings.TrimSpace(*b.Name) == "" {
		upError(w, http.StatusBadRequest, missing)
		return "", false
	}
	return *b.Name, true
}
