package oauth

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/cachelink/cachelink/internal/safetext"
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
		h.answerAfterExchange(rw, r)
	}
}

// answerAfterExchange waits (bounded) for the code exchange of the
// accepted callback r, and answers with its outcome: the page never says
// "connected" for a login that failed.
func (h *callbackHandler) answerAfterExchange(rw http.ResponseWriter, r *http.Request) {
	timer := time.NewTimer(h.w.answerWithin)
	defer timer.Stop()
	select {
	case <-h.w.settled:
	case <-timer.C:
		writePage(rw, http.StatusOK, pageData{
			Title: "Finishing in the terminal",
			Message: "cachelink is still completing the " + h.w.provider + " login in the terminal where it runs; " +
				"look there for the result. You can close this window.",
		})
		return
	case <-r.Context().Done():
		return
	}
	if err := h.w.final; err != nil {
		writePage(rw, http.StatusOK, pageData{
			Title:   h.w.provider + " did not connect",
			Message: failureText(h.w.provider, err, r.URL.Query().Get("code")) + " Return to the terminal for what to do next; you can close this window.",
		})
		return
	}
	writePage(rw, http.StatusOK, pageData{
		Title:   "Connected",
		Message: "Your " + h.w.provider + " account is connected. You can close this window.",
		Close:   true,
	})
}

// failureText says, for the browser's page, why the login failed after
// its callback was accepted. It quotes no response body and never the
// code (should a provider echo it in its error description); the page's
// template escapes it.
func failureText(provider string, err error, code string) string {
	var re *oauth2.RetrieveError
	var msg string
	switch {
	case errors.Is(err, errLoginEnded):
		msg = "The login ended in the terminal (it timed out or was stopped) before this answer arrived."
	case errors.Is(err, context.Canceled):
		msg = "The login was cancelled in the terminal."
	case errors.As(err, &re):
		msg = provider + " refused the authorization code"
		switch {
		case re.ErrorCode != "":
			detail := safetext.Strip(re.ErrorCode, 64)
			if d := safetext.Strip(re.ErrorDescription, 300); d != "" {
				detail += ": " + d
			}
			msg += " (" + detail + ")."
		case re.Response != nil:
			msg += fmt.Sprintf(" (HTTP %d).", re.Response.StatusCode)
		default:
			msg += "."
		}
	case errors.Is(err, context.DeadlineExceeded):
		msg = provider + " did not answer the code exchange in time."
	default:
		msg = "The authorization code could not be exchanged with " + provider + "."
	}
	if code != "" {
		msg = strings.ReplaceAll(msg, code, "[code]")
	}
	return msg
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
