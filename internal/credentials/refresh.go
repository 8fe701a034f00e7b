package credentials

import (
	"context"
	"errors"
	"fmt"
	"strings"
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
func (s *Store) Fresh(ctx context.Context, provider, profile string, refresh Refresher) (*Record, Source, error) {
	r, src, err := s.Load(provider, profile)
	if err != nil {
		return nil, "", err
	}
	if !needsRefresh(r) {
		return r, src, nil
	}
	return s.underLock(ctx, provider, profile, func(r *Record, src Source) (*Record, Source, error) {
		if !needsRefresh(r) { // another process refreshed while this one waited
			return r, src, nil
		}
		return s.refresh(ctx, r, src, refresh)
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
	return s.underLock(ctx, provider, profile, func(r *Record, src Source) (*Record, Source, error) {
		if r.AccessToken != rejectedAccessToken && !needsRefresh(r) {
			return r, src, nil
		}
		if r.RefreshToken == "" {
			return nil, "", reauthError(provider, profile, "the provider rejected the stored access token and there is no refresh token")
		}
		return s.refresh(ctx, r, src, refresh)
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
// provider and profile. The lock file is Dir/refresh-<provider>-<profile>.lock.
func (s *Store) underLock(ctx context.Context, provider, profile string, fn func(*Record, Source) (*Record, Source, error)) (*Record, Source, error) {
	if err := checkNames(provider, profile); err != nil {
		return nil, "", err
	}
	unlock, err := s.lock(ctx, "refresh-"+provider+"-"+profile+".lock", "refreshing the "+provider+" login")
	if err != nil {
		return nil, "", err
	}
	defer unlock()
	r, src, err := s.Load(provider, profile)
	if err != nil {
		return nil, "", err
	}
	return fn(r, src)
}

// refresh redeems r's refresh token once and saves the result. It runs
// under the refresh lock.
func (s *Store) refresh(ctx context.Context, r *Record, src Source, refresh Refresher) (*Record, Source, error) {
	sent := r.RefreshToken
	tok, err := redeem(ctx, r, refresh)
	if isInvalidGrant(err) {
		// A refresh token can only be rejected like this if it was used or
		// revoked. If another process (an older cachelink without the lock,
		// or `cachelink connect`) stored a different one meanwhile, use that.
		cur, curSrc, lerr := s.Load(r.Provider, r.Profile)
		if lerr != nil || cur.RefreshToken == "" || cur.RefreshToken == sent {
			return nil, "", reauthError(r.Provider, r.Profile, describe(err))
		}
		if !needsRefresh(cur) {
			return cur, curSrc, nil
		}
		r, src = cur, curSrc
		tok, err = redeem(ctx, r, refresh)
		if isInvalidGrant(err) {
			return nil, "", reauthError(r.Provider, r.Profile, describe(err))
		}
	}
	if err != nil {
		return nil, "", &refreshError{
			msg: fmt.Sprintf("refreshing the %s login of profile %s failed: %s", r.Provider, r.Profile, describe(err)),
			err: err,
		}
	}

	next := *r
	next.Scopes = append([]string(nil), r.Scopes...)
	merge(&next, tok)
	saved, serr := s.Save(&next)
	if serr != nil {
		s.warn(fmt.Sprintf("warning: the refreshed %s login of profile %s could not be stored (%v); this command uses it, "+
			"but the next one will need `cachelink connect %s`", r.Provider, r.Profile, serr, r.Provider))
		return &next, src, nil
	}
	return &next, saved, nil
}

// redeem calls refresh with r's refresh token and checks the answer.
func redeem(ctx context.Context, r *Record, refresh Refresher) (*oauth2.Token, error) {
	tok, err := refresh(ctx, r.RefreshToken)
	if err != nil {
		return nil, err
	}
	if tok == nil || tok.AccessToken == "" {
		return nil, errors.New("the token endpoint returned no access token")
	}
	return tok, nil
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
// *url.Error, context.DeadlineExceeded).
type refreshError struct {
	msg string
	err error
}

func (e *refreshError) Error() string { return e.msg }
func (e *refreshError) Unwrap() error { return e.err }

// reauthError wraps ErrReauthRequired with the command that fixes it.
func reauthError(provider, profile, why string) error {
	cmd := "cachelink connect " + provider
	if profile != "default" {
		cmd += " --profile " + profile
	}
	return fmt.Errorf("%w: %s, profile %s (%s); run `%s`", ErrReauthRequired, provider, profile, why, cmd)
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
	return s.underLock(ctx, provider, profile, func(r *Record, _ Source) (*Record, Source, error) {
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
