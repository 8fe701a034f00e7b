package credentials_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cachelink/cachelink/internal/credentials"
	"golang.org/x/oauth2"
)

// issuer is a token endpoint that rotates refresh tokens: each refresh
// token it issued works once, and a used one gets invalid_grant.
type issuer struct {
	lifetime   time.Duration // of access tokens; 0 means an hour
	noRotation bool          // answer without a refresh_token, as some providers do
	scope      string        // the response's "scope", if any

	mu    sync.Mutex
	valid map[string]bool
	n     int
	sent  []string // the refresh tokens redeemed, in order
}

func newIssuer(refreshTokens ...string) *issuer {
	is := &issuer{valid: map[string]bool{}}
	for _, rt := range refreshTokens {
		is.valid[rt] = true
	}
	return is
}

func (is *issuer) refresh(_ context.Context, rt string) (*oauth2.Token, error) {
	is.mu.Lock()
	defer is.mu.Unlock()
	is.sent = append(is.sent, rt)
	if !is.valid[rt] {
		return nil, invalidGrant()
	}
	is.n++
	tok := &oauth2.Token{AccessToken: fmt.Sprintf("at-%d", is.n), TokenType: "Bearer", Expiry: time.Now().Add(cmp(is.lifetime, time.Hour))}
	if !is.noRotation {
		delete(is.valid, rt)
		tok.RefreshToken = fmt.Sprintf("rt-%d", is.n)
		is.valid[tok.RefreshToken] = true
	}
	if is.scope != "" {
		tok = tok.WithExtra(map[string]any{"scope": is.scope})
	}
	return tok, nil
}

func (is *issuer) calls() []string {
	is.mu.Lock()
	defer is.mu.Unlock()
	return append([]string(nil), is.sent...)
}

func cmp(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

func invalidGrant() error {
	return &oauth2.RetrieveError{
		Response:         &http.Response{StatusCode: http.StatusBadRequest, Status: "400 Bad Request"},
		ErrorCode:        "invalid_grant",
		ErrorDescription: "The refresh token has been used or revoked.",
	}
}

// seed stores a PolyScale login with an hour-long access token that expires
// at expiry (zero: never) and the refresh token rt.
func seed(t *testing.T, s *credentials.Store, accessToken, rt string, expiry time.Time) {
	t.Helper()
	issued := time.Now()
	if !expiry.IsZero() {
		issued = expiry.Add(-time.Hour)
	}
	seedIssued(t, s, accessToken, rt, issued, expiry)
}

// seedIssued is seed with the time the access token was issued and stored.
func seedIssued(t *testing.T, s *credentials.Store, accessToken, rt string, issued, expiry time.Time) {
	t.Helper()
	r := record(accessToken)
	r.RefreshToken = rt
	r.Expiry = expiry
	if _, err := credentials.SaveAsOf(s, r, issued); err != nil {
		t.Fatal(err)
	}
}

var (
	expired  = time.Now().Add(-time.Minute)
	expiring = time.Now().Add(30 * time.Second) // within ExpiryMargin
	valid    = time.Now().Add(time.Hour)
)

func fresh(t *testing.T, s *credentials.Store, refresh credentials.Refresher) *credentials.Record {
	t.Helper()
	r, _, err := s.Fresh(context.Background(), "polyscale", "default", refresh)
	if err != nil {
		t.Fatalf("Fresh: %v", err)
	}
	return r
}

func TestFreshReturnsAValidTokenWithoutRefreshing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := e.store(credentials.ModeFile, nil)
	seed(t, s, "at-0", "rt-0", valid)
	is := newIssuer("rt-0")

	r, src, err := s.Fresh(context.Background(), "polyscale", "default", is.refresh)
	if err != nil || r.AccessToken != "at-0" || src != credentials.SourceFile {
		t.Fatalf("Fresh = %v, %s, %v; want the stored at-0 from the file", r, src, err)
	}
	if calls := is.calls(); len(calls) != 0 {
		t.Errorf("refreshed %d times, want 0", len(calls))
	}
	if _, err := os.Stat(filepath.Join(e.dir, "refresh-polyscale-default.lock")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a valid token took the refresh lock (stat: %v)", err)
	}
}

func TestFreshLeavesRecordsThatCannotBeRefreshedAsTheyAre(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		rt     string
		expiry time.Time
	}{
		{"no refresh token", "", expired},
		{"an access token that does not expire", "rt-0", time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newEnv(t).store(credentials.ModeFile, nil)
			seed(t, s, "at-0", tc.rt, tc.expiry)
			is := newIssuer("rt-0")
			if r := fresh(t, s, is.refresh); r.AccessToken != "at-0" {
				t.Errorf("got %s, want the stored at-0", r.AccessToken)
			}
			if calls := is.calls(); len(calls) != 0 {
				t.Errorf("refreshed %d times, want 0", len(calls))
			}
		})
	}
}

