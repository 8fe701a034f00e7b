package credentials

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http/httptrace"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
)

// Refresher redeems a refresh token once (never retried) and returns the new
// token. With x/oauth2, set Endpoint.AuthStyle explicitly: the zero value
// makes it resend a failed grant with the other auth style, which is a second
// redemption.
type Refresher func(ctx context.Context, refreshToken string) (*oauth2.Token, error)

// ExpiryMargin is how long before its expiry an access token is refreshed.
// A token that lived less than twice as long when it was stored (a provider,
// or the sandbox, issuing 30-second tokens) is refreshed when half its
// lifetime is left instead; otherwise every command would refresh it, and
// parallel ones would queue up to refresh it one after the other.
const ExpiryMargin = time.Minute

// MaxGrantWait bounds how long a refresh grant that was sent is waited for,
// even after the command was interrupted: a grant that was sent is
// finished, not abandoned, because the provider may already have rotated
// the refresh token, and only its answer holds the new one. It stays under
// lockWait, so that other processes waiting for the refresh lock see the
// grant's outcome (or its marker, see Fresh) rather than giving up first.
// Refreshers should bound their request more tightly (provider.Session
// does, at 20 seconds).
const MaxGrantWait = 25 * time.Second

// ErrGrantUnanswered is wrapped by the error of a refresh whose grant was
// sent but got no answer (a timeout, a connection lost after sending), and
// by that of a process that found such a grant and did not send the same
// refresh token again (see Fresh). The provider may have rotated the
// token: the stored login may be lost, which only the next refresh tells.
var ErrGrantUnanswered = errors.New("the refresh got no answer")

// Fresh returns the record of provider and profile with an access token that
// is not about to expire (see ExpiryMargin), refreshing it first when needed.
//
// A record that needs no refresh (its access token is valid beyond the
// margin, it has no refresh token, or its access token does not expire) is
// returned as loaded, without taking a lock. Otherwise Fresh takes the
// cross-process lock of the provider and profile, reads the store again and
// refreshes only if that is still needed: of fifty processes that find the
// same expired token, one calls refresh and the others use what it stored.
// The rotated token is saved before the lock is released.
//
// refresh is called at most once per refresh token, never retried. When
// it fails with invalid_grant, Fresh reads the store again: if another
// process (or `cachelink connect`) stored a different refresh token in the
// meantime, that record is used; otherwise the error wraps ErrReauthRequired
// and says to run `cachelink connect <provider>`. The stored record is never
// deleted. Other refresh errors are returned wrapped, with the cause in the
// chain (a *url.Error for a network failure) and no token in the text.
//
// When the refreshed record cannot be saved, Fresh still returns it so the
// current command works, and warns through Options.Warn that the next
// command will need `cachelink connect`.
//
// A grant that was sent is finished: when ctx is cancelled (Ctrl-C) while
// the grant is in flight, Fresh says so through Options.Warn, waits for the
// answer (at most MaxGrantWait, and the Refresher's own bound), stores the
// rotated token, and then returns ctx's error.
//
// While a grant is in flight, the file Dir/refresh-<provider>-<profile>.grant
// records it: the hash of the refresh token sent, when, and by which
// process. It is removed once the answer is handled. When no answer came
// (the Refresher timed out, the process died), it stays, and says when the
// sender gave up. A process that then takes the lock and would send the
// same refresh token does not send it blindly: if it was already waiting
// when the sender gave up (it is one of the many parallel commands that
// queued behind that grant), it fails with ErrGrantUnanswered, saying that
// the token may have been used; a command started afterwards warns, removes
// the marker, and tries the refresh token once more (an invalid_grant then
// asks to run `cachelink connect`).
func (s *Store) Fresh(ctx context.Context, provider, profile string, refresh Refresher) (*Record, Source, error) {
	r, src, err := s.Load(provider, profile)
	if err != nil {
		return nil, "", err
	}
	if !needsRefresh(r) {
		return r, src, nil
	}
	return s.underLock(ctx, provider, profile, func(r *Record, src Source, since time.Time) (*Record, Source, error) {
		if !needsRefresh(r) { // another process refreshed while this one waited
			return r, src, nil
		}
		return s.refresh(ctx, r, src, refresh, since)
	})
}

