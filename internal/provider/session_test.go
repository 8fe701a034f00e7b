package provider_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cachelink/cachelink/internal/app"
	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/cmdtest"
	"github.com/cachelink/cachelink/internal/credentials"
	"github.com/cachelink/cachelink/internal/polyscale"
	"github.com/cachelink/cachelink/internal/provider"
	"github.com/cachelink/cachelink/internal/sandbox"
)

// expire makes the stored PolyScale login of profile need a refresh on
// its next use.
func expire(t *testing.T, e *cmdtest.Env, profile string) *credentials.Record {
	t.Helper()
	s := e.CredentialStore(t)
	r, _, err := s.Load(polyscale.Name, profile)
	if err != nil {
		t.Fatal(err)
	}
	r.Expiry = time.Now().Add(-time.Second)
	if _, err := s.Save(r); err != nil {
		t.Fatal(err)
	}
	return r
}

// Ctrl-C while the refresh grant is in flight: the token endpoint rotates
// the refresh token whatever the client does, so the command waits for the
// answer, stores it, and only then exits 130. The next command uses it:
// no second refresh, no reuse detection.
func TestCtrlCDuringARefreshStoresTheRotatedTokenThenExits130(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	e.MustRun(t, "connect", "polyscale")
	before := expire(t, e, "default")
	e.AddFault(t, sandbox.FaultRule{Kind: sandbox.FaultLatency, Latency: 1500 * time.Millisecond, Method: http.MethodPost, PathPrefix: "/oauth2/token", Count: 1})

	ctx, cancel := context.WithCancel(context.Background())
	timer := time.AfterFunc(300*time.Millisecond, cancel) // Ctrl-C while the grant waits at the token endpoint
	defer timer.Stop()
	start := time.Now()
	r := e.RunWith(cmdtest.RunOptions{Ctx: ctx}, "list", "polyscale")
	elapsed := time.Since(start)

	if r.Code != app.ExitInterrupted {
		t.Fatalf("exit %d, want 130; stderr:\n%s", r.Code, r.Stderr)
	}
	if !strings.Contains(r.Stderr, "waiting for PolyScale to answer the refresh") {
		t.Errorf("stderr does not say the refresh is waited for:\n%s", r.Stderr)
	}
	if elapsed < time.Second || elapsed > 10*time.Second {
		t.Errorf("the interrupted run took %s: it should wait for the answer (1.5 s), and no longer", elapsed)
	}
	if n := e.Sandbox.Counters.Refreshes.Load(); n != 1 {
		t.Errorf("refreshes = %d, want 1: the grant was carried out", n)
	}
	after, _, err := e.CredentialStore(t).Load(polyscale.Name, "default")
	if err != nil || after.RefreshToken == before.RefreshToken || after.AccessToken == before.AccessToken {
		t.Fatalf("the rotated tokens were not stored (err %v)", err)
	}

	e.ExpectExit(t, 0, "list", "polyscale")
	if n := e.Sandbox.Counters.Refreshes.Load(); n != 1 {
		t.Errorf("refreshes = %d after the next command, want still 1", n)
	}
	if n := e.Sandbox.Counters.ReuseDetections.Load(); n != 0 {
		t.Errorf("reuse detections = %d, want 0", n)
	}
}

