package credentials_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/cachelink/cachelink/internal/credentials"
)

// A grant that was sent is finished, not abandoned, and one that got no
// answer is not sent again blindly: see Store.Fresh.

// markerPath is where the store records a grant in flight.
func markerPath(e *env) string { return filepath.Join(e.dir, "refresh-polyscale-default.grant") }

func markerExists(t *testing.T, e *env) bool {
	t.Helper()
	_, err := os.Stat(markerPath(e))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return err == nil
}

// slowIssuer is an issuer whose answers wait until release is closed: the
// token endpoint has rotated the refresh token (the grant is done at the
// provider) but its answer is still on the way. sent is closed when the
// first grant arrives.
type slowIssuer struct {
	*issuer
	sent, release chan struct{}
	once          sync.Once
}

func newSlowIssuer(refreshTokens ...string) *slowIssuer {
	return &slowIssuer{issuer: newIssuer(refreshTokens...), sent: make(chan struct{}), release: make(chan struct{})}
}

func (s *slowIssuer) refresh(ctx context.Context, rt string) (*oauth2.Token, error) {
	tok, err := s.issuer.refresh(ctx, rt) // done at the provider
	s.once.Do(func() { close(s.sent) })
	select {
	case <-s.release:
		return tok, err
	case <-ctx.Done(): // the answer is lost
		return nil, &url.Error{Op: "Post", URL: "https://auth.example/oauth2/token", Err: ctx.Err()}
	}
}

func TestFreshInterruptedDuringTheGrantWaitsForTheAnswerAndStoresIt(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := e.store(credentials.ModeFile, nil)
	seed(t, s, "at-0", "rt-0", expired)
	is := newSlowIssuer("rt-0")
	ctx, cancel := context.WithCancel(context.Background())

	done := make(chan error, 1)
	go func() {
		_, _, err := s.Fresh(ctx, "polyscale", "default", is.refresh)
		done <- err
	}()
	<-is.sent
	if !markerExists(t, e) {
		t.Error("no marker while the grant is in flight")
	}
	cancel() // Ctrl-C
	time.Sleep(50 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("Fresh returned (%v) before the answer to the grant it sent", err)
	default:
	}
	close(is.release)
	var err error
	select {
	case err = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Fresh did not return after the answer")
	}

	if !errors.Is(err, context.Canceled) {
		t.Errorf("Fresh = %v, want context.Canceled once the answer is stored (exit 130)", err)
	}
	if stored, _ := mustLoad(t, s); stored.RefreshToken != "rt-1" || stored.AccessToken != "at-1" {
		t.Errorf("stored %s/%s, want the rotated at-1/rt-1", stored.AccessToken, stored.RefreshToken)
	}
	if markerExists(t, e) {
		t.Error("the marker outlived the answer")
	}
	warned := strings.Join(e.warn.take(), "\n")
	if !strings.Contains(warned, "waiting for polyscale to answer the refresh") {
		t.Errorf("warnings %q do not say that the refresh is being waited for", warned)
	}
	// The next command uses the stored token: no refresh, no replay.
	if r := fresh(t, s, is.refresh); r.AccessToken != "at-1" || len(is.calls()) != 1 {
		t.Errorf("next Fresh: %s after %d grants, want at-1 after 1", r.AccessToken, len(is.calls()))
	}
}

func TestFreshInterruptedBeforeSendingSendsNothing(t *testing.T) {
	t.Parallel()
	s := newEnv(t).store(credentials.ModeFile, nil)
	seed(t, s, "at-0", "rt-0", expired)
	is := newIssuer("rt-0")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := s.Fresh(ctx, "polyscale", "default", is.refresh); !errors.Is(err, context.Canceled) {
		t.Errorf("Fresh = %v, want context.Canceled", err)
	}
	if calls := is.calls(); len(calls) != 0 {
		t.Errorf("grants sent: %v, want none", calls)
	}
}

// lostAnswer is a refresher whose grants reach the provider (used says
// whether it rotates the token) and whose answers never arrive: it waits
// until release, then fails as a timeout would.
type lostAnswer struct {
	*issuer
	used          bool
	sent, release chan struct{}
	once          sync.Once
}

func (l *lostAnswer) refresh(ctx context.Context, rt string) (*oauth2.Token, error) {
	if l.used {
		_, _ = l.issuer.refresh(ctx, rt)
	} else {
		l.issuer.mu.Lock()
		l.issuer.sent = append(l.issuer.sent, rt)
		l.issuer.mu.Unlock()
	}
	l.once.Do(func() { close(l.sent) })
	<-l.release
	return nil, &url.Error{Op: "Post", URL: "https://auth.example/oauth2/token", Err: context.DeadlineExceeded}
}