// ForceRefresh refreshes the access token after an API rejected it (HTTP
// 401) although it looked valid: it may have been revoked, or replaced by a
// refresh in another process. Under the lock it reads the store again; when
// the stored access token is no longer rejectedAccessToken (and is not about
// to expire), another process has refreshed and that record is returned.
// Otherwise refresh is called once, with the same invalid_grant handling as
// Fresh. A record without a refresh token cannot be refreshed: the error
// wraps ErrReauthRequired.
//
// Callers retry their API request once with the result and report a second
// 401 as "not connected" rather than calling ForceRefresh again.
func (s *Store) ForceRefresh(ctx context.Context, provider, profile, rejectedAccessToken string, refresh Refresher) (*Record, Source, error) {
	return s.underLock(ctx, provider, profile, func(r *Record, src Source, since time.Time) (*Record, Source, error) {
		if r.AccessToken != rejectedAccessToken && !needsRefresh(r) {
			return r, src, nil
		}
		if r.RefreshToken == "" {
			return nil, "", reauthError(provider, profile, "the provider rejected the stored access token and there is no refresh token")
		}
		return s.refresh(ctx, r, src, refresh, since)
	})
}

// needsRefresh reports whether r's access token is missing or about to
// expire (see ExpiryMargin), and r can be refreshed.
func needsRefresh(r *Record) bool {
	if r.RefreshToken == "" || r.Expiry.IsZero() {
		return false
	}
	margin := ExpiryMargin
	if !r.Updated.IsZero() {
		margin = max(0, min(margin, r.Expiry.Sub(r.Updated)/2))
	}
	return r.AccessToken == "" || time.Until(r.Expiry) <= margin
}

// underLock runs fn on the record as read inside the refresh lock of
// provider and profile, with the time this process began to wait for the
// lock. The lock file is Dir/refresh-<provider>-<profile>.lock.
func (s *Store) underLock(ctx context.Context, provider, profile string, fn func(*Record, Source, time.Time) (*Record, Source, error)) (*Record, Source, error) {
	if err := checkNames(provider, profile); err != nil {
		return nil, "", err
	}
	since := time.Now()
	unlock, err := s.lock(ctx, "refresh-"+provider+"-"+profile+".lock", "refreshing the "+provider+" login")
	if err != nil {
		return nil, "", err
	}
	defer unlock()
	r, src, err := s.Load(provider, profile)
	if err != nil {
		return nil, "", err
	}
	return fn(r, src, since)
}

// refresh redeems r's refresh token once and saves the result. It runs
// under the refresh lock, which this process began to wait for at since.
func (s *Store) refresh(ctx context.Context, r *Record, src Source, refresh Refresher, since time.Time) (*Record, Source, error) {
	if err := s.checkUnanswered(ctx, r, since); err != nil {
		return nil, "", err
	}
	if err := ctx.Err(); err != nil {
		return nil, "", err // interrupted before anything was sent
	}
	sent := r.RefreshToken
	tok, err := s.grant(ctx, r, refresh)
	if isInvalidGrant(err) {
		// A refresh token can only be rejected like this if it was used or
		// revoked. If another process (an older cachelink without the lock,
		// or `cachelink connect`) stored a different one meanwhile, use that.
		cur, curSrc, lerr := s.Load(r.Provider, r.Profile)
		if lerr != nil || cur.RefreshToken == "" || cur.RefreshToken == sent {
			return nil, "", reauthError(r.Provider, r.Profile, invalidGrantReason)
		}
		if !needsRefresh(cur) {
			return cur, curSrc, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, "", err
		}
		r, src = cur, curSrc
		tok, err = s.grant(ctx, r, refresh)
		if isInvalidGrant(err) {
			return nil, "", reauthError(r.Provider, r.Profile, invalidGrantReason)
		}
	}
	if err != nil {
		return nil, "", &refreshError{
			msg:        fmt.Sprintf("refreshing the %s login of profile %s failed: %s", r.Provider, r.Profile, describe(err)),
			err:        err,
			unanswered: errors.Is(err, ErrGrantUnanswered),
		}
	}

	next := *r
	next.Scopes = append([]string(nil), r.Scopes...)
	merge(&next, tok)
	saved, serr := s.Save(&next)
	s.removeGrantMarker(r.Provider, r.Profile) // answered, and stored if it could be
	if serr != nil {
		s.warn(fmt.Sprintf("warning: the refreshed %s login of profile %s could not be stored (%v); this command uses it\n"+
			"The next one will need '%s'.", r.Provider, r.Profile, serr, connectCommand(r.Provider, r.Profile)))
		saved = src
	}
	if err := ctx.Err(); err != nil {
		return nil, "", err // interrupted: the rotated token is stored, now stop
	}
	return &next, saved, nil
}

