package sandbox

// The consent page of both authorization servers: a self-contained HTML
// page (no external resources) with Approve and Deny, a workspace choice
// for PolyScale, and a per-request, single-use CSRF token kept server-side.

import (
	"crypto/rand"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/ory/fosite"
)

// Form fields the consent page adds to the original query parameters.
const (
	csrfField      = "csrf_token"
	decisionField  = "decision"
	workspaceField = "workspace"
)

var consentReserved = []string{csrfField, decisionField, workspaceField}

type pendingConsent struct {
	query   string // the original authorize query, as validated
	expires time.Time
}

// csrfStore keeps consent CSRF tokens: random, 10 minutes, single use, each
// bound to the authorize request it was issued for.
type csrfStore struct {
	mu      sync.Mutex
	pending map[string]pendingConsent
}

func newCSRFStore() *csrfStore { return &csrfStore{pending: map[string]pendingConsent{}} }

func (s *csrfStore) issue(query string) string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	tok := base64.RawURLEncoding.EncodeToString(b)
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, p := range s.pending {
		if now.After(p.expires) {
			delete(s.pending, k)
		}
	}
	s.pending[tok] = pendingConsent{query: query, expires: now.Add(csrfLifetime)}
	return tok
}

// take consumes tok; ok is false for an unknown, used or expired token.
func (s *csrfStore) take(tok string) (query string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, found := s.pending[tok]
	if !found {
		return "", false
	}
	delete(s.pending, tok)
	if time.Now().After(p.expires) {
		return "", false
	}
	return p.query, true
}

type consentScope struct{ Name, Description string }

type consentPage struct {
	Provider   string
	Client     string
	Action     string
	Scopes     []consentScope
	Workspaces []string
	Hidden     []hiddenField
	CSRF       string
}

type hiddenField struct{ Name, Value string }

