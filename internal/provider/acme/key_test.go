package acme

import (
	"context"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/cachelink/cachelink/internal/app"
	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/httpx"
	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/registry"
)

// runStdin is run with stdin (a pipe) holding stdin.
func (h *harness) runStdin(stdin string, args ...string) result {
	h.t.Helper()
	env := maps.Clone(h.Env)
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code := app.RunWith(ctx, ios, args, func(f *cmdutil.Factory) {
		f.Registry = append(registry.Providers(), cmdutil.Registration{Provider: Provider, Commands: Commands})
		f.Getenv = func(k string) string { return env[k] }
		f.Keyring = h.keyring
		f.OpenBrowser = func(string) error { h.t.Error("a browser was opened"); return nil }
		f.BrowserUsable = func() bool { return false }
		f.Listen = h.listen
		f.Retry = httpx.Retry{BaseDelay: 10 * time.Millisecond, MaxDelay: 50 * time.Millisecond}
	})
	return result{Code: code, Stdout: out.String(), Stderr: errOut.String()}
}

// TestAcmeAPIKeyLoginAndCheck: what a provider implements for `connect
// --with-key` (KeyLogin) and `status --check` (Check) is all those need.
func TestAcmeAPIKeyLoginAndCheck(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	acme := h.acme

	if r := h.runStdin("wrong\n", "connect", "acme", "--with-key"); r.Code != app.ExitAuth || !strings.Contains(r.Stderr, "Acme refused the Acme API token") {
		t.Fatalf("a wrong token: exit %d\n%s", r.Code, r.Stderr)
	}
	r := h.runStdin(acme.CIToken+"\n", "connect", "acme", "--with-key")
	if r.Code != 0 || !strings.Contains(r.Stderr, "✓ Connected to Acme (API key)") {
		t.Fatalf("connect acme --with-key: exit %d\n%s", r.Code, r.Stderr)
	}
	h.must(app.ExitOK, "create", "acme", "--name", "w1")
	if by := acme.AuthBy(); by[len(by)-1] != "env" {
		t.Errorf("create was authenticated by %v, want the stored API token", by)
	}
	st := h.must(app.ExitOK, "status", "acme", "--check")
	for _, want := range []string{"source:       api key in the system keychain", "check:        valid"} {
		if !strings.Contains(st.Stdout, want) {
			t.Errorf("status acme --check lacks %q:\n%s", want, st.Stdout)
		}
	}
	if n := acme.Counters.Snapshot(); n.CodeExchanges != 0 || n.Refreshes != 0 {
		t.Errorf("an API token login used OAuth: %+v", n)
	}
	// A 401 to it is not recovered: no refresh token to recover with.
	acme.RejectNext.Store(true)
	r = h.must(app.ExitAuth, "create", "acme", "--name", "w2")
	if !strings.Contains(r.Stderr, "Acme rejected the stored login") {
		t.Errorf("stderr:\n%s", r.Stderr)
	}
	if n := acme.Counters.Refreshes.Load(); n != 0 {
		t.Errorf("refreshes = %d, want 0", n)
	}
	h.Env[EnvToken] = "bogus"
	r = h.run("status", "acme", "--check")
	if r.Code != app.ExitAuth || !strings.Contains(r.Stdout, "check:        rejected") {
		t.Errorf("status acme --check with a bogus %s: exit %d\n%s", EnvToken, r.Code, r.Stdout)
	}
}