func TestFreshRefreshesAnExpiringTokenOnceAndStoresTheRotation(t *testing.T) {
	t.Parallel()
	for _, expiry := range []time.Time{expired, expiring} {
		t.Run(time.Until(expiry).Round(time.Second).String(), func(t *testing.T) {
			t.Parallel()
			kr := newMemKeyring(windowsLimit)
			s := newEnv(t).store(credentials.ModeKeyring, kr)
			seed(t, s, "at-0", "rt-0", expiry)
			is := newIssuer("rt-0")
			is.scope = "caches:read"

			r := fresh(t, s, is.refresh)

			if calls := is.calls(); len(calls) != 1 || calls[0] != "rt-0" {
				t.Fatalf("refresh calls %v, want one with rt-0", calls)
			}
			if r.AccessToken != "at-1" || r.RefreshToken != "rt-1" || time.Until(r.Expiry) < 59*time.Minute {
				t.Errorf("got %s/%s expiring %v, want at-1/rt-1 in an hour", r.AccessToken, r.RefreshToken, r.Expiry)
			}
			if len(r.Scopes) != 1 || r.Scopes[0] != "caches:read" {
				t.Errorf("scopes %v, want those of the response", r.Scopes)
			}
			if r.Account != "ws-personal" {
				t.Errorf("account %q: the refresh must keep what it does not replace", r.Account)
			}
			stored, _ := mustLoad(t, s)
			sameRecord(t, stored, r)

			// The next call uses the stored token.
			if again := fresh(t, s, is.refresh); again.AccessToken != "at-1" || len(is.calls()) != 1 {
				t.Errorf("second Fresh: %s after %d refreshes, want at-1 after 1", again.AccessToken, len(is.calls()))
			}
		})
	}
}

func TestFreshRefreshesShortLivedTokensWhenHalfTheirLifetimeIsLeft(t *testing.T) {
	t.Parallel()
	// A provider issuing 30-second tokens: refreshing them a minute before
	// expiry would mean refreshing on every command.
	for _, tc := range []struct {
		name        string
		issuedAgo   time.Duration
		wantRefresh bool
	}{
		{"just issued", 0, false},
		{"10 of 30 seconds left", 20 * time.Second, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newEnv(t).store(credentials.ModeFile, nil)
			issued := time.Now().Add(-tc.issuedAgo)
			seedIssued(t, s, "at-0", "rt-0", issued, issued.Add(30*time.Second))
			is := newIssuer("rt-0")

			fresh(t, s, is.refresh)

			if refreshed := len(is.calls()) == 1; refreshed != tc.wantRefresh {
				t.Errorf("refreshed: %v, want %v", refreshed, tc.wantRefresh)
			}
		})
	}
}

func TestFreshKeepsTheRefreshTokenWhenTheResponseHasNone(t *testing.T) {
	t.Parallel()
	s := newEnv(t).store(credentials.ModeFile, nil)
	seed(t, s, "at-0", "rt-0", expired)
	is := newIssuer("rt-0")
	is.noRotation = true

	r := fresh(t, s, is.refresh)

	if r.AccessToken != "at-1" || r.RefreshToken != "rt-0" {
		t.Errorf("got %s/%s, want at-1 with the old rt-0", r.AccessToken, r.RefreshToken)
	}
	if stored, _ := mustLoad(t, s); stored.RefreshToken != "rt-0" || stored.Scopes[0] != "caches:read" {
		t.Errorf("stored %v with refresh token %q, want rt-0 and the old scopes", stored, stored.RefreshToken)
	}
}

func TestFreshAfterInvalidGrantUsesTheTokenAnotherProcessStored(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		otherExpiry time.Time
		wantCalls   []string
		wantAccess  string
	}{
		// Another process refreshed (e.g. a cachelink without the lock):
		// its access token is fresh, so it is used as is.
		{"its access token is fresh", valid, []string{"rt-0"}, "at-other"},
		// Someone ran `cachelink connect` again long ago: refresh once
		// with the newer refresh token.
		{"its access token expired too", expired, []string{"rt-0", "rt-other"}, "at-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			s := e.store(credentials.ModeFile, nil)
			seed(t, s, "at-0", "rt-0", expired)
			is := newIssuer("rt-other")
			other := e.store(credentials.ModeFile, nil)
			refresh := func(ctx context.Context, rt string) (*oauth2.Token, error) {
				if rt == "rt-0" { // while this one is in flight, the other process stores its login
					seed(t, other, "at-other", "rt-other", tc.otherExpiry)
				}
				return is.refresh(ctx, rt)
			}

			r := fresh(t, s, refresh)

			if calls := is.calls(); strings.Join(calls, ",") != strings.Join(tc.wantCalls, ",") {
				t.Errorf("refresh calls %v, want %v", calls, tc.wantCalls)
			}
			if r.AccessToken != tc.wantAccess {
				t.Errorf("got %s, want %s", r.AccessToken, tc.wantAccess)
			}
			if stored, _ := mustLoad(t, s); stored.AccessToken != tc.wantAccess {
				t.Errorf("stored %s, want %s", stored.AccessToken, tc.wantAccess)
			}
		})
	}
}

