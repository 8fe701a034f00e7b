package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Options configure a Sandbox. The zero value is a working sandbox with the
// default account and the clients cachelink's sandbox environment uses.
type Options struct {
	Account             Account       // zero: DefaultAccount()
	Clients             []Client      // nil: DefaultClients()
	AutoApprove         bool          // skip the consent pages
	AccessTokenLifetime time.Duration // both providers'; 0: each one's default (PolyScale 1 h, Upstash 172800 s)
	UpstashRefresh      RefreshPolicy // Upstash's refresh tokens; zero: rotation, no reuse interval (PolyScale's always rotate, as Hydra's)
	PolyScaleAPIKey     string        // a static PolyScale API key (CI mode); "" = none
	Redis               RedisSettings // what new Upstash databases point at
	StateFile           string        // keep state across restarts (JSON, atomic); "" = memory only
}

// Sandbox is both providers, ready to be served.
type Sandbox struct {
	Counters      *Counters
	Faults        *Faults
	Store         *Store
	PolyScaleAuth *AuthServer
	UpstashAuth   *AuthServer
	Account       Account
	Clients       []Client
	APIKey        string

	handler http.Handler
}

// New builds a sandbox.
func New(opts Options) (*Sandbox, error) {
	s := &Sandbox{Counters: &Counters{}, Faults: &Faults{}, Account: opts.Account, Clients: opts.Clients, APIKey: opts.PolyScaleAPIKey}
	if s.Account.ID == "" {
		s.Account = DefaultAccount()
	}
	if s.Clients == nil {
		s.Clients = DefaultClients()
	}
	var err error
	if opts.StateFile != "" {
		if s.Store, err = LoadStore(opts.StateFile, s.Account); err != nil {
			return nil, fmt.Errorf("sandbox state %s: %w", opts.StateFile, err)
		}
		s.Store.SetAutoSave(opts.StateFile)
	} else {
		s.Store = NewStore(s.Account)
	}
	authCfg := AuthConfig{
		Account:             s.Account,
		Clients:             s.Clients,
		AccessTokenLifetime: opts.AccessTokenLifetime,
		AutoApprove:         opts.AutoApprove,
		Counters:            s.Counters,
	}
	if s.PolyScaleAuth, err = NewPolyScaleAuth(authCfg); err != nil {
		return nil, err
	}
	upstashCfg := authCfg
	upstashCfg.Refresh = opts.UpstashRefresh
	if s.UpstashAuth, err = NewUpstashAuth(upstashCfg); err != nil {
		return nil, err
	}

	mux := http.NewServeMux()
	s.PolyScaleAuth.Register(mux)
	s.UpstashAuth.Register(mux)
	apiCfg := APIConfig{
		Account:         s.Account,
		Store:           s.Store,
		Counters:        s.Counters,
		PolyScaleAPIKey: opts.PolyScaleAPIKey,
		PolyScaleTokens: s.PolyScaleAuth,
		UpstashTokens:   s.UpstashAuth,
		Redis:           opts.Redis,
	}
	RegisterPolyScaleAPI(mux, apiCfg)
	RegisterUpstashAPI(mux, apiCfg)
	RegisterUpstashKinds(mux, apiCfg) // Vector, Search, QStash (api_vector.go)
	RegisterAdmin(mux, s.Faults, s.Counters, s.Store)
	mux.HandleFunc("POST /_sandbox/deny-next", s.handleDenyNext)
	mux.HandleFunc("POST /_sandbox/token-lifetime", s.handleTokenLifetime)
	s.handler = s.Faults.Middleware(mux)
	return s, nil
}

// Handler serves every path of both providers and the admin endpoints.
func (s *Sandbox) Handler() http.Handler { return s.handler }

func (s *Sandbox) auth(provider string) (*AuthServer, error) {
	switch provider {
	case "polyscale":
		return s.PolyScaleAuth, nil
	case "upstash":
		return s.UpstashAuth, nil
	}
	return nil, fmt.Errorf("unknown provider %q: polyscale or upstash", provider)
}

