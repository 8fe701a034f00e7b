package sandbox_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/oauth2"

	"github.com/cachelink/cachelink/internal/cmdtest"
	"github.com/cachelink/cachelink/internal/sandbox"
)

// TestConsentPageInARealBrowser shows the consent page works for a person:
// headless Chromium loads it, Approve is clicked, and the browser lands on a
// loopback listener with a code that the token endpoint accepts.
func TestConsentPageInARealBrowser(t *testing.T) {
	chromium := cmdtest.Chromium(t)

	codes := make(chan string, 1)
	callback := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/callback" {
			http.NotFound(w, r)
			return
		}
		select {
		case codes <- r.URL.Query().Get("code"):
		default:
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte("<!doctype html><title>connected</title><p id=done>Connected.</p>"))
	}))
	defer callback.Close()

	clients := sandbox.DefaultClients()
	clients[0].RedirectURIs = append(clients[0].RedirectURIs, callback.URL+"/callback")
	sb, err := sandbox.New(sandbox.Options{Clients: clients})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb.Handler())
	defer srv.Close()

	conf := &oauth2.Config{
		ClientID:     clients[0].ID,
		ClientSecret: clients[0].Secret,
		Endpoint:     oauth2.Endpoint{AuthURL: srv.URL + "/oauth2/auth", TokenURL: srv.URL + "/oauth2/token", AuthStyle: oauth2.AuthStyleInHeader},
		RedirectURL:  callback.URL + "/callback",
		Scopes:       []string{"caches:read", "caches:write"},
	}
	verifier := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL("state-from-the-browser-test", oauth2.S256ChallengeOption(verifier))

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	defer cancelTimeout()

	if err := chromedp.Do(ctx,
		chromedp.Navigate(authURL),
		chromedp.WaitVisible(chromedp.ID("approve")),
	); err != nil {
		t.Fatalf("loading the consent page: %v", err)
	}
	page, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
	if err != nil {
		t.Fatalf("reading the consent page: %v", err)
	}
	screenshot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	// The screenshot is kept out of the repository: in the test's temp dir,
	// or where CACHELINK_SCREENSHOT_DIR says.
	shotDir := os.Getenv("CACHELINK_SCREENSHOT_DIR")
	if shotDir == "" {
		shotDir = t.TempDir()
	}
	if err := os.WriteFile(filepath.Join(shotDir, "consent-polyscale.png"), screenshot, 0o644); err != nil {
		t.Errorf("saving the screenshot: %v", err)
	}
	for _, want := range []string{clients[0].ID, "caches:read", "caches:write", "Approve", "Deny"} {
		if !strings.Contains(page, want) {
			t.Errorf("the consent page does not show %q:\n%s", want, page)
		}
	}

	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("approve")),
		chromedp.WaitVisible(chromedp.ID("done")),
	); err != nil {
		t.Fatalf("approving: %v", err)
	}
	var code string
	select {
	case code = <-codes:
	case <-ctx.Done():
		t.Fatal("the browser never reached the loopback callback")
	}
	if code == "" {
		t.Fatal("the callback carried no code")
	}
	tok, err := conf.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchanging the code the browser brought back: %v", err)
	}
	if tok.AccessToken == "" || tok.RefreshToken == "" {
		t.Fatal("the token response lacks an access or a refresh token")
	}
	if got := sb.Counters.Snapshot().Authorizations; got != 1 {
		t.Errorf("authorizations = %d, want 1", got)
	}
}

// TestConsentPageAllowsItsFormToReachTheRedirectURI: browsers apply the CSP
// form-action directive to the redirect after a form submission, so a
// consent page limited to 'self' would leave Approve going nowhere (found by
// the Chromium test above; this keeps it fixed where no browser is installed).
func TestConsentPageAllowsItsFormToReachTheRedirectURI(t *testing.T) {
	sb, err := sandbox.New(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb.Handler())
	defer srv.Close()
	conf := &oauth2.Config{
		ClientID:    "cachelink-sandbox",
		Endpoint:    oauth2.Endpoint{AuthURL: srv.URL + "/oauth2/auth"},
		RedirectURL: "http://localhost:3000/callback",
		Scopes:      []string{"caches:read"},
	}
	resp, err := http.Get(conf.AuthCodeURL("a-state-long-enough", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("consent page: %s", resp.Status)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "form-action 'self' http://localhost:3000;") {
		t.Fatalf("Content-Security-Policy = %q; want form-action to allow the redirect URI's origin", csp)
	}
}
