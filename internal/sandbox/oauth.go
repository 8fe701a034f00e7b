package sandbox

// The sandbox's two OAuth 2.0 authorization servers, built on ory/fosite
// (the library under Ory Hydra):
//
//   - PolyScale, Hydra-like: GET /oauth2/auth, POST /oauth2/token,
//     POST /oauth2/revoke. Confidential clients (client_secret_basic and
//     client_secret_post), a refresh token with every access token, a
//     workspace chosen on the consent page.
//   - Upstash, Auth0-like: GET /authorize, POST /oauth/token (public
//     clients, token_endpoint_auth_method none), POST /oauth/revoke
//     (client_id and token in the form, as Auth0's), GET /userinfo; a
//     refresh token only with offline_access, an ID token (RS256, key
//     generated at start) with openid; access tokens of 172800 s. Without
//     audience=upstash-api the login succeeds, as at Auth0, but its access
//     token is one the API refuses (VerifyAccessToken: /apikey answers
//     401); /userinfo takes it. PKCE is optional (S256 when given).
//
// PolyScale requires PKCE S256. Both match redirect URIs exactly (port
// included, also for loopback IP literals), want a state of at least 8
// characters and make codes single use (a replay revokes what the code
// issued). Refresh tokens follow AuthConfig.Refresh: by default they rotate
// with reuse detection (reusing an old one revokes the family); Upstash's
// can instead stay the same (the same one comes back, or none comes back),
// or be accepted for a reuse interval after rotation, as Auth0's. Tokens
// are opaque HMAC tokens and are never logged.

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/compose"
	hoauth2 "github.com/ory/fosite/handler/oauth2"
	"github.com/ory/fosite/handler/openid"
	"github.com/ory/fosite/storage"
	"github.com/ory/fosite/token/jwt"
)

// AuthConfig configures one provider's authorization server.
type AuthConfig struct {
	Account             Account
	Clients             []Client      // the ones for this provider are registered (Client.Provider)
	AccessTokenLifetime time.Duration // 0 = the provider's default (DefaultAccessTokenLifetime, Upstash's DefaultUpstashAccessTokenLifetime)
	AutoApprove         bool          // skip the consent page: approve at once (PolyScale: first workspace)
	Counters            *Counters     // required
	Refresh             RefreshPolicy // zero: rotation with reuse detection, no reuse interval
}

// AuthServer is one provider's OAuth 2.0 authorization server.
type AuthServer struct {
	p        providerSpec
	account  Account
	counters *Counters
	auto     bool
	lifetime time.Duration // the default access token lifetime

	config   *authConfigurator
	store    *oauthStore
	provider fosite.OAuth2Provider

	denyNext atomic.Bool
	tokenMu  sync.Mutex // serializes token and revocation requests (single-use checks are check-then-act)
	csrf     *csrfStore
}

// providerSpec is what differs between the two providers.
type providerSpec struct {
	name          string // "polyscale" or "upstash"
	title         string // shown on the consent page
	authPath      string
	tokenPath     string
	revokePath    string // "" = none
	userinfoPath  string // "" = none
	scopes        []string
	refreshScopes []string      // fosite RefreshTokenScopes: empty = always issue a refresh token
	audience      string        // the API's audience: the only one accepted, and one the API's tokens must have ("" = none)
	noAudienceOK  bool          // an authorization without audience succeeds, with a token the API refuses (Auth0)
	pkceOptional  bool          // PKCE may be left out (when given, S256 only)
	lifetime      time.Duration // default access token lifetime (0 = DefaultAccessTokenLifetime)
	public        bool          // public clients (no secret, token_endpoint_auth_method none)
	oidc          bool          // OpenID Connect (id_token with openid)
	workspaces    bool          // the consent page offers a workspace choice
}

const (
	polyScaleProvider = "polyscale"
	upstashProvider   = "upstash"
	upstashAudience   = "upstash-api"
	csrfLifetime      = 10 * time.Minute
)

