package sandbox

// The sandbox's two OAuth 2.0 authorization servers, built on ory/fosite
// (the library under Ory Hydra):
//
//   - PolyScale, Hydra-like: GET /oauth2/auth, POST /oauth2/token,
//     POST /oauth2/revoke. Confidential clients (client_secret_basic and
//     client_secret_post), a refresh token with every access token, a
//     workspace chosen on the consent page.
//   - Upstash, Auth0-like: GET /authorize (audience=upstash-api required),
//     POST /oauth/token (public clients, token_endpoint_auth_method none),
//     POST /oauth/revoke (client_id and token in the form, as Auth0's),
//     GET /userinfo; a refresh token only with offline_access, an ID token
//     (RS256, key generated at start) with openid.
//
// Both require PKCE S256, match redirect URIs exactly (port included, also
// for loopback IP literals), want a state of at least 8 characters, make
// codes single use (a replay revokes what the code issued) and rotate
// refresh tokens with reuse detection (reusing an old one revokes the
// family). Tokens are opaque HMAC tokens and are never logged.

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
	"github.com/ory/fosite/handler/openid"
	"github.com/ory/fosite/storage"
	"github.com/ory/fosite/token/jwt"
)

// AuthConfig configures one provider's authorization server.
type AuthConfig struct {
	Account             Account
	Clients             []Client      // the ones for this provider are registered (Client.Provider)
	AccessTokenLifetime time.Duration // 0 = DefaultAccessTokenLifetime
	AutoApprove         bool          // skip the consent page: approve at once (PolyScale: first workspace)
	Counters            *Counters     // required
}

// AuthServer is one provider's OAuth 2.0 authorization server.
type AuthServer struct {
	p        providerSpec
	account  Account
	counters *Counters
	auto     bool

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
	refreshScopes []string // fosite RefreshTokenScopes: empty = always issue a refresh token
	audience      string   // required audience ("" = none)
	public        bool     // public clients (no secret, token_endpoint_auth_method none)
	oidc          bool     // OpenID Connect (id_token with openid)
	workspaces    bool     // the consent page offers a workspace choice
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
		EnforcePKCE:                    true,
		EnforcePKCEForPublicClients:    true,
		EnablePKCEPlainChallengeMethod: false,
		ScopeStrategy:                  fosite.ExactScopeStrategy,
		AudienceMatchingStrategy:       fosite.ExactAudienceMatchingStrategy,
		RefreshTokenScopes:             p.refreshScopes,
		HashCost:                       4, // bcrypt's minimum: client secrets are sandbox values
		SendDebugMessagesToClients:     false,
	}
	conf := &authConfigurator{Config: fc}
	lifetime := cfg.AccessTokenLifetime
	if lifetime <= 0 {
		lifetime = DefaultAccessTokenLifetime
	}
	conf.accessLifespan.Store(int64(lifetime))

	a := &AuthServer{
		p:        p,
		account:  cfg.Account,
		counters: cfg.Counters,
		auto:     cfg.AutoApprove,
		config:   conf,
		store:    newOAuthStore(cfg.Counters),
		csrf:     newCSRFStore(),
	}

	strategy := &compose.CommonStrategy{CoreStrategy: compose.NewOAuth2HMACStrategy(conf)}
	factories := []compose.Factory{
		compose.OAuth2AuthorizeExplicitFactory,
		compose.OAuth2RefreshTokenGrantFactory,
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
// on (0 = DefaultAccessTokenLifetime).
func (a *AuthServer) SetAccessTokenLifetime(d time.Duration) {
	if d <= 0 {
		d = DefaultAccessTokenLifetime
	}
	a.config.accessLifespan.Store(int64(d))
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

// VerifyAccessToken implements TokenVerifier.
func (a *AuthServer) VerifyAccessToken(ctx context.Context, token string) (Principal, error) {
	if token == "" {
		return Principal{}, ErrInvalidToken
	}
	use, ar, err := a.provider.IntrospectToken(ctx, token, fosite.AccessToken, newAuthSession())
	if err != nil || use != fosite.AccessToken || ar == nil {
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
// front (fosite checks it only when issuing the code) and Upstash's
// audience. On failure it has written the error (a redirect when the
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
	case challenge == "":
		err = fosite.ErrInvalidRequest.WithHint("Clients must include a code_challenge when performing the authorize code flow, but it is missing.")
	case method == "" || method == "plain":
		err = fosite.ErrInvalidRequest.WithHint("Clients must use code_challenge_method=S256, plain is not allowed.")
	case method != "S256":
		err = fosite.ErrInvalidRequest.WithHint("The code_challenge_method is not supported, use S256 instead.")
	}
	if err == nil && a.p.audience != "" {
		if aud := ar.GetRequestedAudience(); len(aud) != 1 || aud[0] != a.p.audience {
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
	p, err := a.VerifyAccessToken(r.Context(), strings.TrimSpace(token))
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
// reuse detection reporting, and a lock that makes its refresh token
// revocation (which writes a map under another map's mutex) race free.
type oauthStore struct {
	*storage.MemoryStore
	counters *Counters

	mu         sync.RWMutex
	clients    map[string]fosite.Client
	registered map[string]Client
	revoked    map[string]bool // request ids revoked through the revocation endpoint

	rtMu sync.RWMutex
}

func newOAuthStore(c *Counters) *oauthStore {
	return &oauthStore{
		MemoryStore: storage.NewMemoryStore(),
		counters:    c,
		clients:     map[string]fosite.Client{},
		registered:  map[string]Client{},
		revoked:     map[string]bool{},
	}
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

func (s *oauthStore) GetRefreshTokenSession(ctx context.Context, signature string, sess fosite.Session) (fosite.Requester, error) {
	s.rtMu.RLock()
	req, err := s.MemoryStore.GetRefreshTokenSession(ctx, signature, sess)
	s.rtMu.RUnlock()
	if errors.Is(err, fosite.ErrInactiveToken) && req != nil {
		s.mu.RLock()
		revoked := s.revoked[req.GetID()]
		s.mu.RUnlock()
		if !revoked { // a token the user revoked is not a reuse
			markReuse(ctx)
		}
	}
	return req, err
}

func (s *oauthStore) CreateRefreshTokenSession(ctx context.Context, signature, accessSignature string, req fosite.Requester) error {
	s.rtMu.RLock()
	defer s.rtMu.RUnlock()
	return s.MemoryStore.CreateRefreshTokenSession(ctx, signature, accessSignature, req)
}

func (s *oauthStore) DeleteRefreshTokenSession(ctx context.Context, signature string) error {
	s.rtMu.RLock()
	defer s.rtMu.RUnlock()
	return s.MemoryStore.DeleteRefreshTokenSession(ctx, signature)
}

func (s *oauthStore) RevokeRefreshToken(ctx context.Context, requestID string) error {
	if explicit, _ := ctx.Value(explicitRevokeKey).(bool); explicit {
		s.mu.Lock()
		s.revoked[requestID] = true
		s.mu.Unlock()
	}
	s.rtMu.Lock()
	defer s.rtMu.Unlock()
	return s.MemoryStore.RevokeRefreshToken(ctx, requestID)
}

// RotateRefreshToken is MemoryStore's, routed through our RevokeRefreshToken.
func (s *oauthStore) RotateRefreshToken(ctx context.Context, requestID string, _ string) error {
	if err := s.RevokeRefreshToken(ctx, requestID); err != nil {
		return err
	}
	return s.MemoryStore.RevokeAccessToken(ctx, requestID)
}