// invalidGrantReason is why a login needs `cachelink connect` after an
// invalid_grant. The provider's error_description is left out: it is
// usually a paragraph of RFC 6749.
const invalidGrantReason = "the provider refused its refresh token: invalid_grant"

// grant sends r's refresh token once and returns the checked answer. The
// grant marker records it while it is in flight. The Refresher gets a
// context that ctx's cancellation does not reach, bounded by MaxGrantWait:
// when ctx is cancelled once the grant is under way, grant says so and
// keeps waiting for the answer. An error without an answer wraps
// ErrGrantUnanswered and leaves the marker, saying when this process gave
// up, unless the request was known not to have been written.
func (s *Store) grant(ctx context.Context, r *Record, refresh Refresher) (*oauth2.Token, error) {
	marker := grantMarker{PID: os.Getpid(), Since: time.Now().UTC(), Token: tokenHash(r.RefreshToken)}
	if err := s.writeGrantMarker(r.Provider, r.Profile, marker); err != nil {
		s.warn(fmt.Sprintf("warning: could not record the %s refresh about to be sent: %v", r.Provider, err))
	}

	// The trace tells a request that was never written (no connection)
	// from one whose answer was lost.
	var dialled, wrote atomic.Bool
	gctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), MaxGrantWait)
	defer cancel()
	gctx = httptrace.WithClientTrace(gctx, &httptrace.ClientTrace{
		GetConn:      func(string) { dialled.Store(true) },
		WroteRequest: func(httptrace.WroteRequestInfo) { wrote.Store(true) },
	})
	type answer struct {
		tok *oauth2.Token
		err error
	}
	done := make(chan answer, 1) // buffered: a Refresher that outlives the bound must not block
	go func() {
		tok, err := refresh(gctx, r.RefreshToken)
		done <- answer{tok, err}
	}()
	var a answer
	select {
	case a = <-done:
	case <-ctx.Done():
		s.warn(fmt.Sprintf("Interrupted: waiting for %s to answer the refresh already sent (at most %s), so that the new token is stored…",
			titleOf(ctx, r.Provider), MaxGrantWait))
		select {
		case a = <-done:
		case <-gctx.Done():
			a = answer{err: gctx.Err()}
		}
	case <-gctx.Done():
		a = answer{err: gctx.Err()}
	}

	var re *oauth2.RetrieveError
	switch {
	case a.err == nil:
		if a.tok == nil || a.tok.AccessToken == "" {
			s.removeGrantMarker(r.Provider, r.Profile)
			return nil, errors.New("the token endpoint returned no access token")
		}
		return a.tok, nil // the caller removes the marker once the token is stored
	case errors.As(a.err, &re), dialled.Load() && !wrote.Load():
		// The provider answered with an error, or the request never left.
		s.removeGrantMarker(r.Provider, r.Profile)
		return nil, a.err
	}
	marker.GaveUp = time.Now().UTC()
	if err := s.writeGrantMarker(r.Provider, r.Profile, marker); err != nil {
		s.warn(fmt.Sprintf("warning: could not record the unanswered %s refresh: %v", r.Provider, err))
	}
	if ctx.Err() != nil {
		s.warn(fmt.Sprintf("warning: %s did not answer the refresh in time; the refresh token may have been used\n"+
			"If the next command fails, run '%s'.", titleOf(ctx, r.Provider), connectCommand(r.Provider, r.Profile)))
	}
	return nil, fmt.Errorf("%w: %w", ErrGrantUnanswered, a.err)
}