var polyScaleSpec = providerSpec{
	name:          polyScaleProvider,
	title:         "PolyScale",
	authPath:      "/oauth2/auth",
	tokenPath:     "/oauth2/token",
	revokePath:    "/oauth2/revoke",
	scopes:        []string{"caches:read", "caches:write", "cacheRules:read", "cacheRules:write"},
	refreshScopes: []string{}, // PolyScale issues a refresh token with every access token
	workspaces:    true,
}

var upstashSpec = providerSpec{
	name:          upstashProvider,
	title:         "Upstash",
	authPath:      "/authorize",
	tokenPath:     "/oauth/token",
	revokePath:    "/oauth/revoke", // Auth0's: revokes a refresh token (client_id, token)
	userinfoPath:  "/userinfo",
	scopes:        []string{"offline_access", "openid", "email"},
	refreshScopes: []string{"offline_access"},
	audience:      upstashAudience,
	noAudienceOK:  true,
	pkceOptional:  true,
	lifetime:      DefaultUpstashAccessTokenLifetime,
	public:        true,
	oidc:          true,
}

// scopeDescriptions are shown on the consent page.
var scopeDescriptions = map[string]string{
	"caches:read":      "See your caches",
	"caches:write":     "Create, change, purge and delete your caches",
	"cacheRules:read":  "See the caching rules of your caches",
	"cacheRules:write": "Create, change and delete the caching rules of your caches",
	"offline_access":   "Stay signed in (a refresh token)",
	"openid":           "Know who you are (your account id)",
	"email":            "See your email address",
}

// NewPolyScaleAuth builds PolyScale's (Ory Hydra-like) authorization server.
func NewPolyScaleAuth(cfg AuthConfig) (*AuthServer, error) {
	return newAuthServer(polyScaleSpec, cfg)
}

// NewUpstashAuth builds Upstash's (Auth0-like) authorization server.
func NewUpstashAuth(cfg AuthConfig) (*AuthServer, error) {
	return newAuthServer(upstashSpec, cfg)
}

// AuthSpec describes the authorization server of a provider the sandbox
// does not emulate itself, so that tests of cachelink's provider registry
// can log in to a provider of their own: PKCE S256, exact redirect URIs,
// single-use codes and rotated refresh tokens, as for the two real ones.
type AuthSpec struct {
	Name       string   // the provider's name; its Clients are registered
	Title      string   // shown on the consent page
	AuthPath   string   // such as "/acme/authorize"
	TokenPath  string   // such as "/acme/token"
	RevokePath string   // RFC 7009; "" = none
	Scopes     []string // the scopes clients may ask for
	Public     bool     // public clients (no secret); else confidential
}

// NewAuthServer builds the authorization server spec describes; Register
// adds its paths to a mux, VerifyAccessToken checks its tokens.
func NewAuthServer(spec AuthSpec, cfg AuthConfig) (*AuthServer, error) {
	return newAuthServer(providerSpec{
		name:          spec.Name,
		title:         spec.Title,
		authPath:      spec.AuthPath,
		tokenPath:     spec.TokenPath,
		revokePath:    spec.RevokePath,
		scopes:        spec.Scopes,
		refreshScopes: []string{}, // a refresh token with every access token
		public:        spec.Public,
	}, cfg)
}