func TestFreshAfterInvalidGrantWithNothingNewerAsksToConnectAndKeepsTheRecord(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ profile, wantCmd string }{
		{"default", "Run 'cachelink connect polyscale'"},
		{"work", "Run 'cachelink connect polyscale --profile work'"},
	} {
		t.Run(tc.profile, func(t *testing.T) {
			t.Parallel()
			s := newEnv(t).store(credentials.ModeFile, nil)
			r := record("at-0-secret")
			r.Profile, r.RefreshToken, r.Expiry = tc.profile, "rt-0-secret", expired
			mustSave(t, s, r)
			is := newIssuer() // accepts nothing: the token was revoked

			_, _, err := s.Fresh(context.Background(), "polyscale", tc.profile, is.refresh)

			if !errors.Is(err, credentials.ErrReauthRequired) {
				t.Fatalf("Fresh = %v, want ErrReauthRequired", err)
			}
			if !strings.Contains(said(err), tc.wantCmd) {
				t.Errorf("error %q should say %s", err, tc.wantCmd)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error %q quotes a token", err)
			}
			if calls := is.calls(); len(calls) != 1 {
				t.Errorf("refresh calls %v, want exactly one: invalid_grant is not retried", calls)
			}
			stored, _, lerr := s.Load("polyscale", tc.profile)
			if lerr != nil || stored.RefreshToken != "rt-0-secret" {
				t.Errorf("the record was not kept: %v, %v", stored, lerr)
			}
		})
	}
}

func TestFreshReturnsOtherRefreshErrorsWithoutRetrying(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  error
		as   any // what errors.As must find in the chain
	}{
		{"a 503 whose body echoes the request", &oauth2.RetrieveError{
			Response: &http.Response{StatusCode: 503, Status: "503 Service Unavailable"},
			Body:     []byte("grant_type=refresh_token&refresh_token=rt-0-secret"),
		}, new(*oauth2.RetrieveError)},
		{"a network failure", &url.Error{Op: "Post", URL: "https://auth.polyscale.ai/oauth2/token", Err: errors.New("connection refused")},
			new(*url.Error)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newEnv(t).store(credentials.ModeFile, nil)
			seed(t, s, "at-0", "rt-0-secret", expired)
			calls := 0
			refresh := func(context.Context, string) (*oauth2.Token, error) { calls++; return nil, tc.err }

			_, _, err := s.Fresh(context.Background(), "polyscale", "default", refresh)

			if err == nil || calls != 1 {
				t.Fatalf("Fresh = %v after %d calls, want an error after 1", err, calls)
			}
			if errors.Is(err, credentials.ErrReauthRequired) {
				t.Error("a failure that is not invalid_grant must not ask to connect again")
			}
			if !errors.As(err, tc.as) {
				t.Errorf("the cause is not in the chain of %v", err)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error %q quotes a token", err)
			}
			if stored, _ := mustLoad(t, s); stored.RefreshToken != "rt-0-secret" {
				t.Error("the record changed")
			}
		})
	}
}

func TestFreshStillReturnsARefreshedTokenItCannotStore(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kr := newMemKeyring(windowsLimit)
	s := e.store(credentials.ModeKeyring, kr)
	seed(t, s, "at-0", "rt-0", expired)
	is := newIssuer("rt-0")
	refresh := func(ctx context.Context, rt string) (*oauth2.Token, error) {
		kr.fail(errNoDBus) // the keychain goes away during the refresh
		return is.refresh(ctx, rt)
	}

	r := fresh(t, s, refresh)

	if r.AccessToken != "at-1" {
		t.Errorf("got %s, want the refreshed at-1 for this command", r.AccessToken)
	}
	if w := strings.Join(e.warn.take(), "\n"); !strings.Contains(w, "cachelink connect polyscale") {
		t.Errorf("warnings %q should say the next command needs cachelink connect", w)
	}
}