// titleKey is the context key of WithTitle.
type titleKey struct{}

// WithTitle returns ctx carrying the provider's name for people
// ("PolyScale"), which the messages Fresh and ForceRefresh write through
// Options.Warn use instead of the provider's name in the store.
func WithTitle(ctx context.Context, title string) context.Context {
	return context.WithValue(ctx, titleKey{}, title)
}

// titleOf is the title WithTitle put in ctx, or name.
func titleOf(ctx context.Context, name string) string {
	if t, ok := ctx.Value(titleKey{}).(string); ok && t != "" {
		return t
	}
	return name
}

// grantMarker is the content of Dir/refresh-<provider>-<profile>.grant:
// a refresh grant sent and not yet (or never) answered.
type grantMarker struct {
	PID    int       `json:"pid"`
	Since  time.Time `json:"since"`             // when the grant was sent
	GaveUp time.Time `json:"gave_up,omitzero"`  // when the sender stopped waiting; zero while it waits
	Token  string    `json:"refresh_token_sha"` // a hash of the refresh token sent, never the token
}

// maxMarkerSize bounds what is read of a marker file.
const maxMarkerSize = 4 << 10

func (s *Store) grantMarkerPath(provider, profile string) string {
	return filepath.Join(s.dir, "refresh-"+provider+"-"+profile+".grant")
}

// tokenHash identifies a refresh token in the marker without storing it.
func tokenHash(token string) string {
	sum := sha256.Sum256([]byte("cachelink grant marker\x00" + token))
	return hex.EncodeToString(sum[:16])
}

// writeGrantMarker replaces the marker atomically (a 0600 temporary file,
// renamed), so a reader never sees half of one.
func (s *Store) writeGrantMarker(provider, profile string, m grantMarker) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(s.dir, ".grant-*.tmp")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), s.grantMarkerPath(provider, profile))
	}
	if werr != nil {
		os.Remove(tmp.Name())
	}
	return werr
}

// readGrantMarker returns the marker of provider and profile, if there is
// a readable one. One that cannot be read is removed: it could only stop
// refreshes forever.
func (s *Store) readGrantMarker(provider, profile string) (grantMarker, bool) {
	var m grantMarker
	path := s.grantMarkerPath(provider, profile)
	info, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return m, false
	}
	if err != nil || !info.Mode().IsRegular() {
		s.removeGrantMarker(provider, profile)
		return m, false
	}
	f, err := os.Open(path)
	if err != nil {
		return m, false
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxMarkerSize))
	if err != nil || json.Unmarshal(data, &m) != nil || m.Token == "" || m.Since.IsZero() {
		s.removeGrantMarker(provider, profile)
		return grantMarker{}, false
	}
	return m, true
}