func newAuthServer(p providerSpec, cfg AuthConfig) (*AuthServer, error) {
	if cfg.Counters == nil {
		return nil, errors.New("sandbox: AuthConfig.Counters is required")
	}
	if p.workspaces && len(cfg.Account.Workspaces) == 0 {
		return nil, errors.New("sandbox: the account has no PolyScale workspace")
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	fc := &fosite.Config{
		GlobalSecret:                   secret,
		AuthorizeCodeLifespan:          10 * time.Minute,
		RefreshTokenLifespan:           30 * 24 * time.Hour,
		IDTokenLifespan:                time.Hour,
		MinParameterEntropy:            fosite.MinParameterEntropy, // 8: state (and nonce) of at least 8 characters
		EnforcePKCE:                    !p.pkceOptional,
		EnforcePKCEForPublicClients:    !p.pkceOptional,
		EnablePKCEPlainChallengeMethod: false,
		ScopeStrategy:                  fosite.ExactScopeStrategy,
		AudienceMatchingStrategy:       fosite.ExactAudienceMatchingStrategy,
		RefreshTokenScopes:             p.refreshScopes,
		HashCost:                       4, // bcrypt's minimum: client secrets are sandbox values
		SendDebugMessagesToClients:     false,
	}
	if _, err := ParseRefreshRotation(string(cfg.Refresh.Rotation)); err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	conf := &authConfigurator{Config: fc}
	a := &AuthServer{
		p:        p,
		account:  cfg.Account,
		counters: cfg.Counters,
		auto:     cfg.AutoApprove,
		lifetime: p.lifetime,
		config:   conf,
		store:    newOAuthStore(cfg.Counters),
		csrf:     newCSRFStore(),
	}
	if a.lifetime <= 0 {
		a.lifetime = DefaultAccessTokenLifetime
	}
	a.SetAccessTokenLifetime(cfg.AccessTokenLifetime)
	a.SetRefreshPolicy(cfg.Refresh)

	strategy := &compose.CommonStrategy{CoreStrategy: compose.NewOAuth2HMACStrategy(conf)}
	factories := []compose.Factory{
		compose.OAuth2AuthorizeExplicitFactory,
		a.refreshTokenGrantFactory,
		compose.OAuth2TokenIntrospectionFactory,
		compose.OAuth2TokenRevocationFactory,
	}
	if p.oidc {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, err
		}
		keyGetter := func(context.Context) (interface{}, error) { return key, nil }
		strategy.OpenIDConnectTokenStrategy = compose.NewOpenIDConnectStrategy(keyGetter, conf)
		strategy.Signer = &jwt.DefaultSigner{GetPrivateKey: keyGetter}
		factories = append(factories, compose.OpenIDConnectExplicitFactory, compose.OpenIDConnectRefreshFactory)
	}
	factories = append(factories, compose.OAuth2PKCEFactory) // after the code handler, as fosite requires
	a.provider = composeWith(conf, a.store, strategy, factories...)

	for _, c := range cfg.Clients {
		if c.Provider != p.name {
			continue
		}
		if err := a.RegisterClient(c); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// composeWith is compose.Compose with our own Configurator (compose.Compose
// takes a *fosite.Config, whose fields cannot change safely at run time; the
// access token lifetime must).
func composeWith(conf *authConfigurator, store interface{}, strategy interface{}, factories ...compose.Factory) fosite.OAuth2Provider {
	f := fosite.NewOAuth2Provider(store.(fosite.Storage), conf)
	for _, factory := range factories {
		res := factory(conf, store, strategy)
		if ah, ok := res.(fosite.AuthorizeEndpointHandler); ok {
			conf.AuthorizeEndpointHandlers.Append(ah)
		}
		if th, ok := res.(fosite.TokenEndpointHandler); ok {
			conf.TokenEndpointHandlers.Append(th)
		}
		if tv, ok := res.(fosite.TokenIntrospector); ok {
			conf.TokenIntrospectionHandlers.Append(tv)
		}
		if rh, ok := res.(fosite.RevocationHandler); ok {
			conf.RevocationHandlers.Append(rh)
		}
	}
	return f
}

// authConfigurator is fosite's Config with a run-time adjustable access
// token lifetime.
type authConfigurator struct {
	*fosite.Config
	accessLifespan atomic.Int64
}

func (c *authConfigurator) GetAccessTokenLifespan(context.Context) time.Duration {
	return time.Duration(c.accessLifespan.Load())
}

// Register adds this provider's paths to mux.
func (a *AuthServer) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET "+a.p.authPath, a.handleAuthorize)
	mux.HandleFunc("POST "+a.p.authPath, a.handleConsentPost)
	mux.HandleFunc("POST "+a.p.tokenPath, a.handleToken)
	if a.p.revokePath != "" {
		mux.HandleFunc("POST "+a.p.revokePath, a.handleRevoke)
	}
	if a.p.userinfoPath != "" {
		mux.HandleFunc("GET "+a.p.userinfoPath, a.handleUserinfo)
	}
}

// DenyNext makes the next authorization end with error=access_denied,
// without showing the consent page.
func (a *AuthServer) DenyNext() { a.denyNext.Store(true) }

// SetAccessTokenLifetime sets the lifetime of access tokens issued from now
// on (0 = the provider's default: DefaultAccessTokenLifetime, Upstash's
// DefaultUpstashAccessTokenLifetime).
func (a *AuthServer) SetAccessTokenLifetime(d time.Duration) {
	if d <= 0 {
		d = a.lifetime
	}
	a.config.accessLifespan.Store(int64(d))
}

// SetRefreshPolicy sets how refresh grants from now on treat refresh
// tokens; an unknown Rotation is taken as RotateRefreshTokens.
func (a *AuthServer) SetRefreshPolicy(p RefreshPolicy) {
	if r, err := ParseRefreshRotation(string(p.Rotation)); err == nil {
		p.Rotation = r
	} else {
		p.Rotation = RotateRefreshTokens
	}
	p.ReuseInterval = max(0, p.ReuseInterval)
	a.store.setPolicy(p)
}

// RegisterClient registers a client of this provider. Registering an id
// again adds redirect URIs (its secret, if given, must not change).
func (a *AuthServer) RegisterClient(c Client) error {
	if c.Provider != "" && c.Provider != a.p.name {
		return fmt.Errorf("sandbox: client %q is for %q, not %q", c.ID, c.Provider, a.p.name)
	}
	if c.ID == "" {
		return errors.New("sandbox: client without an id")
	}
	if a.p.public && c.Secret != "" {
		return fmt.Errorf("sandbox: %s clients are public and have no secret (client %q)", a.p.title, c.ID)
	}
	return a.store.registerClient(c, func(c Client) (fosite.Client, error) { return a.fositeClient(c) })
}

func (a *AuthServer) fositeClient(c Client) (fosite.Client, error) {
	if !a.p.public && c.Secret == "" {
		return nil, fmt.Errorf("sandbox: %s clients are confidential and need a secret (client %q)", a.p.title, c.ID)
	}
	dc := &fosite.DefaultClient{
		ID:            c.ID,
		RedirectURIs:  slices.Clone(c.RedirectURIs),
		GrantTypes:    []string{"authorization_code", "refresh_token"},
		ResponseTypes: []string{"code"},
		Scopes:        a.p.scopes,
		Public:        a.p.public,
	}
	if a.p.audience != "" {
		dc.Audience = []string{a.p.audience}
	}
	if a.p.public {
		return &fosite.DefaultOpenIDConnectClient{DefaultClient: dc, TokenEndpointAuthMethod: "none"}, nil
	}
	hash, err := a.config.GetSecretsHasher(context.Background()).Hash(context.Background(), []byte(c.Secret))
	if err != nil {
		return nil, err
	}
	dc.Secret = hash
	// A plain DefaultClient (no token_endpoint_auth_method) accepts both
	// client_secret_basic and client_secret_post, as Hydra does by default.
	return dc, nil
}

// VerifyAccessToken implements TokenVerifier: the provider's API takes the
// token. For Upstash that needs the audience upstash-api: a token issued
// without it (Auth0's opaque token) is refused, as /apikey refuses it.
func (a *AuthServer) VerifyAccessToken(ctx context.Context, token string) (Principal, error) {
	return a.verify(ctx, token, true)
}

// verify checks an access token; forAPI also wants the API's audience.
func (a *AuthServer) verify(ctx context.Context, token string, forAPI bool) (Principal, error) {
	if token == "" {
		return Principal{}, ErrInvalidToken
	}
	use, ar, err := a.provider.IntrospectToken(ctx, token, fosite.AccessToken, newAuthSession())
	if err != nil || use != fosite.AccessToken || ar == nil {
		return Principal{}, ErrInvalidToken
	}
	if forAPI && a.p.audience != "" && !slices.Contains(ar.GetGrantedAudience(), a.p.audience) {
		return Principal{}, ErrInvalidToken
	}
	s, ok := ar.GetSession().(*authSession)
	if !ok {
		return Principal{}, ErrInvalidToken
	}
	return Principal{
		AccountID: s.Subject,
		Email:     s.Email,
		Workspace: s.Workspace,
		Scopes:    slices.Clone([]string(ar.GetGrantedScopes())),
	}, nil
}

// ---- authorize -------------------------------------------------------------

// validateAuthorize parses and checks an authorize request the way fosite
// does, plus what fosite leaves to the server: exact redirect URI matching
// (fosite lets loopback IP literals use any port, RFC 8252 7.3), PKCE up
// front (fosite checks it only when issuing the code; optional for
// Upstash, S256 when given) and Upstash's audience (none, or upstash-api).
// On failure it has written the error (a redirect when the
// redirect URI is valid, a JSON error page when it is not).
func (a *AuthServer) validateAuthorize(w http.ResponseWriter, r *http.Request) (fosite.AuthorizeRequester, bool) {
	ctx := r.Context()
	ar, err := a.provider.NewAuthorizeRequest(ctx, r)
	if err != nil {
		a.provider.WriteAuthorizeError(ctx, w, ar, err)
		return nil, false
	}
	if raw := ar.GetRequestForm().Get("redirect_uri"); raw != "" && !slices.Contains(ar.GetClient().GetRedirectURIs(), raw) {
		a.provider.WriteAuthorizeError(ctx, w, fosite.NewAuthorizeRequest(), fosite.ErrInvalidRequest.WithHint("The 'redirect_uri' parameter does not match any of the OAuth 2.0 Client's pre-registered redirect urls."))
		return nil, false
	}
	form := ar.GetRequestForm()
	switch challenge, method := form.Get("code_challenge"), form.Get("code_challenge_method"); {
	case challenge == "" && method == "" && a.p.pkceOptional:
	case challenge == "":
		err = fosite.ErrInvalidRequest.WithHint("Clients must include a code_challenge when performing the authorize code flow, but it is missing.")
	case method == "" || method == "plain":
		err = fosite.ErrInvalidRequest.WithHint("Clients must use code_challenge_method=S256, plain is not allowed.")
	case method != "S256":
		err = fosite.ErrInvalidRequest.WithHint("The code_challenge_method is not supported, use S256 instead.")
	}
	if err == nil && a.p.audience != "" {
		switch aud := ar.GetRequestedAudience(); {
		case len(aud) == 0 && a.p.noAudienceOK:
			// Auth0: a token for /userinfo only, which the API refuses.
		case len(aud) != 1 || aud[0] != a.p.audience:
			err = fosite.ErrInvalidRequest.WithHintf("Service not found: the 'audience' parameter must be %q.", a.p.audience)
		}
	}
	if err != nil {
		a.provider.WriteAuthorizeError(ctx, w, ar, err)
		return nil, false
	}
	return ar, true
}

// handleAuthorize: validate, then deny (fault), approve (AutoApprove) or
// show the consent page.
func (a *AuthServer) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	ar, ok := a.validateAuthorize(w, r)
	if !ok {
		return
	}
	if a.denyNext.CompareAndSwap(true, false) {
		a.deny(w, r, ar)
		return
	}
	if a.auto {
		workspace := ""
		if a.p.workspaces {
			workspace = a.account.Workspaces[0]
		}
		a.approve(w, r, ar, workspace)
		return
	}
	a.showConsent(w, r, ar)
}