// TestAnUnansweredGrantIsNotReplayedByItsWaiters: the holder's token
// endpoint used the refresh token but its answer never came (a timeout).
// The processes that queued behind it must not send the same token (a
// reuse that revokes the login at Hydra or Auth0): they say what
// happened. A command started later tries once more and, the token being
// used, asks to connect again; had the grant never reached the provider,
// that try works.
func TestAnUnansweredGrantIsNotReplayedByItsWaiters(t *testing.T) {
	t.Parallel()
	for _, used := range []bool{true, false} {
		t.Run(fmt.Sprintf("used=%v", used), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			seed(t, e.store(credentials.ModeFile, nil), "at-0", "rt-0", expired)
			is := newIssuer("rt-0")
			holder := &lostAnswer{issuer: is, used: used, sent: make(chan struct{}), release: make(chan struct{})}

			holderErr := make(chan error, 1)
			go func() {
				_, _, err := e.store(credentials.ModeFile, nil).Fresh(context.Background(), "polyscale", "default", holder.refresh)
				holderErr <- err
			}()
			<-holder.sent
			const waiters = 3
			var wg sync.WaitGroup
			waiterErrs := make([]error, waiters)
			for i := range waiters {
				s := e.store(credentials.ModeFile, nil)
				wg.Go(func() {
					_, _, waiterErrs[i] = s.Fresh(context.Background(), "polyscale", "default", is.refresh)
				})
			}
			time.Sleep(100 * time.Millisecond) // the waiters queue on the lock
			close(holder.release)              // the holder gives up
			err := <-holderErr
			wg.Wait()

			if !errors.Is(err, credentials.ErrGrantUnanswered) || errors.Is(err, credentials.ErrReauthRequired) {
				t.Errorf("holder: %v, want ErrGrantUnanswered", err)
			}
			if !strings.Contains(err.Error(), "may have been used") {
				t.Errorf("holder: %q does not say the token may have been used", err)
			}
			for i, err := range waiterErrs {
				if !errors.Is(err, credentials.ErrGrantUnanswered) || !strings.Contains(err.Error(), "not sent again") {
					t.Errorf("waiter %d: %v, want ErrGrantUnanswered saying the token was not sent again", i, err)
				}
			}
			if calls := is.calls(); len(calls) != 1 {
				t.Fatalf("grants %v, want only the holder's: the waiters must not replay rt-0", calls)
			}
			if !markerExists(t, e) {
				t.Fatal("no marker left for the unanswered grant")
			}

			// A command started after the holder gave up: one more try.
			e.warn.take()
			r, _, err := e.store(credentials.ModeFile, nil).Fresh(context.Background(), "polyscale", "default", is.refresh)
			if calls := is.calls(); len(calls) != 2 || calls[1] != "rt-0" {
				t.Errorf("grants %v, want the holder's and one more with rt-0", calls)
			}
			warned := strings.Join(e.warn.take(), "\n")
			if !strings.Contains(warned, "got no answer") || !strings.Contains(warned, "cachelink connect polyscale") {
				t.Errorf("warnings %q should say the earlier grant got no answer and how to reconnect", warned)
			}
			if used {
				if !errors.Is(err, credentials.ErrReauthRequired) || !strings.Contains(said(err), "cachelink connect polyscale") {
					t.Errorf("after a used token: %v, want ErrReauthRequired naming connect", err)
				}
			} else if err != nil || r.AccessToken != "at-1" {
				t.Errorf("after a grant that never arrived: %v, want at-1", err)
			}
			if markerExists(t, e) {
				t.Error("the marker outlived the second try")
			}
		})
	}
}