func (s *Store) removeGrantMarker(provider, profile string) {
	if err := os.Remove(s.grantMarkerPath(provider, profile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		s.warn(fmt.Sprintf("warning: could not remove %s: %v", s.grantMarkerPath(provider, profile), err))
	}
}

// checkUnanswered looks, before r's refresh token is sent, for a grant of
// the same token that got no answer (see Fresh). since is when this
// process began to wait for the refresh lock.
func (s *Store) checkUnanswered(ctx context.Context, r *Record, since time.Time) error {
	m, ok := s.readGrantMarker(r.Provider, r.Profile)
	if !ok {
		return nil
	}
	if m.Token != tokenHash(r.RefreshToken) {
		// A marker about a refresh token that is no longer stored: its
		// grant was answered after all, or a new login replaced it.
		s.removeGrantMarker(r.Provider, r.Profile)
		return nil
	}
	gaveUp := m.GaveUp
	if gaveUp.IsZero() {
		// The sender died while it waited (it would still hold the
		// lock otherwise); it would have stopped waiting by then.
		gaveUp = m.Since.Add(MaxGrantWait)
	}
	if since.Before(gaveUp) {
		return &unansweredError{title: titleOf(ctx, r.Provider), profile: r.Profile, marker: m}
	}
	s.warn(fmt.Sprintf("warning: an earlier refresh of the %s login of profile %s (process %d, at %s) got no answer; trying once more\n"+
		"If %s refuses the refresh token, it was used then, and '%s' is needed.",
		titleOf(ctx, r.Provider), r.Profile, m.PID, m.Since.UTC().Format(time.RFC3339), titleOf(ctx, r.Provider), connectCommand(r.Provider, r.Profile)))
	s.removeGrantMarker(r.Provider, r.Profile)
	return nil
}

// unansweredError is the error of a process that found the grant of the
// refresh token it would send unanswered, and did not send it again.
type unansweredError struct {
	title, profile string // the provider's name for people, the profile
	marker         grantMarker
}

func (e *unansweredError) Error() string {
	return fmt.Sprintf("another cachelink process (%d) sent the refresh token of the %s login of profile %s at %s and got no answer; "+
		"%s may have used it, so it was not sent again",
		e.marker.PID, e.title, e.profile, e.marker.Since.UTC().Format(time.RFC3339), e.title)
}

func (e *unansweredError) Unwrap() error { return ErrGrantUnanswered }

// KnownProfiles returns, sorted, the profiles that hold a stored login of
// one of providers, as far as the store can tell without a keychain that
// lists its items: the candidates are those of the profile index
// (Profiles), of the credentials file and of the refresh locks in Dir
// (every login made takes its lock, also with versions before the index),
// and each is checked with Load. At most max are returned.
func (s *Store) KnownProfiles(providers []string, max int) []string {
	candidates := map[string]bool{}
	for _, p := range providers {
		indexed, _ := s.Profiles(p)
		for _, profile := range indexed {
			candidates[profile] = true
		}
	}
	if s.mode != ModeKeyring {
		if m, err := s.readFile(); err == nil {
			for key := range m {
				if _, profile, ok := strings.Cut(key, ":"); ok {
					candidates[profile] = true
				}
			}
		}
	}
	if entries, err := os.ReadDir(s.dir); err == nil {
		for _, e := range entries {
			for _, p := range providers {
				rest, ok := strings.CutPrefix(e.Name(), "refresh-"+p+"-")
				if profile, ok2 := strings.CutSuffix(rest, ".lock"); ok && ok2 {
					candidates[profile] = true
				}
			}
		}
	}
	sorted := make([]string, 0, len(candidates))
	for profile := range candidates {
		if checkNames("x", profile) == nil {
			sorted = append(sorted, profile)
		}
	}
	slices.Sort(sorted)
	var out []string
	for _, profile := range sorted {
		if len(out) >= max {
			break
		}
		for _, p := range providers {
			if _, _, err := s.Load(p, profile); err == nil {
				out = append(out, profile)
				break
			}
		}
	}
	return out
}

// merge copies a refreshed token into r: the access token and its expiry,
// the rotated refresh token (the old one stays when the response has none)
// and the granted scopes when the response lists them.
func merge(r *Record, tok *oauth2.Token) {
	r.AccessToken = tok.AccessToken
	r.Expiry = tok.Expiry.UTC() // zero stays zero: the new token does not expire
	if tok.RefreshToken != "" {
		r.RefreshToken = tok.RefreshToken
	}
	if scope, ok := tok.Extra("scope").(string); ok && strings.TrimSpace(scope) != "" {
		r.Scopes = strings.Fields(scope)
	}
}

func isInvalidGrant(err error) bool {
	var re *oauth2.RetrieveError
	return errors.As(err, &re) && re.ErrorCode == "invalid_grant"
}

// describe says what went wrong without quoting a response body, which
// x/oauth2 puts into RetrieveError's text for non-standard error responses
// (and which could echo a token).
func describe(err error) string {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return err.Error()
	}
	var b strings.Builder
	b.WriteString("the token endpoint answered")
	if re.Response != nil {
		fmt.Fprintf(&b, " HTTP %d", re.Response.StatusCode)
	}
	if re.ErrorCode != "" {
		fmt.Fprintf(&b, " %s", re.ErrorCode)
	}
	if re.ErrorDescription != "" {
		fmt.Fprintf(&b, ": %s", re.ErrorDescription)
	}
	if re.Response == nil && re.ErrorCode == "" {
		b.WriteString(" with an error")
	}
	return b.String()
}

