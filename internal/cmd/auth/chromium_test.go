package auth_test

// `cachelink connect` with a real browser: headless Chromium is the browser
// cachelink opens, and the test clicks the sandbox's consent page as a
// person would. The HTTP-client browser of cmdtest follows redirects; only a
// real browser applies the pages' Content-Security-Policy, form-action and
// Referrer-Policy, runs the success page's script, and shows its text.

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/cachelink/cachelink/internal/cmdtest"
)

// headlessChromium starts a headless Chromium for one test and returns its
// tab's context, which ends after 60 s or with the test.
func headlessChromium(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(cmdtest.Chromium(t)),
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() {
		cancelTimeout()
		cancelTab()
		cancelAlloc()
	})
	return ctx
}

// browserVisit is what the person saw in the browser.
type browserVisit struct {
	ConsentText string            // the consent page's text
	Workspace   string            // the workspace chosen on it ("" without a choice)
	Response    *network.Response // the last page: cachelink's loopback listener
	FinalURL    string            // the address bar on the last page
	Text        string            // the last page's text
	Console     []string          // the console and browser log, all pages
}

// consentClick is what the person does on the consent page.
type consentClick struct {
	Button        string // the button's id: "approve" or "deny"
	PickWorkspace bool   // click the workspace that is chosen by default first
	WaitFor       string // text of the last page, waited for
}

// visit opens authURL in the tab of ctx, clicks on the consent page, and
// waits until the page cachelink's listener serves shows click.WaitFor.
func visit(ctx context.Context, authURL string, click consentClick) (v browserVisit, err error) {
	var mu sync.Mutex
	var console []string
	record := func(s string) {
		mu.Lock()
		console = append(console, s)
		mu.Unlock()
	}
	// Listen calls the func in order on the tab's reader, before a command
	// that follows the event returns: every message of the last page is in
	// console once its load event has been seen.
	if err := chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *log.EventEntryAdded:
			record(fmt.Sprintf("%s %s: %s (%s)", ev.Entry.Source, ev.Entry.Level, ev.Entry.Text, ev.Entry.URL))
		case *runtime.EventExceptionThrown:
			record(fmt.Sprintf("exception: %s (%s)", ev.ExceptionDetails.Text, ev.ExceptionDetails.URL))
		case *runtime.EventConsoleAPICalled:
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			record(fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(args, " ")))
		}
	}); err != nil {
		return v, fmt.Errorf("starting the browser: %w", err)
	}
	defer func() {
		mu.Lock()
		v.Console = append([]string(nil), console...)
		mu.Unlock()
	}()

	if err := chromedp.Do(ctx,
		chromedp.Navigate(authURL),
		chromedp.WaitVisible(chromedp.ID(click.Button)),
	); err != nil {
		return v, fmt.Errorf("loading the consent page: %w", err)
	}
	if v.ConsentText, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body"))); err != nil {
		return v, fmt.Errorf("reading the consent page: %w", err)
	}
	if click.PickWorkspace {
		// A real click on the radio button already chosen by default, then
		// read which one is chosen now.
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`input[name="workspace"]`))); err != nil {
			return v, fmt.Errorf("choosing the workspace: %w", err)
		}
		ws, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`input[name="workspace"]:checked`), "value"))
		if err != nil {
			return v, fmt.Errorf("reading the chosen workspace: %w", err)
		}
		v.Workspace = ws.Value
	}

	// The click posts the form; the sandbox answers 303 to cachelink's
	// redirect URI; RunResponse waits for that page's load event and
	// returns its response (after the redirect).
	if v.Response, err = chromedp.RunResponse(ctx, chromedp.Click(chromedp.ID(click.Button))); err != nil {
		return v, fmt.Errorf("clicking %s: %w", click.Button, err)
	}
	// The success page calls window.close(). A page may close only a window
	// that a script opened or whose history holds that one document (HTML,
	// "script-closable"); this tab's history also holds the consent page, so
	// the tab stays open, as a person's would (Chromium logs "Scripts may
	// close only the windows that were opened by them."). Should a browser
	// ever close it, the steps below fail saying so, within the tab's 60 s.
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.Search(
		fmt.Sprintf(`//body[contains(., %q)]`, click.WaitFor)))); err != nil {
		return v, fmt.Errorf("waiting for %q on the last page (did the page close itself?): %w", click.WaitFor, err)
	}
	if v.Text, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body"))); err != nil {
		return v, fmt.Errorf("reading the last page: %w", err)
	}
	if v.FinalURL, err = chromedp.Run(ctx, chromedp.Location()); err != nil {
		return v, fmt.Errorf("reading the address of the last page: %w", err)
	}
	return v, nil
}