var consentTemplate = template.Must(template.New("consent").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Provider}} (sandbox): authorize {{.Client}}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#222}
.card{border:1px solid #ccc;border-radius:8px;padding:1.5rem}
h1{font-size:1.3rem}code{background:#f3f3f3;padding:0 .25rem}
ul{padding-left:1.2rem}li{margin:.3rem 0}
fieldset{border:1px solid #ddd;border-radius:6px;margin:1rem 0}
.buttons{display:flex;gap:1rem;margin-top:1.5rem}
button{font-size:1rem;padding:.5rem 1.4rem;border-radius:6px;border:1px solid #888;cursor:pointer}
#approve{background:#1a7f37;color:#fff;border-color:#1a7f37}
.note{color:#666;font-size:.85rem;margin-top:1.5rem}
</style></head>
<body><div class="card">
<h1>{{.Provider}} sandbox</h1>
<p>The application <code id="client">{{.Client}}</code> asks to access your account:</p>
<ul id="scopes">{{range .Scopes}}<li><code>{{.Name}}</code>: {{.Description}}</li>{{else}}<li>No scope requested</li>{{end}}</ul>
<form method="post" action="{{.Action}}">
{{range .Hidden}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{end}}<input type="hidden" name="csrf_token" value="{{.CSRF}}">
{{if .Workspaces}}<fieldset><legend>Workspace</legend>
{{range $i, $w := .Workspaces}}<label><input type="radio" name="workspace" value="{{$w}}"{{if eq $i 0}} checked{{end}}> {{$w}}</label><br>
{{end}}</fieldset>{{end}}
<div class="buttons">
<button type="submit" id="approve" name="decision" value="approve">Approve</button>
<button type="submit" id="deny" name="decision" value="deny">Deny</button>
</div></form>
<p class="note">This is the cachelink sandbox: nothing leaves this computer.</p>
</div></body></html>
`))

// setPageHeaders sets the headers of the sandbox's own pages. formTarget is
// the origin the page's form may end up at: browsers apply form-action to
// the redirects that follow a submission, so the consent page must allow the
// client's (already validated) redirect URI origin or Approve goes nowhere.
func setPageHeaders(w http.ResponseWriter, formTarget string) {
	formAction := "'self'"
	if formTarget != "" {
		formAction += " " + formTarget
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action "+formAction+"; frame-ancestors 'none'; base-uri 'none'")
}

// showConsent renders the consent page for a validated authorize request.
func (a *AuthServer) showConsent(w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester) {
	page := consentPage{
		Provider: a.p.title,
		Client:   ar.GetClient().GetID(),
		Action:   a.p.authPath,
		CSRF:     a.csrf.issue(r.URL.RawQuery),
	}
	for _, s := range ar.GetRequestedScopes() {
		page.Scopes = append(page.Scopes, consentScope{Name: s, Description: scopeDescriptions[s]})
	}
	if a.p.workspaces {
		page.Workspaces = a.account.Workspaces
	}
	q := r.URL.Query()
	for _, k := range sortedKeys(q) {
		if slices.Contains(consentReserved, k) {
			continue
		}
		for _, v := range q[k] {
			page.Hidden = append(page.Hidden, hiddenField{Name: k, Value: v})
		}
	}
	setPageHeaders(w, redirectOrigin(ar.GetRedirectURI()))
	_ = consentTemplate.Execute(w, page)
}

// handleConsentPost handles the consent form: CSRF token, then the decision.
func (a *AuthServer) handleConsentPost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		consentError(w, http.StatusBadRequest, "The consent form could not be read.")
		return
	}
	query, ok := a.csrf.take(r.PostForm.Get(csrfField))
	if !ok {
		consentError(w, http.StatusForbidden, "The consent form has expired or was already used. Start the login again.")
		return
	}
	orig, err := url.ParseQuery(query)
	if err != nil || !sameParams(orig, r.PostForm) {
		consentError(w, http.StatusBadRequest, "The consent form does not match the authorization request.")
		return
	}
	// Re-validate the original request, as fosite sees it on a GET.
	g := r.Clone(r.Context())
	g.Method = http.MethodGet
	g.URL.RawQuery = query
	g.Body = http.NoBody
	g.ContentLength = 0
	g.Form, g.PostForm = nil, nil
	g.Header = r.Header.Clone()
	g.Header.Del("Content-Type")
	ar, ok := a.validateAuthorize(w, g)
	if !ok {
		return
	}
	switch r.PostForm.Get(decisionField) {
	case "approve":
		workspace := ""
		if a.p.workspaces {
			workspace = r.PostForm.Get(workspaceField)
			if !slices.Contains(a.account.Workspaces, workspace) {
				consentError(w, http.StatusBadRequest, "Choose one of your workspaces.")
				return
			}
		}
		a.approve(w, g, ar, workspace)
	case "deny":
		a.deny(w, g, ar)
	default:
		consentError(w, http.StatusBadRequest, "Approve or deny the request.")
	}
}

// sameParams reports whether the form carries exactly the original query
// parameters (ignoring the fields the consent page adds).
func sameParams(orig, form url.Values) bool {
	strip := func(v url.Values) string {
		c := url.Values{}
		for k, vs := range v {
			if !slices.Contains(consentReserved, k) {
				c[k] = vs
			}
		}
		return c.Encode()
	}
	return strip(orig) == strip(form)
}

func sortedKeys(v url.Values) []string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

var errorTemplate = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sandbox: error</title>
<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem}</style></head>
<body><h1>Authorization failed</h1><p id="error">{{.}}</p></body></html>
`))

func consentError(w http.ResponseWriter, status int, msg string) {
	setPageHeaders(w, "")
	w.WriteHeader(status)
	_ = errorTemplate.Execute(w, msg)
}

// redirectOrigin returns scheme://host[:port] of a redirect URI, or "".
func redirectOrigin(u *url.URL) string {
	if u == nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
