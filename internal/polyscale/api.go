package polyscale

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/httpx"
	"github.com/cachelink/cachelink/internal/provider"
	"github.com/cachelink/cachelink/internal/safetext"
	"github.com/cachelink/cachelink/internal/uuid"
)

// Cache is a PolyScale cache as the API returns it: what it was created
// with, and what PolyScale adds. Unknown fields are ignored.
type Cache struct {
	ID          string `json:"id"`
	UserID      string `json:"userId,omitempty"`
	WorkspaceID string `json:"workspaceId,omitempty"`
	NewCache
	CreatedAt             string `json:"createdAt,omitempty"`
	ConnectionURITemplate string `json:"connectionUriTemplate,omitempty"`
}

// NewCache is the body of a create, and the settings of a Cache.
type NewCache struct {
	Name                    string  `json:"name"`
	Description             *string `json:"description,omitempty"`
	Host                    string  `json:"host"`
	Port                    int     `json:"port"`
	Database                string  `json:"database"`
	CachingEnabled          bool    `json:"cachingEnabled"`
	DefaultCachingBehaviour string  `json:"defaultCachingBehaviour"`
}

// Client calls PolyScale's REST API. HTTP puts the credentials on each
// request (account.Transport: the API key or the access token, refreshed
// once after a 401) and retries what is safe to resend.
type Client struct {
	BaseURL string
	HTTP    *http.Client
	// Profile is the --profile whose login HTTP sends, named in the hints
	// of errors ("" or "default": none).
	Profile string
	// HeldScopes, when set, tells the scopes of the credential HTTP sends
	// (known false: an API key, or not known), for the hint of a 403.
	HeldScopes func(context.Context) (scopes []string, known bool)
}

// scopeTeller is a transport that tells the scopes of the credential it
// sends (account.Transport does).
type scopeTeller interface {
	LoginScopes(context.Context) ([]string, bool)
}

// NewClient is the client of the API at baseURL, sending through hc. The
// profile its hints name is that of hc's transport when it tells one
// (account.Transport does).
func NewClient(baseURL string, hc *http.Client) *Client {
	c := &Client{BaseURL: baseURL, HTTP: hc, Profile: provider.TransportProfile(hc)}
	if hc != nil {
		if t, ok := hc.Transport.(scopeTeller); ok {
			c.HeldScopes = t.LoginScopes
		}
	}
	return c
}

// APIError is an answer that is not a success, in PolyScale's format
// {"statusCode", "code", "error", "message"}.
type APIError struct {
	Status  int
	Code    string
	Message string
}

func (e *APIError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	return fmt.Sprintf("PolyScale answered %d: %s", e.Status, msg)
}

// ErrAmbiguous is wrapped when a create may or may not have happened
// (httpx.ErrAmbiguous, shared by both providers).
var ErrAmbiguous = httpx.ErrAmbiguous

func (c *Client) do(ctx context.Context, method, path string, body any, out any) error {
	u := strings.TrimRight(c.BaseURL, "/") + path
	return httpx.Exchange(ctx, c.HTTP, "PolyScale", method, u, body, out, func(method string, status int, body []byte) error {
		err := apiError(method, status, body, c.Profile)
		var ce *clierr.Error
		if status == http.StatusForbidden && errors.As(err, &ce) {
			var held []string
			known := false
			if c.HeldScopes != nil {
				held, known = c.HeldScopes(ctx)
			}
			ce.Hint = forbiddenHint(method, path, held, known, c.Profile)
		}
		return err
	})
}

// ScopeFor is the scope PolyScale asks of a request: caches:read or
// caches:write for caches, cacheRules:read or cacheRules:write for their
// rules (cache-ttls); a read is GET.
func ScopeFor(method, path string) string {
	s := "caches"
	if strings.Contains(path, "/cache-ttls") {
		s = "cacheRules"
	}
	if method == http.MethodGet || method == http.MethodHead {
		return s + ":read"
	}
	return s + ":write"
}

// forbiddenHint is the hint of a 403: from the scope the request needs and
// the scopes the credential holds, never from the text of the answer.
func forbiddenHint(method, path string, held []string, known bool, profile string) string {
	need := ScopeFor(method, path)
	connect := provider.ConnectCommand(Provider, profile)
	switch {
	case !known:
		return fmt.Sprintf("This needs the scope %s: use an API key that has it, or run '%s --scopes %s'.",
			need, connect, strings.Join(Scopes, ","))
	case !slices.Contains(held, need):
		return fmt.Sprintf("The login lacks the scope %s (it holds %s): run '%s --scopes %s'.",
			need, heldList(held), connect, strings.Join(Scopes, ","))
	}
	return fmt.Sprintf("The login holds the scope %s, but PolyScale refused: check that your role in the workspace allows it, or run '%s' to log in again.",
		need, connect)
}

// heldList names the scopes held, for a hint.
func heldList(held []string) string {
	if len(held) == 0 {
		return "none"
	}
	return strings.Join(held, ", ")
}