func (a *AuthServer) deny(w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester) {
	a.counters.Denials.Add(1)
	a.provider.WriteAuthorizeError(r.Context(), w, ar, fosite.ErrAccessDenied.WithHint("The resource owner denied the request."))
}

func (a *AuthServer) approve(w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester, workspace string) {
	ctx := r.Context()
	for _, s := range ar.GetRequestedScopes() {
		ar.GrantScope(s)
	}
	for _, aud := range ar.GetRequestedAudience() {
		ar.GrantAudience(aud)
	}
	sess := newAuthSession()
	sess.Subject = a.account.ID
	sess.Workspace = workspace
	if a.p.name == upstashProvider {
		sess.Email = a.account.Email
	}
	now := time.Now().UTC()
	sess.Claims.Subject = a.account.ID
	sess.Claims.Issuer = "http://" + r.Host + "/"
	sess.Claims.AuthTime = now
	sess.Claims.RequestedAt = now
	if ar.GetGrantedScopes().Has("email") {
		sess.Claims.Add("email", a.account.Email)
		sess.Claims.Add("email_verified", true)
	}
	resp, err := a.provider.NewAuthorizeResponse(ctx, ar, sess)
	if err != nil {
		a.provider.WriteAuthorizeError(ctx, w, ar, err)
		return
	}
	a.counters.Authorizations.Add(1)
	a.provider.WriteAuthorizeResponse(ctx, w, ar, resp)
}

