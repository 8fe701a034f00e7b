package httpx_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/cachelink/cachelink/internal/httpx"
)

func TestDebugTraceShowsRequestsButNoSecret(t *testing.T) {
	t.Parallel()
	const sentinel = "SENTINEL-SECRET-3f9a"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("User-Agent"); got != "cachelink/1.2.3" {
			t.Errorf("User-Agent = %q", got)
		}
		w.Header().Set("Set-Cookie", "session="+sentinel)
		_, _ = w.Write([]byte(`{"access_token":"` + sentinel + `"}`))
	}))
	defer srv.Close()

	var trace bytes.Buffer
	c := httpx.New(httpx.Options{UserAgent: "cachelink/1.2.3", Debug: &trace})
	u, _ := url.Parse(srv.URL + "/oauth2/token?code=" + sentinel + "&state=" + sentinel + "&page=2")
	u.User = url.UserPassword("me", sentinel)
	req, _ := http.NewRequest(http.MethodPost, u.String(), strings.NewReader("refresh_token="+sentinel))
	req.Header.Set("Authorization", "Bearer "+sentinel)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	out := trace.String()
	if strings.Contains(out, sentinel) {
		t.Fatalf("the trace shows a secret:\n%s", out)
	}
	for _, want := range []string{"[debug] POST http://REDACTED@127.0.0.1:", "/oauth2/token?", "page=2", "→ 200 OK ("} {
		if !strings.Contains(out, want) {
			t.Errorf("trace lacks %q:\n%s", want, out)
		}
	}
}

func TestDebugTraceOfAFailedRequest(t *testing.T) {
	t.Parallel()
	var trace bytes.Buffer
	c := httpx.New(httpx.Options{Debug: &trace})
	_, err := c.Get("http://127.0.0.1:1/?token=SENTINEL")
	if err == nil {
		t.Fatal("want an error from a closed port")
	}
	if out := trace.String(); !strings.Contains(out, "→ error after") || strings.Contains(out, "SENTINEL") {
		t.Errorf("trace:\n%s", out)
	}
}