// apiError maps PolyScale's errors to the exit codes; its hints name
// profile.
func apiError(method string, status int, body []byte, profile string) error {
	var e struct {
		StatusCode int    `json:"statusCode"`
		Code       string `json:"code"`
		Error      string `json:"error"`
		Message    string `json:"message"`
	}
	_ = json.Unmarshal(body, &e)
	ae := &APIError{Status: status, Code: e.Code, Message: safetext.Line(e.Message, 500)}
	if ae.Message == "" {
		ae.Message = safetext.Line(e.Error, 500)
	}
	switch {
	case status == http.StatusUnauthorized:
		return clierr.Wrap(clierr.Auth, ae).WithHint("Run '" + provider.ConnectCommand(Provider, profile) + "', or check " + EnvAPIKey + ".")
	case status == http.StatusForbidden:
		// Client.do gives the hint, from the request and the scopes held.
		return clierr.Wrap(clierr.Auth, ae).WithHint("The credential lacks a permission this needs.")
	case status == http.StatusNotFound:
		return clierr.Wrap(clierr.NotFound, ae)
	case status == http.StatusBadRequest, status == http.StatusConflict, status == http.StatusUnprocessableEntity:
		return clierr.Wrap(clierr.Usage, ae)
	case status == http.StatusTooManyRequests || status >= 500:
		var err error = ae
		if method == http.MethodPost && (status == http.StatusBadGateway || status == http.StatusGatewayTimeout) {
			// A proxy gave up waiting: the create may have been carried out.
			err = fmt.Errorf("%w: %w", ErrAmbiguous, ae)
		}
		return clierr.Wrap(clierr.Unreachable, err).WithHint("PolyScale kept failing; try again later.")
	}
	return clierr.Wrap(clierr.General, ae)
}

// ListCaches returns the caches of the workspace.
func (c *Client) ListCaches(ctx context.Context) ([]Cache, error) {
	var out []Cache
	err := c.do(ctx, http.MethodGet, "/v1/caches", nil, &out)
	return out, err
}

// GetCache returns one cache.
func (c *Client) GetCache(ctx context.Context, id string) (*Cache, error) {
	var out Cache
	if err := c.do(ctx, http.MethodGet, "/v1/caches/"+url.PathEscape(id), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateCache creates a cache and returns its id. An error wrapping
// ErrAmbiguous means it may exist anyway.
func (c *Client) CreateCache(ctx context.Context, n NewCache) (string, error) {
	var out struct {
		ID string `json:"id"`
	}
	if err := c.do(ctx, http.MethodPost, "/v1/caches", n, &out); err != nil {
		return "", err
	}
	if out.ID == "" {
		return "", clierr.Wrap(clierr.General, fmt.Errorf("%w: PolyScale answered the create without a cache id", ErrAmbiguous))
	}
	return out.ID, nil
}

// DeleteCache deletes a cache.
func (c *Client) DeleteCache(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/v1/caches/"+url.PathEscape(id), nil, nil)
}

// PurgeCache empties a cache's stored results.
func (c *Client) PurgeCache(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodPut, "/v1/caches/"+url.PathEscape(id)+"/purge", struct{}{}, nil)
}

// ListRules returns a cache's rules.
func (c *Client) ListRules(ctx context.Context, cacheID string) ([]Rule, error) {
	var out []Rule
	err := c.do(ctx, http.MethodGet, "/v1/caches/"+url.PathEscape(cacheID)+"/cache-ttls", nil, &out)
	return out, err
}

// GetRule returns one rule by key.
func (c *Client) GetRule(ctx context.Context, cacheID, key string) (*Rule, error) {
	var out Rule
	if err := c.do(ctx, http.MethodGet, "/v1/caches/"+url.PathEscape(cacheID)+"/cache-ttls/"+url.PathEscape(key), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateRule creates a rule.
func (c *Client) CreateRule(ctx context.Context, cacheID string, r Rule) (*Rule, error) {
	var out Rule
	r.CacheID = cacheID // in the body too, as PolyScale's own client sends it
	if err := c.do(ctx, http.MethodPost, "/v1/caches/"+url.PathEscape(cacheID)+"/cache-ttls", r, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateRule changes a rule's name and/or TTL.
func (c *Client) UpdateRule(ctx context.Context, cacheID, key string, name *string, value *int64) (*Rule, error) {
	body := map[string]any{}
	if name != nil {
		body["name"] = *name
	}
	if value != nil {
		body["value"] = *value
	}
	var out Rule
	if err := c.do(ctx, http.MethodPatch, "/v1/caches/"+url.PathEscape(cacheID)+"/cache-ttls/"+url.PathEscape(key), body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteRule deletes the rule of type ruleType with key.
func (c *Client) DeleteRule(ctx context.Context, cacheID string, ruleType RuleType, key string) error {
	return c.do(ctx, http.MethodDelete, "/v1/caches/"+url.PathEscape(cacheID)+"/cache-ttls/"+url.PathEscape(string(ruleType))+"/"+url.PathEscape(key), nil, nil)
}

// IsID reports whether ref is a cache id (a UUID) rather than a name.
func IsID(ref string) bool { return uuid.Is(ref) }

// FindCache returns the cache ref names: by id (one GET), or by name (one
// list). No match is exit 3; a name two caches share is exit 2 listing
// their ids.
func (c *Client) FindCache(ctx context.Context, ref string) (*Cache, error) {
	if IsID(ref) {
		cache, err := c.GetCache(ctx, ref)
		if err != nil && clierr.KindOf(err) == clierr.NotFound {
			return nil, cacheLookup.NoSuchID(ref)
		}
		return cache, err
	}
	found, err := c.CachesNamed(ctx, ref)
	if err != nil {
		return nil, err
	}
	return provider.OneNamed(cacheLookup, ref, found, func(c *Cache) string { return c.ID })
}

// cacheLookup names PolyScale's caches in the errors of FindCache.
var cacheLookup = provider.Resources{Title: Title, Name: Name, Noun: "cache", Plural: "caches"}

// CachesNamed returns the caches called name (for adopting a create whose
// answer was lost).
func (c *Client) CachesNamed(ctx context.Context, name string) ([]Cache, error) {
	caches, err := c.ListCaches(ctx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(caches, func(c Cache) bool { return c.Name != name }), nil
}
