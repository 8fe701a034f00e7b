package auth_test

// cachelink against Upstash's authorization server in each of the modes
// Auth0 can run in: rotation off (the same refresh token back, or none),
// rotation with a reuse interval, PKCE optional, and a login without
// audience, whose token the Developer API refuses.

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cachelink/cachelink/internal/cmdtest"
	"github.com/cachelink/cachelink/internal/sandbox"
	"github.com/cachelink/cachelink/internal/upstash"
)

// cachelink sends PKCE S256 although the Upstash server would accept a
// request without it.
func TestConnectUpstashSendsPKCES256(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	var authURL string
	e.Browser = func(u string) error {
		authURL = u
		return e.Follow(u)
	}
	connect(t, e, "upstash")
	u, err := url.Parse(authURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) < 43 {
		t.Errorf("authorize request: code_challenge_method %q, code_challenge of %d characters; want S256 and 43", q.Get("code_challenge_method"), len(q.Get("code_challenge")))
	}
	if q.Get("audience") != upstash.Audience {
		t.Errorf("audience %q, want %q", q.Get("audience"), upstash.Audience)
	}
}

// The authorize request reaches Auth0 without audience (a proxy, a custom
// authorize URL that drops it): the login succeeds, /apikey answers 401.
// connect fails with exit 4, says the token was not for the Upstash API,
// and stores nothing.
func TestConnectUpstashWithoutAudienceFailsClearly(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	e.Browser = func(raw string) error {
		u, err := url.Parse(raw)
		if err != nil {
			return err
		}
		q := u.Query()
		q.Del("audience")
		u.RawQuery = q.Encode()
		return e.Follow(u.String())
	}
	r := e.Run("connect", "upstash")
	if r.Code != 4 {
		t.Fatalf("exit %d, want 4; stderr:\n%s", r.Code, r.Stderr)
	}
	// The error itself (the authorize URL above it names the audience too).
	_, errText, _ := strings.Cut(r.Stderr, "Error: ")
	for _, want := range []string{"HTTP 401", "not issued for the Upstash API (audience " + upstash.Audience + ")", "No Developer API key was stored"} {
		if !strings.Contains(errText, want) {
			t.Errorf("the error lacks %q:\n%s", want, r.Stderr)
		}
	}
	if strings.Contains(r.Stderr, "Vercel") {
		t.Errorf("stderr blames the account's origin for a login without audience:\n%s", r.Stderr)
	}
	if n := e.Sandbox.Counters.CodeExchanges.Load(); n != 1 {
		t.Errorf("code exchanges = %d, want 1 (the login itself succeeded)", n)
	}
	if n := e.Sandbox.Counters.APIKeysMinted.Load(); n != 0 {
		t.Errorf("minted %d keys", n)
	}
	// connect keeps the login it received (as for any failure after the
	// code exchange), but no key.
	if rec, _, err := e.CredentialStore(t).Load(upstash.Name, "default"); err == nil {
		if key, _ := upstash.StoredKey(rec); key != "" {
			t.Error("a Developer API key was stored")
		}
	}
}

// expireStoredToken rewrites the stored Upstash access token's expiry into
// the past, as if the 2 days of its lifetime had gone by, and returns the
// stored refresh token.
func expireStoredToken(t *testing.T, e *cmdtest.Env, profile string) string {
	t.Helper()
	s := e.CredentialStore(t)
	rec, _, err := s.Load(upstash.Name, profile)
	if err != nil {
		t.Fatal(err)
	}
	rec.Expiry = time.Now().Add(-time.Minute)
	if _, err := s.Save(rec); err != nil {
		t.Fatal(err)
	}
	return rec.RefreshToken
}

func storedRefreshToken(t *testing.T, e *cmdtest.Env, profile string) string {
	t.Helper()
	rec, _, err := e.CredentialStore(t).Load(upstash.Name, profile)
	if err != nil {
		t.Fatal(err)
	}
	return rec.RefreshToken
}

