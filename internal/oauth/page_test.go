package oauth_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/cachelink/cachelink/internal/oauth"
)

// tokenEndpoint serves the token URL of a login with handler, in front of
// the sandbox.
func (e *env) tokenEndpoint(t *testing.T, cfg *oauth.Config, handler http.HandlerFunc) {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	oc := *cfg.OAuth2
	oc.Endpoint.TokenURL = srv.URL + "/oauth2/token"
	cfg.OAuth2 = &oc
}

// checkPage checks what every page of the listener must be: no code, no
// external resource, no Referer.
func checkPage(t *testing.T, v visit) {
	t.Helper()
	if v.header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("Referrer-Policy %q", v.header.Get("Referrer-Policy"))
	}
	if code := v.landedOn.Query().Get("code"); code == "" || strings.Contains(v.body, code) {
		t.Errorf("the page echoes the code (or the browser got none: %q)", code)
	}
	for _, ext := range []string{"src=", "href=", "http://", "https://", "@import", "url("} {
		if strings.Contains(v.body, ext) {
			t.Errorf("the page refers to something external (%q)", ext)
		}
	}
}

// A code the token endpoint refuses: the page says so, with the
// endpoint's words escaped and without the code, and never "connected".
func TestPageSaysWhatFailedWhenTheCodeIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := newBrowser(t)
	cfg := e.config("polyscale", newRecorder())
	cfg.OpenBrowser = b.open
	e.tokenEndpoint(t, &cfg, func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"error":"invalid_grant","error_description":"code %s is <script>alert(1)</script> & used"}`, r.PostForm.Get("code"))
	})

	_, err := oauth.Login(context.Background(), cfg)
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
		t.Fatalf("Login: %v, want the invalid_grant RetrieveError", err)
	}
	v := b.lastVisit(t)
	checkPage(t, v)
	mustContain(t, "page", v.body, "PolyScale did not connect")
	mustContain(t, "page", v.body, "PolyScale refused the authorization code (invalid_grant: code [code] is &lt;script&gt;alert(1)&lt;/script&gt; &amp; used).")
	mustContain(t, "page", v.body, "Return to the terminal")
	for _, never := range []string{"is connected", "window.close()", "<script>alert"} {
		if strings.Contains(v.body, never) {
			t.Errorf("the page of a failed login contains %q:\n%s", never, v.body)
		}
	}
	assertPortFree(t, e.port)
}

// Every way the exchange can fail gets a page that says it failed.
func TestPageSaysTheLoginFailed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		handler func(cancel context.CancelFunc) http.HandlerFunc
		says    string
		err     func(error) bool
	}{
		{"token endpoint down (503)", func(context.CancelFunc) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "upstream connect error", http.StatusServiceUnavailable)
			}
		}, "PolyScale refused the authorization code (HTTP 503).", func(err error) bool {
			var re *oauth2.RetrieveError
			return errors.As(err, &re)
		}},
		{"not a token response", func(context.CancelFunc) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, `{"token_type":"bearer"}`)
			}
		}, "The authorization code could not be exchanged with PolyScale.", func(err error) bool { return err != nil }},
		{"Ctrl-C during the exchange", func(cancel context.CancelFunc) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				_ = r.ParseForm() // the server notices the client leaving only once the body is read
				cancel()
				<-r.Context().Done()
			}
		}, "The login was cancelled in the terminal.", func(err error) bool { return errors.Is(err, context.Canceled) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			b := newBrowser(t)
			cfg := e.config("polyscale", newRecorder())
			cfg.OpenBrowser = b.open
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			e.tokenEndpoint(t, &cfg, tc.handler(cancel))

			_, err := oauth.Login(ctx, cfg)
			if !tc.err(err) {
				t.Errorf("Login: %v", err)
			}
			v := b.lastVisit(t)
			checkPage(t, v)
			mustContain(t, "page", v.body, "PolyScale did not connect")
			mustContain(t, "page", v.body, tc.says)
			if strings.Contains(v.body, "is connected") {
				t.Errorf("the page of a failed login says connected:\n%s", v.body)
			}
			assertPortFree(t, e.port)
		})
	}
}

// The browser's request is answered after the exchange, not before: while
// the token endpoint has not answered, the browser has no page.
func TestPageWaitsForTheExchange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := newBrowser(t)
	cfg := e.config("polyscale", newRecorder())
	cfg.OpenBrowser = b.open
	arrived, release := make(chan struct{}), make(chan struct{})
	e.tokenEndpoint(t, &cfg, func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-release
		e.sb.Handler().ServeHTTP(w, r)
	})

	done := loginAsync(context.Background(), cfg)
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the code was never exchanged")
	}
	select {
	case v := <-b.visits:
		t.Fatalf("the browser got its page (%d) before the exchange was answered:\n%s", v.status, v.body)
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	if r := wait(t, done); r.err != nil {
		t.Fatalf("Login: %v", r.err)
	}
	v := b.lastVisit(t)
	checkPage(t, v)
	mustContain(t, "page", v.body, "Your PolyScale account is connected. You can close this window.")
}

// An exchange slower than AnswerWithin: the browser gets a neutral page
// that points at the terminal, and the login still completes.
func TestSlowExchangeGetsANeutralPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := newBrowser(t)
	cfg := e.config("polyscale", newRecorder())
	cfg.OpenBrowser = b.open
	cfg.AnswerWithin = 200 * time.Millisecond
	e.tokenEndpoint(t, &cfg, func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Second)
		e.sb.Handler().ServeHTTP(w, r)
	})

	tok, err := oauth.Login(context.Background(), cfg)
	if err != nil || tok.AccessToken == "" {
		t.Fatalf("Login: %v", err)
	}
	v := b.lastVisit(t)
	checkPage(t, v)
	mustContain(t, "page", v.body, "Finishing in the terminal")
	mustContain(t, "page", v.body, "look there for the result")
	for _, never := range []string{"is connected", "did not connect"} {
		if strings.Contains(v.body, never) {
			t.Errorf("the neutral page says %q", never)
		}
	}
}

// No browser and no terminal (a wrapper runs cachelink): Login prints the
// URL and that it waits, and the listener alone finishes the login when
// someone else opens the URL.
func TestListenerAloneFinishesTheLogin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	stderr := newRecorder()
	cfg := e.config("upstash", stderr)
	cfg.NoBrowser = true
	cfg.OpenBrowser = neverOpen(t)

	done := loginAsync(context.Background(), cfg)
	b := newBrowser(t)
	_ = b.open(stderr.authorizeURL(t)) // the wrapper opens what it read on stderr
	r := wait(t, done)
	if r.err != nil {
		t.Fatalf("Login: %v\nstderr:\n%s", r.err, stderr)
	}
	mustContain(t, "page", b.lastVisit(t).body, "Your Upstash account is connected.")
	out := stderr.String()
	mustContain(t, "stderr", out, "Waiting up to 10s for the browser to come back to "+e.redirect("upstash"))
	if strings.Contains(out, "paste") {
		t.Errorf("no terminal, yet a paste prompt:\n%s", out)
	}
	assertPortFree(t, e.port)
}