// ---- token, revoke, userinfo -------------------------------------------

type ctxKey int

const (
	reuseKey ctxKey = iota
	explicitRevokeKey
)

// reuseFlag is set by the store when a token request presented a used code
// or a rotated-out refresh token.
type reuseFlag struct{ hit atomic.Bool }

func (a *AuthServer) handleToken(w http.ResponseWriter, r *http.Request) {
	a.tokenMu.Lock()
	defer a.tokenMu.Unlock()
	flag := &reuseFlag{}
	ctx := context.WithValue(r.Context(), reuseKey, flag)
	ar, err := a.provider.NewAccessRequest(ctx, r, newAuthSession())
	if err != nil {
		if flag.hit.Load() {
			a.counters.ReuseDetections.Add(1)
		}
		a.provider.WriteAccessError(ctx, w, ar, err)
		return
	}
	resp, err := a.provider.NewAccessResponse(ctx, ar)
	if err != nil {
		a.provider.WriteAccessError(ctx, w, ar, err)
		return
	}
	switch {
	case ar.GetGrantTypes().ExactOne("authorization_code"):
		a.counters.CodeExchanges.Add(1)
	case ar.GetGrantTypes().ExactOne("refresh_token"):
		a.counters.Refreshes.Add(1)
	}
	a.provider.WriteAccessResponse(ctx, w, ar, resp)
}