// revoke revokes a PolyScale refresh token at the sandbox, as removing the
// app in PolyScale's console would.
func revoke(t *testing.T, e *cmdtest.Env, refreshToken string) {
	t.Helper()
	form := url.Values{"token": {refreshToken}, "token_type_hint": {"refresh_token"}}
	req, _ := http.NewRequest(http.MethodPost, e.Server.URL+"/oauth2/revoke", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("cachelink-sandbox", "sandbox-polyscale-secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("revoke: %s", resp.Status)
	}
}

// A revoked login is one short line and the command that fixes it, for
// the profile in use; not the provider's paragraph of RFC 6749.
func TestARevokedLoginIsOneShortLineAndTheConnectHint(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	e.MustRun(t, "connect", "polyscale", "--profile", "work")
	rec := expire(t, e, "work")
	revoke(t, e, rec.RefreshToken)

	r := e.ExpectExit(t, 4, "list", "polyscale", "--profile", "work")

	lines := strings.Split(strings.TrimSpace(r.Stderr), "\n")
	if len(lines) != 2 {
		t.Fatalf("stderr has %d lines, want the error and the hint:\n%s", len(lines), r.Stderr)
	}
	if want := "Error: the PolyScale login of profile work is no longer valid"; !strings.HasPrefix(lines[0], want) || len(lines[0]) > 140 {
		t.Errorf("error line %q (%d bytes), want a short line starting %q", lines[0], len(lines[0]), want)
	}
	if !strings.Contains(lines[1], "cachelink connect polyscale --profile work") {
		t.Errorf("hint %q does not name the connect command with --profile work", lines[1])
	}
	for _, noise := range []string{"authorization grant", "RFC", "already used", "redirection URI"} {
		if strings.Contains(r.Stderr, noise) {
			t.Errorf("stderr carries the provider's text (%q):\n%s", noise, r.Stderr)
		}
	}
}

// A --profile that holds no login of any provider is a typo until shown
// otherwise: exit 3 naming it and listing the profiles that exist. A
// profile that holds another provider's login is "not connected" (4).
func TestAnUnknownProfileIsExit3(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	e.MustRun(t, "connect", "polyscale")
	e.MustRun(t, "connect", "upstash", "--profile", "work")

	for _, args := range [][]string{
		{"list", "polyscale", "--profile", "typo"},
		{"token", "upstash", "--profile", "typo"},
		{"status", "polyscale", "--profile", "typo"}, // status prints what it knows on stdout, then fails
	} {
		r := e.Run(args...)
		if r.Code != 3 || !strings.Contains(r.Stderr, "no profile typo") || !strings.Contains(r.Stderr, "Profiles with a login: default, work") {
			t.Errorf("%v: exit %d, want 3 naming the profile and listing default, work; stderr:\n%s", args, r.Code, r.Stderr)
		}
	}
	e.ExpectExit(t, 4, "list", "polyscale", "--profile", "work") // work holds an Upstash login
	e.ExpectExit(t, 4, "token", "upstash")                       // the default profile always exists

	e.Setenv("CACHELINK_PROFILE", "typo") // asked for in the environment
	e.ExpectExit(t, 3, "token", "polyscale")
}

func TestAnUnknownProfileWithNothingStored(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	r := e.ExpectExit(t, 3, "token", "polyscale", "--profile", "typo")
	if !strings.Contains(r.Stderr, "no profile typo") || strings.Contains(r.Stderr, "Profiles with a login") ||
		!strings.Contains(r.Stderr, "cachelink connect polyscale --profile typo") {
		t.Errorf("stderr:\n%s", r.Stderr)
	}
	e.ExpectExit(t, 4, "token", "polyscale", "--profile", "default")
}

// session is a PolyScale session of profile whose store is never used.
func session(profile string) *provider.Session {
	return &provider.Session{Provider: polyscale.Provider, Profile: profile,
		Store: func() (*credentials.Store, error) { return nil, errors.New("no store in this test") }}
}

// A keychain that cannot be reached fails with a dial error (a stale
// D-Bus address, common in tmux and SSH): that is the keychain, not the
// network (exit 1, not 5).
func TestAnUnavailableKeychainIsNotANetworkProblem(t *testing.T) {
	t.Parallel()
	dial := &net.OpError{Op: "dial", Net: "unix", Addr: &net.UnixAddr{Name: "/nonexistent", Net: "unix"}, Err: errors.New("connect: no such file or directory")}
	cause := fmt.Errorf("%w: %w; set CACHELINK_TOKEN_STORE=file to keep credentials in a 0600 file instead", credentials.ErrKeyringUnavailable, dial)

	err := session("default").Error(cause)

	if code := app.ExitCode(err); code != 1 {
		t.Errorf("exit %d, want 1: %v", code, err)
	}
	msg := err.Error() + "\n" + clierr.HintOf(err)
	for _, want := range []string{"keychain", "CACHELINK_TOKEN_STORE=file"} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q does not name %s", msg, want)
		}
	}
	if strings.Contains(msg, "network") {
		t.Errorf("%q sends the user to the network", msg)
	}
}

func TestAnUnansweredRefreshSaysTheTokenMayHaveBeenUsed(t *testing.T) {
	t.Parallel()
	cause := fmt.Errorf("refreshing: %w: %w", credentials.ErrGrantUnanswered, context.DeadlineExceeded)
	err := session("work").Error(cause)
	if code := app.ExitCode(err); code != 5 {
		t.Errorf("exit %d, want 5: %v", code, err)
	}
	if hint := clierr.HintOf(err); !strings.Contains(hint, "may have used the refresh token") ||
		!strings.Contains(hint, "cachelink connect polyscale --profile work") {
		t.Errorf("hint %q", hint)
	}
}
