package provider

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
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
	// Providers are all the registered providers, to tell a profile that
	// exists for none of them (a mistyped --profile) from a provider not
	// connected; nil means Provider alone.
	Providers []Provider
}

// refreshTimeout bounds one refresh grant. It stays under
// credentials.MaxGrantWait, which stays under the 30 s other processes
// wait for the refresh lock: a slow token endpoint fails this refresh, not
// theirs, and they find its outcome (or its marker) when they get the lock.
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
		// The credential store hands a context that Ctrl-C does not
		// cancel: a grant that was sent is waited for, so that the
		// rotated refresh token it answers with is stored, not lost.
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
		return store.Fresh(credentials.WithTitle(ctx, s.Provider.Title()), s.Provider.Name(), s.Profile, refresh)
	})
}

// ForceRefresh refreshes the access token after the API refused
// rejectedAccessToken, unless another process already replaced it.
func (s *Session) ForceRefresh(ctx context.Context, rejectedAccessToken string) (*Credential, error) {
	return s.refreshing(func(store *credentials.Store, refresh credentials.Refresher) (*credentials.Record, credentials.Source, error) {
		return store.ForceRefresh(credentials.WithTitle(ctx, s.Provider.Title()), s.Provider.Name(), s.Profile, rejectedAccessToken, refresh)
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

// ErrNoProfile is wrapped, with ErrNotConnected, by the error of a profile
// the user asked for (--profile, CACHELINK_PROFILE, the config file) that
// holds no login of any provider: most likely a typo (exit 3).
var ErrNoProfile = errors.New("no such profile")

// maxListedProfiles bounds the profiles an unknown-profile error lists.
const maxListedProfiles = 10

// Error maps a credential-store failure to the error users see. Its
// hints name the --profile in use.
func (s *Session) Error(err error) error {
	p, profile := s.Provider, s.Profile
	var netErr net.Error
	var urlErr *url.Error
	var retrieveErr *oauth2.RetrieveError
	var reauth *credentials.ReauthError
	switch {
	case errors.Is(err, credentials.ErrNotFound):
		if e := s.unknownProfile(err); e != nil {
			return e
		}
		hint := ConnectHint(p, profile)
		if errors.Is(err, credentials.ErrKeyringUnavailable) {
			hint += " (The system keychain could not be checked either; 'cachelink doctor' says why.)"
		}
		return clierr.Wrap(clierr.Auth, fmt.Errorf("%s is %w (profile %s)", p.Title(), ErrNotConnected, profile)).
			WithHint(hint)
	case errors.As(err, &reauth):
		// One short line; the provider's error_description (a paragraph
		// of RFC 6749) stays out of it.
		return clierr.Wrap(clierr.Auth, &message{
			msg: fmt.Sprintf("the %s login of profile %s is no longer valid (%s)", p.Title(), profile,
				strings.Replace(reauth.Reason, "the provider", p.Title(), 1)),
			err: err,
		}).WithHint("Run '" + ConnectCommand(p, profile) + "' to log in again.")
	case errors.Is(err, credentials.ErrReauthRequired):
		return clierr.Wrap(clierr.Auth, err).WithHint(ConnectHint(p, profile))
	case errors.Is(err, context.Canceled):
		return err
	case errors.Is(err, credentials.ErrGrantUnanswered):
		// Sent, never answered: the refresh token may have been rotated
		// at the provider. Trying again tells (see credentials.Fresh).
		return clierr.Wrap(clierr.Unreachable, err).
			WithHint(fmt.Sprintf("%s may have used the refresh token without the answer arriving. Run the command again; "+
				"if it then says the login is no longer valid, run '%s'.", p.Title(), ConnectCommand(p, profile)))
	case errors.Is(err, credentials.ErrKeyringUnavailable):
		// Before the network errors: a keychain that cannot be reached
		// (a stale D-Bus address) fails with a dial error too, and "check
		// the network" would send the user the wrong way.
		return clierr.Wrap(clierr.General, fmt.Errorf("cannot read the %s login of profile %s: %w", p.Title(), profile, err)).
			WithHint("Run 'cachelink doctor' to diagnose the keychain, or set CACHELINK_TOKEN_STORE=file to keep logins in a file instead.")
	case errors.Is(err, credentials.ErrCorrupt):
		// The store says how to repair what it cannot read, where it can.
		hint := clierr.HintOf(err)
		if hint == "" {
			hint = ConnectHint(p, profile)
		}
		return clierr.Wrap(clierr.General, err).WithHint(hint)
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
			WithHint("Check the network and try again; run 'cachelink doctor' to see which endpoint fails.")
	}
	return err
}

// unknownProfile is the error for a profile the user asked for that holds
// no login of any provider (exit 3), listing the profiles that do where
// the store can tell; nil when the profile is the default, was not asked
// for, or holds some login, or when the store cannot tell (a keychain
// that could not be read).
func (s *Session) unknownProfile(notFound error) error {
	profile := s.Profile
	if profile == "default" || s.Config == nil || !s.Config.Explicit(config.Profile) ||
		errors.Is(notFound, credentials.ErrKeyringUnavailable) {
		return nil
	}
	store, err := s.Store()
	if err != nil {
		return nil
	}
	providers := s.Providers
	if len(providers) == 0 {
		providers = []Provider{s.Provider}
	}
	names := Names(providers)
	for _, name := range names {
		if name == s.Provider.Name() {
			continue // just found empty
		}
		if _, _, err := store.Load(name, profile); !errors.Is(err, credentials.ErrNotFound) ||
			errors.Is(err, credentials.ErrKeyringUnavailable) {
			return nil // a login, or a store that cannot say
		}
	}
	hint := fmt.Sprintf("Check the spelling of --profile, or run '%s' to create it.", ConnectCommand(s.Provider, profile))
	if known := store.KnownProfiles(names, maxListedProfiles); len(known) > 0 {
		hint = fmt.Sprintf("Profiles with a login: %s. ", strings.Join(known, ", ")) + hint
	}
	return clierr.Wrap(clierr.NotFound, &message{
		msg: fmt.Sprintf("no profile %s: no provider has a login stored under it", profile),
		err: errors.Join(ErrNoProfile, ErrNotConnected, notFound),
	}).WithHint(hint)
}

// message is an error with a message of its own for people that keeps
// its cause in the chain for errors.Is and errors.As.
type message struct {
	msg string
	err error
}

func (m *message) Error() string { return m.msg }
func (m *message) Unwrap() error { return m.err }

// TransportProfile is the profile whose login hc's transport sends, when
// the transport tells it (account.Transport has LoginProfile); "" otherwise.
// API clients name it in their hints, so that following a hint logs in to
// the profile in use rather than overwriting the default one.
func TransportProfile(hc *http.Client) string {
	if hc == nil {
		return ""
	}
	if t, ok := hc.Transport.(interface{ LoginProfile() string }); ok {
		return t.LoginProfile()
	}
	return ""
}