// Auth0 with rotation off: 20 commands across 2 days (4 expiries of the
// access token, each met by a command that needs it: its Developer API key
// was deleted, so it refreshes the login and mints another) keep working
// with the one refresh token of the login.
func TestUpstashWithRotationOffKeepsOneRefreshToken(t *testing.T) {
	t.Parallel()
	for _, rotation := range []sandbox.RefreshRotation{sandbox.ReturnSameRefreshToken, sandbox.OmitRefreshToken} {
		t.Run(string(rotation), func(t *testing.T) {
			t.Parallel()
			e := cmdtest.New(t, cmdtest.Options{Sandbox: sandbox.Options{UpstashRefresh: sandbox.RefreshPolicy{Rotation: rotation}}})
			connect(t, e, "upstash")
			rt := storedRefreshToken(t, e, "default")
			refreshes := 0
			for i := range 20 {
				if i%5 == 4 { // every 5 commands, the access token has expired
					if got := expireStoredToken(t, e, "default"); got != rt {
						t.Fatalf("command %d: the stored refresh token changed", i)
					}
					e.RejectUpstashKey(t, "default")
					refreshes++
				}
				cmdtest.CheckExit(t, e.Run("list", "upstash"), 0, []string{"list", "upstash"})
			}
			if got := storedRefreshToken(t, e, "default"); got != rt {
				t.Error("the stored refresh token changed")
			}
			s := e.Sandbox.Counters.Snapshot()
			if s.Refreshes != int64(refreshes) || s.ReuseDetections != 0 || s.CodeExchanges != 1 || s.APIKeysMinted != int64(1+refreshes) {
				t.Errorf("counters = %+v, want %d refreshes, no reuse, 1 login, %d keys", s, refreshes, 1+refreshes)
			}
		})
	}
}

// Auth0 with rotation and a reuse interval: two processes that hold the
// same refresh token and do not share a lock (two profiles with one
// login) both refresh with it; without the interval the second one is a
// reuse and must connect again.
func TestUpstashReuseIntervalLetsTwoProcessesRefreshOneToken(t *testing.T) {
	t.Parallel()
	for name, interval := range map[string]time.Duration{"interval": time.Minute, "no interval": 0} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := cmdtest.New(t, cmdtest.Options{Sandbox: sandbox.Options{UpstashRefresh: sandbox.RefreshPolicy{ReuseInterval: interval}}})
			connect(t, e, "upstash")
			s := e.CredentialStore(t)
			rec, _, err := s.Load(upstash.Name, "default")
			if err != nil {
				t.Fatal(err)
			}
			rec.Profile = "copy"
			if _, err := s.Save(rec); err != nil {
				t.Fatal(err)
			}
			old := rec.RefreshToken
			for _, profile := range []string{"default", "copy"} {
				expireStoredToken(t, e, profile)
				e.RejectUpstashKey(t, profile)
			}

			cmdtest.CheckExit(t, e.Run("list", "upstash"), 0, nil)
			if storedRefreshToken(t, e, "default") == old {
				t.Fatal("rotation: the first refresh stored no new refresh token")
			}
			r := e.Run("list", "upstash", "--profile", "copy")
			if interval == 0 {
				if r.Code != 4 || !strings.Contains(r.Stderr, "cachelink connect upstash --profile copy") {
					t.Errorf("a reused token: exit %d, want 4 asking to connect again:\n%s", r.Code, r.Stderr)
				}
				if n := e.Sandbox.Counters.ReuseDetections.Load(); n != 1 {
					t.Errorf("reuse detections = %d, want 1", n)
				}
				return
			}
			cmdtest.CheckExit(t, r, 0, nil)
			if got := storedRefreshToken(t, e, "copy"); got == old || got == storedRefreshToken(t, e, "default") {
				t.Error("the second refresh did not store a refresh token of its own")
			}
			c := e.Sandbox.Counters.Snapshot()
			if c.Refreshes != 2 || c.ReuseDetections != 0 || c.LeewayReuses != 1 {
				t.Errorf("counters = %+v, want 2 refreshes, 1 within the interval, no reuse", c)
			}
			// The refresh tokens both logins stored are valid.
			for _, profile := range []string{"default", "copy"} {
				form := url.Values{"grant_type": {"refresh_token"}, "client_id": {"cachelink-sandbox"}, "refresh_token": {storedRefreshToken(t, e, profile)}}
				resp, err := http.PostForm(e.Server.URL+"/oauth/token", form)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Errorf("profile %s: its refresh token is refused (%s)", profile, resp.Status)
				}
			}
		})
	}
}
