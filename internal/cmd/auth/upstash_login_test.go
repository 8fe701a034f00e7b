package auth_test

// The Upstash login's Developer API key: kept across reconnects, named when
// replaced, never lost to Ctrl-C; and the login revoked at disconnect.

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cachelink/cachelink/internal/cmdtest"
	"github.com/cachelink/cachelink/internal/sandbox"
	"github.com/cachelink/cachelink/internal/upstash"
)

func TestReconnectingUpstashKeepsTheKeyThatWorks(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	connect(t, e, "upstash")
	_, name := storedUpstashKey(t, e)
	for range 2 {
		r := connect(t, e, "upstash")
		if want := "Kept the Developer API key " + name + ", which still works."; !strings.Contains(r.Stderr, want) {
			t.Errorf("reconnect: stderr lacks %q:\n%s", want, r.Stderr)
		}
	}
	if n := e.Sandbox.Counters.APIKeysMinted.Load(); n != 1 {
		t.Errorf("3 connects minted %d API keys, want 1", n)
	}
	if n := e.Sandbox.Counters.CodeExchanges.Load(); n != 3 {
		t.Errorf("code exchanges = %d, want 3 (each connect logs in)", n)
	}
	cmdtest.CheckExit(t, e.Run("list", "upstash"), 0, nil)

	// A key deleted in the console: the reconnect mints one, and names the
	// key it replaces.
	e.RejectUpstashKey(t, "default")
	r := connect(t, e, "upstash")
	newKey, newName := storedUpstashKey(t, e)
	if want := "Upstash refuses the Developer API key " + name; !strings.Contains(r.Stderr, want) || !strings.Contains(r.Stderr, "created "+newName) {
		t.Errorf("stderr lacks %q and the new key's name %s:\n%s", want, newName, r.Stderr)
	}
	if n := e.Sandbox.Counters.APIKeysMinted.Load(); n != 2 || newName == name {
		t.Errorf("minted %d keys (new %s, old %s), want 2", n, newName, name)
	}
	cmdtest.CheckNoSecrets(t, r, []string{newKey})
	cmdtest.CheckExit(t, e.Run("list", "upstash"), 0, nil)
}

func TestDisconnectUpstashRevokesTheRefreshToken(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	connect(t, e, "upstash")
	var rec struct {
		RT string `json:"rt"`
	}
	if err := json.Unmarshal([]byte(e.Keyring.Items("cachelink")["upstash:default"]), &rec); err != nil || rec.RT == "" {
		t.Fatalf("no refresh token stored: %v", err)
	}
	_, name := storedUpstashKey(t, e)

	r := e.MustRun(t, "disconnect", "upstash")
	for _, want := range []string{"Revoked the Upstash login", name, "Upstash console", "Disconnected Upstash"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("disconnect: stderr lacks %q:\n%s", want, r.Stderr)
		}
	}
	if n := e.Sandbox.Counters.Revocations.Load(); n != 1 {
		t.Errorf("revocations = %d, want 1", n)
	}
	// Auth0 refuses the refresh token from now on.
	form := url.Values{"grant_type": {"refresh_token"}, "client_id": {"cachelink-sandbox"}, "refresh_token": {rec.RT}}
	resp, err := http.PostForm(e.Server.URL+"/oauth/token", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		t.Error("the refresh token still works after disconnect")
	}
	if n := e.Sandbox.Counters.ReuseDetections.Load(); n != 0 {
		t.Errorf("a revoked token counted as a reuse (%d)", n)
	}
}

// The mint of POST /apikey takes 3 s; Ctrl-C comes while it is in flight.
func interruptDuringMint(t *testing.T, e *cmdtest.Env, after func() bool, args ...string) cmdtest.Result {
	t.Helper()
	if err := e.Sandbox.Faults.Add(sandbox.FaultRule{Kind: sandbox.FaultLatency, Latency: 3 * time.Second, Count: 1,
		Method: http.MethodPost, PathPrefix: "/apikey"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		deadline := time.Now().Add(20 * time.Second)
		for !after() && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(700 * time.Millisecond) // the mint is sent, its answer is 3 s away
		cancel()
	}()
	start := time.Now()
	r := e.RunWith(cmdtest.RunOptions{Ctx: ctx}, args...)
	if r.Code != 130 {
		t.Fatalf("%v: exit %d, want 130; stderr:\n%s", args, r.Code, r.Stderr)
	}
	if !strings.Contains(r.Stderr, "waiting up to") {
		t.Errorf("stderr does not say it waits for the key:\n%s", r.Stderr)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("took %s", d)
	}
	return r
}

func TestCtrlCWhileConnectMintsTheKeyStoresIt(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	interruptDuringMint(t, e, func() bool { return e.Sandbox.Counters.CodeExchanges.Load() > 0 }, "connect", "upstash")

	key, _ := storedUpstashKey(t, e)
	keys := e.Sandbox.Store.State().APIKeys
	if len(keys) != 1 || keys[0].Key != key {
		t.Fatalf("the sandbox holds %d keys; the stored one is among them: %v (0 orphaned keys wanted)", len(keys), len(keys) == 1 && keys[0].Key == key)
	}
	cmdtest.CheckExit(t, e.Run("list", "upstash"), 0, nil)
	if n := e.Sandbox.Counters.APIKeysMinted.Load(); n != 1 {
		t.Errorf("minted %d keys, want 1", n)
	}
}

func TestCtrlCWhileAKeyIsReplacedStoresTheNewKey(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewUpstashLogin(t, cmdtest.Options{})
	rejected := e.RejectUpstashKey(t, "default")
	started := time.Now()
	interruptDuringMint(t, e, func() bool { return time.Since(started) > 0 }, "list", "upstash")

	key, _ := storedUpstashKey(t, e)
	keys := e.Sandbox.Store.State().APIKeys
	if key == rejected || len(keys) != 2 || keys[1].Key != key {
		t.Fatalf("after Ctrl-C, the stored key is not the one minted last (%d keys at the sandbox)", len(keys))
	}
	cmdtest.CheckExit(t, e.Run("list", "upstash"), 0, nil)
	if n := e.Sandbox.Counters.APIKeysMinted.Load(); n != 2 {
		t.Errorf("minted %d keys, want 2", n)
	}
}

// storedUpstashKey is the Developer API key stored for the default
// profile, and its name.
func storedUpstashKey(t *testing.T, e *cmdtest.Env) (key, name string) {
	t.Helper()
	rec, _, err := e.CredentialStore(t).Load(upstash.Name, "default")
	if err != nil {
		t.Fatal(err)
	}
	key, name = upstash.StoredKey(rec)
	if key == "" || !regexp.MustCompile(`^cachelink_API_KEY_\d+`).MatchString(name) {
		t.Fatalf("stored key set: %t, named %q", key != "", name)
	}
	return key, name
}