// connectInChromium runs `cachelink connect provider --timeout 90s` with
// headless Chromium as the browser and the person doing click. A browser
// that fails cancels the run at once instead of leaving connect waiting.
func connectInChromium(t *testing.T, e *cmdtest.Env, provider string, click consentClick) (cmdtest.Result, browserVisit) {
	t.Helper()
	tab := headlessChromium(t)
	runCtx, cancelRun := context.WithCancel(context.Background())
	defer cancelRun()

	type outcome struct {
		v   browserVisit
		err error
	}
	visited := make(chan outcome, 1)
	var opened sync.Once
	e.Browser = func(authURL string) error {
		err := fmt.Errorf("connect opened a second browser tab: %s", authURL)
		opened.Do(func() {
			var v browserVisit
			v, err = visit(tab, authURL, click)
			visited <- outcome{v, err}
		})
		if err != nil {
			cancelRun()
		}
		return err
	}

	r := e.RunWith(cmdtest.RunOptions{Ctx: runCtx}, "connect", provider, "--timeout", "90s")

	// connect returns once the callback is answered; the browser then still
	// reads the page. Every step of visit uses the tab's context, so it
	// reports within 60 s.
	if e.BrowserOpened.Load() == 0 {
		t.Fatalf("connect %s never opened the browser (exit %d); stderr:\n%s", provider, r.Code, r.Stderr)
	}
	got := <-visited
	if got.err != nil {
		t.Fatalf("in the browser: %v\nconsole:\n  %s\nconnect %s: exit %d; stderr:\n%s",
			got.err, strings.Join(got.v.Console, "\n  "), provider, r.Code, r.Stderr)
	}
	return r, got.v
}

// checkLoopbackPage checks the page cachelink's listener served at path, as
// the browser got it: the right address (carrying code=, or error= after a
// denial), the security headers, neither the code nor the state echoed, and
// nothing that the Content-Security-Policy blocked.
func checkLoopbackPage(t *testing.T, e *cmdtest.Env, v browserVisit, path string) {
	t.Helper()
	if v.Response == nil {
		t.Fatal("no response recorded for the last page")
	}
	if v.Response.Status != 200 {
		t.Errorf("the last page answered %d %s, want 200", v.Response.Status, v.Response.StatusText)
	}
	u, err := url.Parse(v.FinalURL)
	if err != nil {
		t.Fatalf("the final address %q: %v", v.FinalURL, err)
	}
	if want := "localhost:" + e.Port; u.Scheme != "http" || u.Host != want || u.Path != path {
		t.Errorf("the browser ended on %s, want http://%s%s?...", v.FinalURL, want, path)
	}
	if v.Response.URL != v.FinalURL {
		t.Errorf("response URL %s differs from the address bar %s", v.Response.URL, v.FinalURL)
	}
	q := u.Query()
	if q.Get("state") == "" || (q.Get("code") == "") == (q.Get("error") == "") {
		t.Errorf("the final address %s should carry state= and either code= or error=", v.FinalURL)
	}
	for _, secret := range []string{"code", "state"} {
		if val := q.Get(secret); val != "" && strings.Contains(v.Text, val) {
			t.Errorf("the page shows the %s %q:\n%s", secret, val, v.Text)
		}
	}
	header := func(name string) string {
		for k, val := range v.Response.Headers {
			if strings.EqualFold(k, name) {
				return fmt.Sprint(val)
			}
		}
		return ""
	}
	if got := header("Referrer-Policy"); got != "no-referrer" {
		t.Errorf("Referrer-Policy = %q, want no-referrer (the address holds the code)", got)
	}
	if got := header("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}
	if header("Content-Security-Policy") == "" {
		t.Error("no Content-Security-Policy on the loopback page")
	}
	for _, m := range v.Console {
		if strings.Contains(m, "Content Security Policy") || strings.Contains(m, "Refused to") || strings.Contains(m, "violates") {
			t.Errorf("the browser blocked something on a page: %s", m)
		}
	}
	t.Logf("browser console:\n  %s", strings.Join(v.Console, "\n  "))
}

func mustURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("%q: %v", raw, err)
	}
	return u
}

