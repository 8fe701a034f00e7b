// Package sandbox emulates PolyScale and Upstash on loopback: their OAuth
// authorization servers (built on ory/fosite, the library under Ory Hydra)
// and their REST APIs, with the request and response shapes, error formats
// and auth schemes of the real services, plus fault injection and counters
// for tests. It lets anyone run cachelink end to end without an account or
// a network, and it is the fixture every end-to-end test of the project uses.
//
// One HTTP server serves both providers; their paths do not overlap:
//
//	PolyScale  /oauth2/auth /oauth2/token /oauth2/revoke   /v1/caches...
//	Upstash    /authorize /oauth/token /oauth/revoke /userinfo  /apikey /v2/redis/...
//	sandbox    /_sandbox/faults /_sandbox/counters /_sandbox/state
package sandbox

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// Account is the one user the sandbox knows. Its email is what Upstash's
// /userinfo returns and what Upstash's Basic auth expects.
type Account struct {
	ID         string   `json:"id"`
	Email      string   `json:"email"`
	Workspaces []string `json:"workspaces"` // PolyScale workspace ids; the consent page offers them
}

// DefaultAccount is the sandbox's user.
func DefaultAccount() Account {
	return Account{
		ID:         "acct-0001",
		Email:      "dev@sandbox.cachelink.test",
		Workspaces: []string{"ws-personal", "ws-team"},
	}
}

// Principal is who an API request acts for, as established from its
// credentials.
type Principal struct {
	AccountID string
	Email     string
	Workspace string   // PolyScale: the workspace chosen on the consent page, or the API key's
	Scopes    []string // granted scopes; nil for an API key (all scopes)
}

// HasScope reports whether p may use scope. An API key (nil Scopes) may use all.
func (p Principal) HasScope(scope string) bool {
	if p.Scopes == nil {
		return true
	}
	for _, s := range p.Scopes {
		if s == scope {
			return true
		}
	}
	return false
}

// ErrInvalidToken is returned by a TokenVerifier for an unknown, expired or
// revoked token.
var ErrInvalidToken = errors.New("invalid or expired token")

// TokenVerifier checks an OAuth access token issued by one of the sandbox's
// authorization servers. The APIs use it for Bearer auth.
type TokenVerifier interface {
	VerifyAccessToken(ctx context.Context, token string) (Principal, error)
}

// Counters count what happened, for tests. Read them with Snapshot.
type Counters struct {
	Authorizations  atomic.Int64 // authorize requests that issued a code
	Denials         atomic.Int64 // authorize requests the user (or a fault) denied
	CodeExchanges   atomic.Int64 // successful authorization_code grants
	Refreshes       atomic.Int64 // successful refresh_token grants
	ReuseDetections atomic.Int64 // reused refresh tokens or codes (family revoked)
	Revocations     atomic.Int64 // successful RFC 7009 revocations
	Creates         atomic.Int64 // caches and databases created
	APIKeysMinted   atomic.Int64 // Upstash Developer API keys minted
	LeewayReuses    atomic.Int64 // rotated-out refresh tokens accepted within the reuse interval
}

// CounterSnapshot is a copy of the counters, as /_sandbox/counters returns it.
type CounterSnapshot struct {
	Authorizations  int64 `json:"authorizations"`
	Denials         int64 `json:"denials"`
	CodeExchanges   int64 `json:"code_exchanges"`
	Refreshes       int64 `json:"refreshes"`
	ReuseDetections int64 `json:"reuse_detections"`
	Revocations     int64 `json:"revocations"`
	Creates         int64 `json:"creates"`
	APIKeysMinted   int64 `json:"api_keys_minted"`
	LeewayReuses    int64 `json:"leeway_reuses"`
}

// Snapshot returns the current values.
func (c *Counters) Snapshot() CounterSnapshot {
	return CounterSnapshot{
		Authorizations:  c.Authorizations.Load(),
		Denials:         c.Denials.Load(),
		CodeExchanges:   c.CodeExchanges.Load(),
		Refreshes:       c.Refreshes.Load(),
		ReuseDetections: c.ReuseDetections.Load(),
		Revocations:     c.Revocations.Load(),
		Creates:         c.Creates.Load(),
		APIKeysMinted:   c.APIKeysMinted.Load(),
		LeewayReuses:    c.LeewayReuses.Load(),
	}
}

// Client is an OAuth client registered with one provider's authorization server.
type Client struct {
	Provider     string   `json:"provider"` // "polyscale" or "upstash"
	ID           string   `json:"id"`
	Secret       string   `json:"secret,omitempty"` // PolyScale's clients are confidential; Upstash's are public
	RedirectURIs []string `json:"redirect_uris"`
}

// DefaultClients are the clients cachelink's default configuration uses.
func DefaultClients() []Client {
	return []Client{
		{Provider: "polyscale", ID: "cachelink-sandbox", Secret: "sandbox-polyscale-secret", RedirectURIs: []string{"http://localhost:3000/callback"}},
		{Provider: "upstash", ID: "cachelink-sandbox", RedirectURIs: []string{"http://localhost:3000"}},
	}
}

// DefaultAccessTokenLifetime is how long PolyScale's access tokens live
// unless a test shortens it (Hydra's default).
const DefaultAccessTokenLifetime = time.Hour

// DefaultUpstashAccessTokenLifetime is how long Upstash's access tokens
// live unless a test shortens it: Auth0's expires_in of 172800 s, as
// Upstash documents it.
const DefaultUpstashAccessTokenLifetime = 172800 * time.Second

// RefreshRotation is what a refresh grant does with the refresh token it
// redeems.
type RefreshRotation string

const (
	// RotateRefreshTokens (the default, "" too): every refresh answers a
	// new refresh token and retires the one redeemed; presenting a
	// retired one (after RefreshPolicy.ReuseInterval) is a reuse, which
	// revokes the family. Hydra always does this; Auth0 when the
	// application enables rotation.
	RotateRefreshTokens RefreshRotation = "rotate"
	// ReturnSameRefreshToken: rotation off; the answer carries the
	// refresh token redeemed, which stays valid.
	ReturnSameRefreshToken RefreshRotation = "same"
	// OmitRefreshToken: rotation off; the answer carries no refresh
	// token, and the one redeemed stays valid (Auth0 without rotation).
	OmitRefreshToken RefreshRotation = "none"
)

// ParseRefreshRotation reads "rotate", "same" or "none" ("" is rotate).
func ParseRefreshRotation(s string) (RefreshRotation, error) {
	switch r := RefreshRotation(s); r {
	case "", RotateRefreshTokens:
		return RotateRefreshTokens, nil
	case ReturnSameRefreshToken, OmitRefreshToken:
		return r, nil
	}
	return "", fmt.Errorf("refresh rotation %q: want rotate, same or none", s)
}

// RefreshPolicy is how an authorization server treats refresh tokens.
type RefreshPolicy struct {
	Rotation RefreshRotation // "" = RotateRefreshTokens
	// ReuseInterval is, with rotation, how long a retired refresh token
	// is still accepted (Auth0's reuse interval): each such redemption
	// answers a new refresh token and leaves the others valid. 0 = none.
	ReuseInterval time.Duration
}
