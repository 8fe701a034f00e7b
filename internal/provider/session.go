package provider

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/oauth2"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/config"
	"github.com/cachelink/cachelink/internal/credentials"
)

// Session is one provider's login for one profile, with what a provider's
// hooks need to read, refresh and update it. Its Store is called only when
// needed, so a run with an env credential never touches the keychain.
type Session struct {
	Provider Provider
	Profile  string
	Config   *config.Config
	// Store returns the credential store (built on first use).
	Store func() (*credentials.Store, error)
	// HTTP sends what must never be resent: grants, revocations, minting.
	HTTP *http.Client
}

// refreshTimeout bounds one refresh grant (credentials waits 30 s for the
// lock another process holds while it refreshes).
const refreshTimeout = 20 * time.Second

// Refresher redeems a refresh token at the provider's token endpoint,
// once: x/oauth2 with an explicit AuthStyle does not retry.
func (s *Session) Refresher() (credentials.Refresher, error) {
	login, err := s.Provider.Login(s.Config, LoginOptions{})
	if err != nil {
		return nil, err
	}
	oc, hc := login.OAuth2, s.HTTP
	return func(ctx context.Context, refreshToken string) (*oauth2.Token, error) {
		// Shorter than the time other processes wait for the refresh lock,
		// so that a slow token endpoint fails this refresh, not theirs.
		ctx, cancel := context.WithTimeout(ctx, refreshTimeout)
		defer cancel()
		ctx = context.WithValue(ctx, oauth2.HTTPClient, hc)
		return oc.TokenSource(ctx, &oauth2.Token{RefreshToken: refreshToken, Expiry: time.Unix(1, 0)}).Token()
	}, nil
}

// Refreshable returns the credential store and the Refresher: what a read
// of the store that may refresh the login needs.
func (s *Session) Refreshable() (*credentials.Store, credentials.Refresher, error) {
	store, err := s.Store()
	if err != nil {
		return nil, nil, err
	}
	refresh, err := s.Refresher()
	if err != nil {
		return nil, nil, err
	}
	return store, refresh, nil
}

// Load returns the stored credential as it is, without refreshing it.
func (s *Session) Load() (*Credential, error) {
	store, err := s.Store()
	if err != nil {
		return nil, err
	}
	rec, src, err := store.Load(s.Provider.Name(), s.Profile)
	if err != nil {
		return nil, s.Error(err)
	}
	return s.Provider.Credential(rec, src), nil
}

// Fresh returns the stored credential with an access token that is not
// about to expire, refreshed under the cross-process lock when needed.
func (s *Session) Fresh(ctx context.Context) (*Credential, error) {
	return s.refreshing(func(store *credentials.Store, refresh credentials.Refresher) (*credentials.Record, credentials.Source, error) {
		return store.Fresh(ctx, s.Provider.Name(), s.Profile, refresh)
	})
}

// ForceRefresh refreshes the access token after the API refused
// rejectedAccessToken, unless another process already replaced it.
func (s *Session) ForceRefresh(ctx context.Context, rejectedAccessToken string) (*Credential, error) {
	return s.refreshing(func(store *credentials.Store, refresh credentials.Refresher) (*credentials.Record, credentials.Source, error) {
		return store.ForceRefresh(ctx, s.Provider.Name(), s.Profile, rejectedAccessToken, refresh)
	})
}

// refreshing runs one of the store's refreshing reads and maps its errors.
func (s *Session) refreshing(read func(*credentials.Store, credentials.Refresher) (*credentials.Record, credentials.Source, error)) (*Credential, error) {
	store, refresh, err := s.Refreshable()
	if err != nil {
		return nil, err
	}
	rec, src, err := read(store, refresh)
	if err != nil {
		return nil, s.Error(err)
	}
	return s.Provider.Credential(rec, src), nil
}

// ErrNotConnected is wrapped by the error of a provider with nothing
// stored for the profile (exit 4).
var ErrNotConnected = errors.New("not connected")

// Error maps a credential-store failure to the error users see.
func (s *Session) Error(err error) error {
	p, profile := s.Provider, s.Profile
	var netErr net.Error
	var urlErr *url.Error
	var retrieveErr *oauth2.RetrieveError
	switch {
	case errors.Is(err, credentials.ErrNotFound):
		hint := ConnectHint(p, profile)
		if errors.Is(err, credentials.ErrKeyringUnavailable) {
			hint += " (The system keychain could not be checked either; `cachelink doctor` says why.)"
		}
		return clierr.Wrap(clierr.Auth, fmt.Errorf("%s is %w (profile %s)", p.Title(), ErrNotConnected, profile)).
			WithHint(hint)
	case errors.Is(err, credentials.ErrReauthRequired):
		return clierr.Wrap(clierr.Auth, err) // its message names the command to run
	case errors.Is(err, context.Canceled):
		return err
	case errors.As(err, &retrieveErr):
		status := 0
		if retrieveErr.Response != nil {
			status = retrieveErr.Response.StatusCode
		}
		if status == http.StatusTooManyRequests || status >= 500 {
			return clierr.Wrap(clierr.Unreachable, fmt.Errorf("refreshing the %s login: the token endpoint answered %d", p.Title(), status)).
				WithHint("Try again later; the stored login is kept.")
		}
		code := retrieveErr.ErrorCode
		if code == "" {
			code = fmt.Sprint(status)
		}
		return clierr.Authf("%s refused to refresh the login (%s)", p.Title(), code).WithHint(ConnectHint(p, profile))
	case errors.As(err, &urlErr), errors.As(err, &netErr):
		return clierr.Wrap(clierr.Unreachable, fmt.Errorf("refreshing the %s login: %w", p.Title(), err)).
			WithHint("Check the network and try again; run `cachelink doctor` to see which endpoint fails.")
	case errors.Is(err, credentials.ErrKeyringUnavailable):
		return clierr.Wrap(clierr.General, err).
			WithHint("Run `cachelink doctor` to diagnose the keychain, or set CACHELINK_TOKEN_STORE=file.")
	case errors.Is(err, credentials.ErrCorrupt):
		return clierr.Wrap(clierr.General, err).WithHint(ConnectHint(p, profile))
	}
	return err
}