func TestForceRefreshUsesATokenAnotherProcessAlreadyRefreshed(t *testing.T) {
	t.Parallel()
	s := newEnv(t).store(credentials.ModeFile, nil)
	seed(t, s, "at-2", "rt-2", valid)
	is := newIssuer("rt-2")

	// The API rejected at-1, which this process loaded before another one
	// refreshed it.
	r, _, err := s.ForceRefresh(context.Background(), "polyscale", "default", "at-1", is.refresh)

	if err != nil || r.AccessToken != "at-2" {
		t.Fatalf("ForceRefresh = %v, %v; want the stored at-2", r, err)
	}
	if calls := is.calls(); len(calls) != 0 {
		t.Errorf("refresh calls %v, want none", calls)
	}
}

func TestForceRefreshRefreshesAStoredTokenThatExpiredMeanwhile(t *testing.T) {
	t.Parallel()
	s := newEnv(t).store(credentials.ModeFile, nil)
	seed(t, s, "at-2", "rt-2", expired)
	is := newIssuer("rt-2")

	r, _, err := s.ForceRefresh(context.Background(), "polyscale", "default", "at-1", is.refresh)

	if err != nil || r.AccessToken != "at-1" || len(is.calls()) != 1 {
		t.Fatalf("ForceRefresh = %v, %v after %d refreshes; want a new token after one", r, err, len(is.calls()))
	}
}

func TestForceRefreshRefreshesTheRejectedTokenOnce(t *testing.T) {
	t.Parallel()
	s := newEnv(t).store(credentials.ModeFile, nil)
	seed(t, s, "at-0", "rt-0", valid) // looks valid, but the API said 401
	is := newIssuer("rt-0")

	r, _, err := s.ForceRefresh(context.Background(), "polyscale", "default", "at-0", is.refresh)

	if err != nil || r.AccessToken != "at-1" {
		t.Fatalf("ForceRefresh = %v, %v; want at-1", r, err)
	}
	if stored, _ := mustLoad(t, s); stored.RefreshToken != "rt-1" {
		t.Errorf("stored refresh token %q, want the rotated rt-1", stored.RefreshToken)
	}
	if calls := is.calls(); len(calls) != 1 {
		t.Errorf("refresh calls %v, want one", calls)
	}
}

func TestForceRefreshWithoutARefreshTokenAsksToConnect(t *testing.T) {
	t.Parallel()
	s := newEnv(t).store(credentials.ModeFile, nil)
	seed(t, s, "at-0", "", valid)

	_, _, err := s.ForceRefresh(context.Background(), "polyscale", "default", "at-0", newIssuer().refresh)

	if !errors.Is(err, credentials.ErrReauthRequired) || !strings.Contains(said(err), "cachelink connect polyscale") {
		t.Errorf("ForceRefresh = %v, want ErrReauthRequired naming cachelink connect polyscale", err)
	}
}

func TestFreshRefreshesOnceThenUsesTheStoredToken(t *testing.T) {
	t.Parallel()
	s := newEnv(t).store(credentials.ModeFile, nil)
	seed(t, s, "at-0", "rt-0", expired)
	is := newIssuer("rt-0")

	for range 3 {
		r, _, err := s.Fresh(context.Background(), "polyscale", "default", is.refresh)
		if err != nil || r.AccessToken != "at-1" {
			t.Fatalf("Fresh = %v, %v; want at-1", r != nil, err)
		}
	}
	if calls := is.calls(); len(calls) != 1 {
		t.Errorf("refresh calls %v, want one: the refreshed token is used until it is about to expire", calls)
	}
	if stored, _ := mustLoad(t, s); stored.RefreshToken != "rt-1" {
		t.Errorf("stored refresh token %q, want the rotated rt-1", stored.RefreshToken)
	}
}

func TestFreshFromManyGoroutinesRefreshesOnce(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		lifetime time.Duration
	}{
		{"hour-long tokens", time.Hour},
		// Tokens that live less than ExpiryMargin: after one refresh, the
		// others use its token rather than refreshing again.
		{"tokens shorter than the margin", 30 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			seed(t, e.store(credentials.ModeFile, nil), "at-0", "rt-0", expired)
			is := newIssuer("rt-0")
			is.lifetime = tc.lifetime

			const n = 12
			got := make([]string, n)
			var wg sync.WaitGroup
			for i := range n {
				s := e.store(credentials.ModeFile, nil) // a Store per goroutine, as per process
				wg.Go(func() {
					r, _, err := s.Fresh(context.Background(), "polyscale", "default", is.refresh)
					if err != nil {
						t.Error(err)
						return
					}
					got[i] = r.AccessToken
				})
			}
			wg.Wait()

			if calls := is.calls(); len(calls) != 1 {
				t.Errorf("refresh calls %v, want exactly one", calls)
			}
			for i, at := range got {
				if at != "at-1" {
					t.Errorf("goroutine %d got %q, want at-1", i, at)
				}
			}
		})
	}
}