// writeMarker puts a grant marker as a process would leave it.
func writeMarker(t *testing.T, e *env, m map[string]any) {
	t.Helper()
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(markerPath(e), data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestAMarkerOfAnotherProcess(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		marker     func(sha string) map[string]any
		wantGrants int
	}{
		// A process killed during its grant: it would have given up by
		// now, so this later command tries once more.
		{"a process that died long ago", func(sha string) map[string]any {
			return map[string]any{"pid": 99999, "since": time.Now().Add(-time.Hour), "refresh_token_sha": sha}
		}, 1},
		// One that died a moment ago: its grant may have just been
		// redeemed, and this process was around while it was in flight.
		{"a process that died just now", func(sha string) map[string]any {
			return map[string]any{"pid": 99999, "since": time.Now(), "refresh_token_sha": sha}
		}, 0},
		// A marker about another refresh token (its grant was answered
		// after all, or a new login replaced it) is stale.
		{"another refresh token", func(string) map[string]any {
			return map[string]any{"pid": 99999, "since": time.Now(), "refresh_token_sha": "0123456789abcdef0123456789abcdef"}
		}, 1},
		{"garbage", func(string) map[string]any { return map[string]any{"pid": "x"} }, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			s := e.store(credentials.ModeFile, nil)
			seed(t, s, "at-0", "rt-0", expired)
			is := newIssuer("rt-0")
			// What a grant of rt-0 leaves: learn the hash from a real one.
			probe := &lostAnswer{issuer: newIssuer(), sent: make(chan struct{}), release: make(chan struct{})}
			close(probe.release)
			_, _, _ = s.Fresh(context.Background(), "polyscale", "default", probe.refresh)
			var left struct {
				SHA string `json:"refresh_token_sha"`
			}
			data, err := os.ReadFile(markerPath(e))
			if err != nil || json.Unmarshal(data, &left) != nil || left.SHA == "" {
				t.Fatalf("no marker after an unanswered grant: %v", err)
			}
			if strings.Contains(string(data), "rt-0") {
				t.Fatal("the marker holds the refresh token")
			}
			writeMarker(t, e, tc.marker(left.SHA))

			_, _, err = s.Fresh(context.Background(), "polyscale", "default", is.refresh)

			if got := len(is.calls()); got != tc.wantGrants {
				t.Errorf("grants %d, want %d (err %v)", got, tc.wantGrants, err)
			}
			if tc.wantGrants == 0 && !errors.Is(err, credentials.ErrGrantUnanswered) {
				t.Errorf("Fresh = %v, want ErrGrantUnanswered", err)
			}
			if tc.wantGrants == 1 && (err != nil || markerExists(t, e)) {
				t.Errorf("Fresh = %v, marker left %v; want a refresh and no marker", err, markerExists(t, e))
			}
		})
	}
}

// A grant that could not even connect was never sent: no marker, nothing
// to warn about, and the error is the network's.
func TestAGrantThatNeverLeftLeavesNoMarker(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String() + "/oauth2/token"
	l.Close()
	oc := &oauth2.Config{ClientID: "c", Endpoint: oauth2.Endpoint{TokenURL: closed, AuthStyle: oauth2.AuthStyleInParams}}
	refresh := func(ctx context.Context, rt string) (*oauth2.Token, error) {
		return oc.TokenSource(ctx, &oauth2.Token{RefreshToken: rt, Expiry: time.Unix(1, 0)}).Token()
	}
	e := newEnv(t)
	s := e.store(credentials.ModeFile, nil)
	seed(t, s, "at-0", "rt-0", expired)

	_, _, err = s.Fresh(context.Background(), "polyscale", "default", refresh)

	var urlErr *url.Error
	if !errors.As(err, &urlErr) || errors.Is(err, credentials.ErrGrantUnanswered) {
		t.Errorf("Fresh = %v, want the connection error, not an unanswered grant", err)
	}
	if markerExists(t, e) {
		t.Error("a grant that was never sent left a marker")
	}
}

func TestInvalidGrantSaysSoInAFewWords(t *testing.T) {
	t.Parallel()
	s := newEnv(t).store(credentials.ModeFile, nil)
	seed(t, s, "at-0", "rt-0", expired)
	refresh := func(context.Context, string) (*oauth2.Token, error) {
		e := invalidGrant().(*oauth2.RetrieveError)
		e.ErrorDescription = "The provided authorization grant (e.g., authorization code, resource owner credentials) or refresh token " +
			"is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client."
		return nil, e
	}
	_, _, err := s.Fresh(context.Background(), "polyscale", "default", refresh)
	var re *credentials.ReauthError
	if !errors.As(err, &re) || !errors.Is(err, credentials.ErrReauthRequired) {
		t.Fatalf("Fresh = %v, want a ReauthError", err)
	}
	if strings.Contains(err.Error(), "redirection URI") || len(err.Error()) > 200 {
		t.Errorf("error %q (%d bytes) quotes the provider's description", err, len(err.Error()))
	}
	if !strings.Contains(re.Reason, "invalid_grant") || re.Provider != "polyscale" || re.Profile != "default" {
		t.Errorf("ReauthError = %+v", re)
	}
}

func TestKnownProfilesListsTheProfilesWithALogin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := e.store(credentials.ModeFile, nil)
	for _, profile := range []string{"work", "default", "ci"} {
		r := record("at-" + profile)
		r.Profile = profile
		if _, err := s.Replace(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Forget(context.Background(), "polyscale", "ci"); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(s.KnownProfiles([]string{"polyscale", "upstash"}, 10), ","); got != "default,work" {
		t.Errorf("KnownProfiles = %s, want default,work", got)
	}
	if got := s.KnownProfiles([]string{"polyscale"}, 1); len(got) != 1 {
		t.Errorf("KnownProfiles with max 1 = %v", got)
	}
}
