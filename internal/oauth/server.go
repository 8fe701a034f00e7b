package oauth

import (
	_ "embed"
	"html/template"
	"net/http"
	"strings"
	"sync"
	"time"
)

//go:embed page.html
var pageHTML string

// page is the only HTML the listener serves: no external resource, no
// code, no redirect.
// It is parsed on first use, not at every start of cachelink.
var page = sync.OnceValue(func() *template.Template { return template.Must(template.New("page").Parse(pageHTML)) })

type pageData struct {
	Title, Message string
	Close          bool // try window.close()
}

// newServer serves the callback on the listeners Login bound.
func newServer(w *waiter, host string) *http.Server {
	return &http.Server{
		Handler:           &callbackHandler{w: w, host: host},
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       30 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          discardLog,
	}
}

// callbackHandler answers the redirect path on the redirect URL's Host and
// nothing else.
type callbackHandler struct {
	w    *waiter
	host string // host:port of the redirect URL
}

func (h *callbackHandler) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	securityHeaders(rw.Header())
	if r.URL.EscapedPath() != h.w.path {
		http.NotFound(rw, r)
		return
	}
	// DNS rebinding: a page on evil.example resolving to 127.0.0.1 reaches
	// this port with its own name in Host.
	if !strings.EqualFold(r.Host, h.host) {
		http.Error(rw, "wrong Host", http.StatusBadRequest)
		return
	}
	if r.Method != http.MethodGet { // a HEAD must not use up the state
		rw.Header().Set("Allow", "GET")
		http.Error(rw, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	switch v, msg := h.w.judge(r.URL.Query()); v {
	case rejected, finished:
		http.Error(rw, msg, http.StatusBadRequest)
	case refused:
		writePage(rw, http.StatusOK, pageData{
			Title:   h.w.provider + " did not connect",
			Message: strings.TrimRight(msg, ". ") + ". You can close this window and return to the terminal.",
		})
	case accepted:
		writePage(rw, http.StatusOK, pageData{
			Title:   "Connected",
			Message: "Your " + h.w.provider + " account is connected. You can close this window.",
			Close:   true,
		})
	}
}

func securityHeaders(h http.Header) {
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
}

func writePage(rw http.ResponseWriter, status int, d pageData) {
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	rw.WriteHeader(status)
	_ = page().Execute(rw, d)
}