func (a *AuthServer) handleRevoke(w http.ResponseWriter, r *http.Request) {
	a.tokenMu.Lock()
	defer a.tokenMu.Unlock()
	ctx := context.WithValue(r.Context(), explicitRevokeKey, true)
	err := a.provider.NewRevocationRequest(ctx, r)
	if err == nil {
		a.counters.Revocations.Add(1)
	}
	a.provider.WriteRevocationResponse(ctx, w, err)
}

// handleUserinfo is Auth0's /userinfo: sub, and email with the email scope.
func (a *AuthServer) handleUserinfo(w http.ResponseWriter, r *http.Request) {
	token, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	p, err := a.verify(r.Context(), strings.TrimSpace(token), false)
	if !found || err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
		return
	}
	body := map[string]any{"sub": p.AccountID}
	if p.HasScope("email") {
		body["email"] = p.Email
		body["email_verified"] = true
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(body)
}

// ---- session ---------------------------------------------------------------

// authSession is fosite's OpenID Connect session plus what the APIs need.
type authSession struct {
	*openid.DefaultSession
	Workspace string // PolyScale: chosen on the consent page
	Email     string
}

func newAuthSession() *authSession {
	return &authSession{DefaultSession: &openid.DefaultSession{
		Claims:  &jwt.IDTokenClaims{Extra: map[string]interface{}{}},
		Headers: &jwt.Headers{Extra: map[string]interface{}{}},
	}}
}

// Clone keeps the concrete type (the embedded Clone would drop our fields).
func (s *authSession) Clone() fosite.Session {
	if s == nil {
		return nil
	}
	c := *s
	if s.DefaultSession != nil {
		c.DefaultSession = s.DefaultSession.Clone().(*openid.DefaultSession)
	}
	return &c
}

// ---- storage -----------------------------------------------------------