// refreshError is a failed refresh: a message for people that quotes no
// token, and the cause for errors.Is and errors.As (*oauth2.RetrieveError,
// *url.Error, context.DeadlineExceeded, ErrGrantUnanswered).
type refreshError struct {
	msg        string
	err        error
	unanswered bool // the grant was sent and got no answer
}

func (e *refreshError) Error() string {
	if e.unanswered {
		return e.msg + "; the refresh token may have been used"
	}
	return e.msg
}
func (e *refreshError) Unwrap() error { return e.err }

// ReauthError is a login that only `cachelink connect` can fix: its
// refresh token was refused, or it has none. It wraps ErrReauthRequired.
type ReauthError struct {
	Provider, Profile string
	Reason            string // why, in a few words, quoting no token
}

func (e *ReauthError) Error() string {
	return fmt.Sprintf("%s: %s, profile %s (%s)", ErrReauthRequired, e.Provider, e.Profile, e.Reason)
}

// Hint is what to do: log in again.
func (e *ReauthError) Hint() string {
	return fmt.Sprintf("Run '%s' to log in again.", connectCommand(e.Provider, e.Profile))
}

func (e *ReauthError) Unwrap() error { return ErrReauthRequired }

// reauthError is a ReauthError: the error names the command that fixes it.
func reauthError(provider, profile, why string) error {
	return &ReauthError{Provider: provider, Profile: profile, Reason: why}
}

// Locked runs fn while holding the cross-process lock Dir/<name>-<provider>-<profile>.lock,
// for read-check-write sequences other than a refresh (minting a new
// Upstash API key) that parallel processes must not all perform. fn
// should Load again inside it. The refresh lock is a different file, so
// fn may call Fresh.
func (s *Store) Locked(ctx context.Context, name, provider, profile string, fn func() error) error {
	if err := checkNames(provider, profile); err != nil {
		return err
	}
	unlock, err := s.lock(ctx, name+"-"+provider+"-"+profile+".lock", name+" for "+provider)
	if err != nil {
		return err
	}
	defer unlock()
	return fn()
}

// Update changes the stored record of provider and profile under the
// refresh lock: it is read again inside the lock, change edits it, and it
// is saved before the lock is released. Every write of a record that may
// be refreshed concurrently goes through the refresh lock, so a refresh
// never overwrites it and it never overwrites a rotated refresh token.
func (s *Store) Update(ctx context.Context, provider, profile string, change func(*Record) error) (*Record, Source, error) {
	return s.underLock(ctx, provider, profile, func(r *Record, _ Source, _ time.Time) (*Record, Source, error) {
		if err := change(r); err != nil {
			return nil, "", err
		}
		src, err := s.Save(r)
		return r, src, err
	})
}

// Replace saves r whole (a new login) under the refresh lock of its
// provider and profile.
func (s *Store) Replace(ctx context.Context, r *Record) (Source, error) {
	var src Source
	err := s.Locked(ctx, "refresh", r.Provider, r.Profile, func() error {
		var err error
		src, err = s.Save(r)
		return err
	})
	return src, err
}

// Forget deletes the record of provider and profile under its refresh
// lock, so a refresh in progress cannot store it again afterwards.
func (s *Store) Forget(ctx context.Context, provider, profile string) error {
	return s.Locked(ctx, "refresh", provider, profile, func() error { return s.Delete(provider, profile) })
}
