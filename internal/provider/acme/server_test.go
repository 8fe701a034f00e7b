package acme

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cachelink/cachelink/internal/sandbox"
)

// The fake Acme's OAuth endpoints, served by the sandbox's generic
// authorization server, and its API, under /acme/v1 on the same server
// (acme.api_url is the server's URL + "/acme").
var acmeSpec = sandbox.AuthSpec{
	Name:       Name,
	Title:      Title,
	AuthPath:   "/acme/authorize",
	TokenPath:  "/acme/token",
	RevokePath: "/acme/revoke",
	Scopes:     Scopes,
	Public:     true, // a CLI cannot keep a secret: PKCE and the client id
}

// fakeAcme is Acme for one test: an authorization server that approves at
// once, and an in-memory widgets API that takes its access tokens or the
// CI token.
type fakeAcme struct {
	URL      string
	Auth     *sandbox.AuthServer
	Counters *sandbox.Counters
	CIToken  string // the token ACME_TOKEN may hold

	// RejectNext makes the API answer the next request 401 whatever its
	// token, as for an access token revoked behind cachelink's back.
	RejectNext atomic.Bool

	mu      sync.Mutex
	widgets []Widget
	authBy  []string // per accepted API request: "oauth:<account>" or "env"
}

// newFakeAcme starts the fake Acme with one public client, clientID,
// allowed to redirect to redirectURI.
func newFakeAcme(t *testing.T, clientID, redirectURI string) *fakeAcme {
	t.Helper()
	a := &fakeAcme{Counters: &sandbox.Counters{}, CIToken: "acme-ci-token-0123456789"}
	auth, err := sandbox.NewAuthServer(acmeSpec, sandbox.AuthConfig{
		Account:     sandbox.DefaultAccount(),
		Clients:     []sandbox.Client{{Provider: Name, ID: clientID, RedirectURIs: []string{redirectURI}}},
		AutoApprove: true,
		Counters:    a.Counters,
	})
	if err != nil {
		t.Fatal(err)
	}
	a.Auth = auth
	mux := http.NewServeMux()
	auth.Register(mux)
	mux.HandleFunc("POST /acme/v1/widgets", a.authed(a.createWidget))
	mux.HandleFunc("GET /acme/v1/widgets", a.authed(a.listWidgets))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	a.URL = srv.URL
	return a
}

// Widgets returns the widgets made so far.
func (a *fakeAcme) Widgets() []Widget {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Widget(nil), a.widgets...)
}

// AuthBy returns, per accepted API request, what authenticated it.
func (a *fakeAcme) AuthBy() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.authBy...)
}

// Accepts reports whether the API accepts token now.
func (a *fakeAcme) Accepts(t *testing.T, token string) bool {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, a.URL+"/acme/v1/widgets", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// authed checks the Bearer token: the CI token, or an access token of the
// authorization server with the scope the method needs.
func (a *fakeAcme) authed(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		who := ""
		switch {
		case a.RejectNext.CompareAndSwap(true, false), !ok:
		case token == a.CIToken:
			who = "env"
		default:
			p, err := a.Auth.VerifyAccessToken(r.Context(), token)
			if err != nil {
				break
			}
			scope := "widgets:read"
			if r.Method != http.MethodGet {
				scope = "widgets:write"
			}
			if !p.HasScope(scope) {
				writeJSON(w, http.StatusForbidden, map[string]string{"error": "the token lacks " + scope})
				return
			}
			who = "oauth:" + p.AccountID
		}
		if who == "" {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid or expired token"})
			return
		}
		a.mu.Lock()
		a.authBy = append(a.authBy, who)
		a.mu.Unlock()
		next(w, r)
	}
}

func (a *fakeAcme) createWidget(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name string `json:"name"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<10)).Decode(&in); err != nil || in.Name == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "a name is required"})
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, x := range a.widgets {
		if x.Name == in.Name {
			writeJSON(w, http.StatusConflict, map[string]string{"error": "a widget named " + in.Name + " exists"})
			return
		}
	}
	id := fmt.Sprintf("wgt_%04d", len(a.widgets)+1)
	wd := Widget{ID: id, Name: in.Name, URL: "acme://" + id + ".widgets.acme.example:7070/" + in.Name}
	a.widgets = append(a.widgets, wd)
	writeJSON(w, http.StatusCreated, wd)
}

func (a *fakeAcme) listWidgets(w http.ResponseWriter, _ *http.Request) {
	a.mu.Lock()
	ws := append([]Widget{}, a.widgets...)
	a.mu.Unlock()
	writeJSON(w, http.StatusOK, ws)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