// oauthStore is fosite's MemoryStore with run-time client registration,
// reuse detection reporting, and refresh tokens of its own: MemoryStore
// knows one refresh token per grant (request id) and revokes only that
// one, while a reuse interval leaves several valid at once, and revoking
// a family must revoke them all.
type oauthStore struct {
	*storage.MemoryStore
	counters *Counters

	mu         sync.RWMutex
	clients    map[string]fosite.Client
	registered map[string]Client
	revoked    map[string]bool // request ids revoked through the revocation endpoint

	rtMu     sync.Mutex
	policy   RefreshPolicy
	refresh  map[string]*refreshEntry // by signature
	families map[string][]string      // request id: its refresh tokens' signatures
}

// refreshEntry is one refresh token.
type refreshEntry struct {
	req     fosite.Requester
	active  bool
	retired time.Time // when a refresh grant rotated it out (zero: it was not)
	revoked bool      // its family was revoked: no reuse interval applies
}

func newOAuthStore(c *Counters) *oauthStore {
	return &oauthStore{
		MemoryStore: storage.NewMemoryStore(),
		counters:    c,
		clients:     map[string]fosite.Client{},
		registered:  map[string]Client{},
		revoked:     map[string]bool{},
		refresh:     map[string]*refreshEntry{},
		families:    map[string][]string{},
	}
}

func (s *oauthStore) setPolicy(p RefreshPolicy) {
	s.rtMu.Lock()
	defer s.rtMu.Unlock()
	s.policy = p
}

func (s *oauthStore) refreshPolicy() RefreshPolicy {
	s.rtMu.Lock()
	defer s.rtMu.Unlock()
	return s.policy
}