// handleDenyNext: POST /_sandbox/deny-next?provider=polyscale|upstash makes
// that provider's next authorization end with access_denied.
func (s *Sandbox) handleDenyNext(w http.ResponseWriter, r *http.Request) {
	a, err := s.auth(r.URL.Query().Get("provider"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	a.DenyNext()
	w.WriteHeader(http.StatusNoContent)
}

// handleTokenLifetime: POST /_sandbox/token-lifetime with
// {"provider": "polyscale", "lifetime": "2s"} shortens the access tokens
// issued from then on.
func (s *Sandbox) handleTokenLifetime(w http.ResponseWriter, r *http.Request) {
	var body struct{ Provider, Lifetime string }
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&body); err != nil {
		http.Error(w, "body must be JSON {\"provider\": ..., \"lifetime\": \"2s\"}", http.StatusBadRequest)
		return
	}
	a, err := s.auth(body.Provider)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	d, err := time.ParseDuration(body.Lifetime)
	if err != nil || d <= 0 {
		http.Error(w, "lifetime must be a positive Go duration such as 2s", http.StatusBadRequest)
		return
	}
	a.SetAccessTokenLifetime(d)
	w.WriteHeader(http.StatusNoContent)
}

// EnvVar is one variable of the environment that points cachelink at a
// sandbox.
type EnvVar struct{ Name, Value string }

// Env returns the environment that points cachelink at the sandbox served
// at baseURL (for example http://127.0.0.1:8085). edgeHost is written into
// PolyScale connection strings; "" keeps cachelink's default.
func (s *Sandbox) Env(baseURL, edgeHost string) []EnvVar {
	base := strings.TrimRight(baseURL, "/")
	env := []EnvVar{
		{"CACHELINK_POLYSCALE_API_URL", base},
		{"CACHELINK_POLYSCALE_AUTH_URL", base + "/oauth2/auth"},
		{"CACHELINK_POLYSCALE_TOKEN_URL", base + "/oauth2/token"},
		{"CACHELINK_POLYSCALE_REVOKE_URL", base + "/oauth2/revoke"},
		{"CACHELINK_UPSTASH_API_URL", base},
		{"CACHELINK_UPSTASH_AUTH_URL", base + "/authorize"},
		{"CACHELINK_UPSTASH_TOKEN_URL", base + "/oauth/token"},
		{"CACHELINK_UPSTASH_REVOKE_URL", base + "/oauth/revoke"},
	}
	for _, c := range s.Clients {
		p := strings.ToUpper(c.Provider)
		env = append(env, EnvVar{"CACHELINK_" + p + "_CLIENT_ID", c.ID})
		if c.Secret != "" {
			env = append(env, EnvVar{"CACHELINK_" + p + "_CLIENT_SECRET", c.Secret})
		}
		if len(c.RedirectURIs) > 0 {
			env = append(env, EnvVar{"CACHELINK_" + p + "_REDIRECT_URL", c.RedirectURIs[0]})
		}
	}
	if edgeHost != "" {
		env = append(env, EnvVar{"CACHELINK_POLYSCALE_EDGE_HOST", edgeHost})
	}
	if s.APIKey != "" {
		env = append(env, EnvVar{"POLYSCALE_API_KEY", s.APIKey})
	}
	return dedupe(env)
}

// dedupe keeps the first variable of each name (the first client of a
// provider is the one cachelink uses).
func dedupe(env []EnvVar) []EnvVar {
	seen := map[string]bool{}
	out := env[:0]
	for _, e := range env {
		if !seen[e.Name] {
			seen[e.Name] = true
			out = append(out, e)
		}
	}
	return out
}

// ShellQuote quotes v for a POSIX shell.
func ShellQuote(v string) string {
	if v != "" && strings.Trim(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:@%+=,-") == "" {
		return v
	}
	return "'" + strings.ReplaceAll(v, "'", `'\''`) + "'"
}

// ErrNotLoopback is returned for a listen address off the loopback interface.
var ErrNotLoopback = errors.New("the sandbox listens on loopback only (127.0.0.1, [::1] or localhost)")