func TestConnectPolyScaleInARealBrowser(t *testing.T) {
	e := cmdtest.New(t, cmdtest.Options{Consent: true})
	r, v := connectInChromium(t, e, "polyscale", consentClick{
		Button: "approve", PickWorkspace: true, WaitFor: "account is connected",
	})

	if r.Code != 0 || !strings.Contains(r.Stderr, "✓ Connected to PolyScale") {
		t.Errorf("connect: exit %d, want 0 saying ✓ Connected to PolyScale; stderr:\n%s", r.Code, r.Stderr)
	}
	for _, want := range []string{"PolyScale sandbox", "cachelink-sandbox", "caches:read", "Approve", "Deny"} {
		if !strings.Contains(v.ConsentText, want) {
			t.Errorf("the consent page does not show %q:\n%s", want, v.ConsentText)
		}
	}
	if want := e.Sandbox.Account.Workspaces[0]; v.Workspace != want {
		t.Errorf("chosen workspace = %q, want the default %q", v.Workspace, want)
	}
	if want := "Your PolyScale account is connected. You can close this window."; !strings.Contains(v.Text, want) {
		t.Errorf("the browser shows %q, want %q", v.Text, want)
	}
	checkLoopbackPage(t, e, v, "/callback")
	if mustURL(t, v.FinalURL).Query().Get("code") == "" {
		t.Errorf("the browser ended on %s, without code=", v.FinalURL)
	}

	if n := e.BrowserOpened.Load(); n != 1 {
		t.Errorf("browser opened %d times, want 1", n)
	}
	if n := e.Sandbox.Counters.CodeExchanges.Load(); n != 1 {
		t.Errorf("code exchanges = %d, want exactly 1", n)
	}
	if _, ok := e.Keyring.Items("cachelink")["polyscale:default"]; !ok {
		t.Fatalf("no keychain item polyscale:default; items: %v", keys(e.Keyring.Items("cachelink")))
	}
	// The login is the one the person approved, for the workspace chosen.
	tok := e.Run("token", "polyscale")
	if tok.Code != 0 {
		t.Fatalf("token: exit %d: %s", tok.Code, tok.Stderr)
	}
	p, err := e.Sandbox.PolyScaleAuth.VerifyAccessToken(context.Background(), strings.TrimSpace(tok.Stdout))
	if err != nil {
		t.Fatalf("the stored token is not valid at PolyScale: %v", err)
	}
	if p.Workspace != v.Workspace {
		t.Errorf("the token is for workspace %q, want %q as chosen", p.Workspace, v.Workspace)
	}
}

func TestConnectPolyScaleDeniedInARealBrowser(t *testing.T) {
	e := cmdtest.New(t, cmdtest.Options{Consent: true})
	r, v := connectInChromium(t, e, "polyscale", consentClick{Button: "deny", WaitFor: "did not connect"})

	if r.Code != 4 || !strings.Contains(r.Stderr, "access_denied") {
		t.Errorf("connect: exit %d, want 4 with the provider's access_denied; stderr:\n%s", r.Code, r.Stderr)
	}
	for _, want := range []string{"PolyScale did not connect", "access_denied", "return to the terminal"} {
		if !strings.Contains(v.Text, want) {
			t.Errorf("the browser shows %q, want it to say %q", v.Text, want)
		}
	}
	if got := mustURL(t, v.FinalURL).Query().Get("error"); got != "access_denied" {
		t.Errorf("the final address %s carries error=%q, want access_denied", v.FinalURL, got)
	}
	checkLoopbackPage(t, e, v, "/callback")
	if n := e.Sandbox.Counters.CodeExchanges.Load(); n != 0 {
		t.Errorf("code exchanges = %d after a denial, want 0", n)
	}
	if items := e.Keyring.Items("cachelink"); len(items) != 0 {
		t.Errorf("stored %v after a denial", keys(items))
	}
}

func TestConnectUpstashInARealBrowser(t *testing.T) {
	e := cmdtest.New(t, cmdtest.Options{Consent: true})
	r, v := connectInChromium(t, e, "upstash", consentClick{Button: "approve", WaitFor: "account is connected"})

	if want := "✓ Connected to Upstash as " + e.Sandbox.Account.Email; r.Code != 0 || !strings.Contains(r.Stderr, want) {
		t.Errorf("connect: exit %d, want 0 saying %q; stderr:\n%s", r.Code, want, r.Stderr)
	}
	if !strings.Contains(v.ConsentText, "Upstash sandbox") || strings.Contains(v.ConsentText, "Workspace") {
		t.Errorf("the Upstash consent page (no workspace choice) shows:\n%s", v.ConsentText)
	}
	if want := "Your Upstash account is connected. You can close this window."; !strings.Contains(v.Text, want) {
		t.Errorf("the browser shows %q, want %q", v.Text, want)
	}
	checkLoopbackPage(t, e, v, "/")
	if mustURL(t, v.FinalURL).Query().Get("code") == "" {
		t.Errorf("the browser ended on %s, without code=", v.FinalURL)
	}
	if n := e.Sandbox.Counters.CodeExchanges.Load(); n != 1 {
		t.Errorf("code exchanges = %d, want exactly 1", n)
	}
	if n := e.Sandbox.Counters.APIKeysMinted.Load(); n != 1 {
		t.Errorf("API keys minted = %d, want 1", n)
	}
	if _, ok := e.Keyring.Items("cachelink")["upstash:default"]; !ok {
		t.Errorf("no keychain item upstash:default; items: %v", keys(e.Keyring.Items("cachelink")))
	}
}