func (s *oauthStore) registerClient(c Client, build func(Client) (fosite.Client, error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.registered[c.ID]; ok {
		if c.Secret != "" && c.Secret != old.Secret {
			return fmt.Errorf("sandbox: client %q is already registered with another secret", c.ID)
		}
		merged := old
		merged.RedirectURIs = slices.Clone(old.RedirectURIs)
		for _, u := range c.RedirectURIs {
			if !slices.Contains(merged.RedirectURIs, u) {
				merged.RedirectURIs = append(merged.RedirectURIs, u)
			}
		}
		c = merged
	}
	fc, err := build(c)
	if err != nil {
		return err
	}
	s.registered[c.ID] = c
	s.clients[c.ID] = fc
	return nil
}

func (s *oauthStore) GetClient(_ context.Context, id string) (fosite.Client, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.clients[id]
	if !ok {
		return nil, fosite.ErrNotFound
	}
	return c, nil
}

func markReuse(ctx context.Context) {
	if f, ok := ctx.Value(reuseKey).(*reuseFlag); ok {
		f.hit.Store(true)
	}
}

func (s *oauthStore) GetAuthorizeCodeSession(ctx context.Context, code string, sess fosite.Session) (fosite.Requester, error) {
	req, err := s.MemoryStore.GetAuthorizeCodeSession(ctx, code, sess)
	if errors.Is(err, fosite.ErrInvalidatedAuthorizeCode) {
		markReuse(ctx)
	}
	return req, err
}

// GetRefreshTokenSession returns the grant of an active refresh token, or
// of one retired less than the reuse interval ago (Auth0's leeway). Any
// other known one answers fosite.ErrInactiveToken with its grant, which
// fosite treats as a reuse: it revokes the family.
func (s *oauthStore) GetRefreshTokenSession(ctx context.Context, signature string, _ fosite.Session) (fosite.Requester, error) {
	s.rtMu.Lock()
	e, ok := s.refresh[signature]
	var active, leeway bool
	if ok {
		active = e.active
		leeway = !active && !e.revoked && !e.retired.IsZero() && s.policy.ReuseInterval > 0 &&
			time.Since(e.retired) <= s.policy.ReuseInterval
	}
	s.rtMu.Unlock()
	switch {
	case !ok:
		return nil, fosite.ErrNotFound
	case active:
		return e.req, nil
	case leeway:
		if _, inGrant := ctx.Value(reuseKey).(*reuseFlag); inGrant {
			s.counters.LeewayReuses.Add(1)
		}
		return e.req, nil
	}
	s.mu.RLock()
	revoked := s.revoked[e.req.GetID()]
	s.mu.RUnlock()
	if !revoked { // a token the user revoked is not a reuse
		markReuse(ctx)
	}
	return e.req, fosite.ErrInactiveToken
}

func (s *oauthStore) CreateRefreshTokenSession(_ context.Context, signature, _ string, req fosite.Requester) error {
	s.rtMu.Lock()
	defer s.rtMu.Unlock()
	s.refresh[signature] = &refreshEntry{req: req, active: true}
	s.families[req.GetID()] = append(s.families[req.GetID()], signature)
	return nil
}

func (s *oauthStore) DeleteRefreshTokenSession(_ context.Context, signature string) error {
	s.rtMu.Lock()
	defer s.rtMu.Unlock()
	delete(s.refresh, signature)
	return nil
}

// RevokeRefreshToken revokes every refresh token of the grant requestID.
func (s *oauthStore) RevokeRefreshToken(ctx context.Context, requestID string) error {
	if explicit, _ := ctx.Value(explicitRevokeKey).(bool); explicit {
		s.mu.Lock()
		s.revoked[requestID] = true
		s.mu.Unlock()
	}
	s.rtMu.Lock()
	defer s.rtMu.Unlock()
	for _, sig := range s.families[requestID] {
		if e, ok := s.refresh[sig]; ok {
			e.active, e.revoked = false, true
		}
	}
	return nil
}

// RotateRefreshToken retires the refresh token redeemed (signature), and
// the access token issued with it, when it was active. One redeemed again
// within the reuse interval leaves the tokens issued since valid.
func (s *oauthStore) RotateRefreshToken(ctx context.Context, requestID string, signature string) error {
	s.rtMu.Lock()
	e, ok := s.refresh[signature]
	wasActive := ok && e.active
	if wasActive {
		e.active, e.retired = false, time.Now()
	}
	s.rtMu.Unlock()
	if !wasActive {
		return nil
	}
	return s.MemoryStore.RevokeAccessToken(ctx, requestID)
}

// ---- refresh grant -------------------------------------------------------

// refreshTokenGrantFactory is fosite's refresh token grant, which rotates,
// unless the refresh policy turns rotation off (see refreshHandler).
func (a *AuthServer) refreshTokenGrantFactory(config fosite.Configurator, store interface{}, strategy interface{}) interface{} {
	h := compose.OAuth2RefreshTokenGrantFactory(config, store, strategy).(*hoauth2.RefreshTokenGrantHandler)
	return &refreshHandler{RefreshTokenGrantHandler: h, store: a.store}
}

// refreshHandler is fosite's refresh token grant. With rotation off it
// issues only an access token: the refresh token redeemed stays valid and
// is answered again (ReturnSameRefreshToken) or left out (OmitRefreshToken).
type refreshHandler struct {
	*hoauth2.RefreshTokenGrantHandler
	store *oauthStore
}

func (h *refreshHandler) PopulateTokenEndpointResponse(ctx context.Context, req fosite.AccessRequester, resp fosite.AccessResponder) error {
	rotation := h.store.refreshPolicy().Rotation
	if rotation == RotateRefreshTokens || !h.CanHandleTokenEndpointRequest(ctx, req) {
		return h.RefreshTokenGrantHandler.PopulateTokenEndpointResponse(ctx, req, resp)
	}
	token, signature, err := h.AccessTokenStrategy.GenerateAccessToken(ctx, req)
	if err != nil {
		return fosite.ErrServerError.WithWrap(err).WithDebug(err.Error())
	}
	stored := req.Sanitize([]string{})
	stored.SetID(req.GetID())
	if err := h.TokenRevocationStorage.CreateAccessTokenSession(ctx, signature, stored); err != nil {
		return fosite.ErrServerError.WithWrap(err).WithDebug(err.Error())
	}
	resp.SetAccessToken(token)
	resp.SetTokenType("bearer")
	resp.SetExpiresIn(time.Until(req.GetSession().GetExpiresAt(fosite.AccessToken))) // set by HandleTokenEndpointRequest
	resp.SetScopes(req.GetGrantedScopes())
	if rotation == ReturnSameRefreshToken {
		resp.SetExtra("refresh_token", req.GetRequestForm().Get("refresh_token"))
	}
	return nil
}
