package auth_test

// connect --with-key: an API key read from stdin, checked with one request,
// stored as the profile's login and used without refreshing.

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/cachelink/cachelink/internal/cmdtest"
	"github.com/cachelink/cachelink/internal/sandbox"
	"github.com/cachelink/cachelink/internal/upstash"
)

const sandboxPolyScaleKey = "ps-sandbox-workspace-key"

// newWithKeyEnv is a sandbox that accepts a PolyScale API key, with no
// credential in the environment and no browser: what a `go install` build
// on a laptop has.
func newWithKeyEnv(t *testing.T) *cmdtest.Env {
	t.Helper()
	e := cmdtest.New(t, cmdtest.Options{Sandbox: sandbox.Options{PolyScaleAPIKey: sandboxPolyScaleKey}})
	e.Setenv("POLYSCALE_API_KEY", "")
	noBrowser(t, e)
	return e
}

// noBrowser makes any attempt to open a browser fail the test.
func noBrowser(t *testing.T, e *cmdtest.Env) {
	e.BrowserUsable = false
	e.Browser = func(string) error {
		t.Error("a browser was opened")
		return errors.New("no browser here")
	}
}

type statusOut struct {
	Provider   string `json:"provider"`
	Profile    string `json:"profile"`
	Connected  bool   `json:"connected"`
	Source     string `json:"source"`
	StoredIn   string `json:"stored_in"`
	Account    string `json:"account"`
	Workspace  string `json:"workspace"`
	KeyName    string `json:"api_key_name"`
	Check      string `json:"check"`
	CheckError string `json:"check_error"`
}

func TestConnectPolyScaleWithKeyThenListWithoutEnvOrBrowser(t *testing.T) {
	t.Parallel()
	e := newWithKeyEnv(t)

	// A key as CI secret stores and `echo` hand it over: a trailing newline.
	r := e.RunWith(cmdtest.RunOptions{Stdin: "  " + sandboxPolyScaleKey + " \r\n"}, "connect", "polyscale", "--with-key")
	cmdtest.CheckExit(t, r, 0, nil)
	if !strings.Contains(r.Stderr, "✓ Connected to PolyScale") || !strings.Contains(r.Stderr, "(API key)") {
		t.Errorf("stderr lacks the confirmation:\n%s", r.Stderr)
	}
	if r.Stdout != "" {
		t.Errorf("stdout = %q, want nothing", r.Stdout)
	}
	if strings.Contains(r.Stderr, sandboxPolyScaleKey) {
		t.Errorf("the key reached stderr:\n%s", r.Stderr)
	}
	if _, ok := e.Keyring.Items("cachelink")["polyscale:default"]; !ok {
		t.Fatalf("nothing stored in the keychain: %v", keys(e.Keyring.Items("cachelink")))
	}

	// Commands use it: no env, no browser, no OAuth.
	cmdtest.CheckExit(t, e.Run("list", "polyscale"), 0, nil)
	if tok := e.Run("token", "polyscale"); tok.Stdout != sandboxPolyScaleKey+"\n" {
		t.Errorf("token polyscale = %q, want the stored key", tok.Stdout)
	}
	snap := e.Sandbox.Counters.Snapshot()
	if snap.Authorizations != 0 || snap.CodeExchanges != 0 || snap.Refreshes != 0 {
		t.Errorf("an API key login used OAuth: %+v", snap)
	}

	st := cmdtest.DecodePipedJSON[statusOut](t, e.MustRun(t, "status", "polyscale", "-o", "json").Stdout)
	if !st.Connected || st.Source != "api key" || st.StoredIn != "keyring" {
		t.Errorf("status -o json = %+v, want connected, source api key, stored in the keyring", st)
	}
	text := e.MustRun(t, "status", "polyscale").Stdout
	if !strings.Contains(text, "source:       api key in the system keychain") || strings.Contains(text, "expires") {
		t.Errorf("status:\n%s", text)
	}

	// disconnect forgets it and revokes nothing: the key is the user's.
	r = e.MustRun(t, "disconnect", "polyscale")
	if !strings.Contains(r.Stderr, "stays valid") || e.Sandbox.Counters.Revocations.Load() != 0 {
		t.Errorf("disconnect of an API key login (revocations %d):\n%s", e.Sandbox.Counters.Revocations.Load(), r.Stderr)
	}
	cmdtest.CheckExit(t, e.Run("list", "polyscale"), 4, nil)
}

func TestConnectPolyScaleWithKeyLearnsTheWorkspace(t *testing.T) {
	t.Parallel()
	e := newWithKeyEnv(t)
	createCache(t, e, sandboxPolyScaleKey, "shop")
	r := e.RunWith(cmdtest.RunOptions{Stdin: sandboxPolyScaleKey + "\n"}, "connect", "polyscale", "--with-key", "--profile", "ci")
	cmdtest.CheckExit(t, r, 0, nil)
	ws := e.Sandbox.Account.Workspaces[0]
	if want := "✓ Connected to PolyScale as workspace " + ws + " (API key, profile ci)"; !strings.Contains(r.Stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, r.Stderr)
	}
	st := cmdtest.DecodePipedJSON[statusOut](t, e.MustRun(t, "status", "polyscale", "--profile", "ci", "-o", "json").Stdout)
	if st.Workspace != ws || st.Profile != "ci" {
		t.Errorf("status = %+v, want workspace %s", st, ws)
	}
}

func TestConnectWithKeyOverABrowserLoginSaysItReplacesIt(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{Sandbox: sandbox.Options{PolyScaleAPIKey: sandboxPolyScaleKey}})
	e.Setenv("POLYSCALE_API_KEY", "")
	connect(t, e, "polyscale")
	r := e.RunWith(cmdtest.RunOptions{Stdin: sandboxPolyScaleKey + "\n"}, "connect", "polyscale", "--with-key")
	cmdtest.CheckExit(t, r, 0, nil)
	if !strings.Contains(r.Stderr, "replaces the browser login of profile default") {
		t.Errorf("stderr:\n%s", r.Stderr)
	}
	if tok := e.Run("token", "polyscale"); tok.Stdout != sandboxPolyScaleKey+"\n" {
		t.Errorf("token = %q, want the key", tok.Stdout)
	}
}

func TestConnectWithARefusedKeyStoresNothing(t *testing.T) {
	t.Parallel()
	e := newWithKeyEnv(t)
	r := cmdtest.CheckExit(t, e.RunWith(cmdtest.RunOptions{Stdin: "not-a-key\n"}, "connect", "polyscale", "--with-key"), 4, nil)
	if !strings.Contains(r.Stderr, "PolyScale refused the PolyScale API key; nothing was stored") {
		t.Errorf("stderr:\n%s", r.Stderr)
	}
	r = cmdtest.CheckExit(t, e.RunWith(cmdtest.RunOptions{Stdin: "not-a-key\n"}, "connect", "upstash", "--with-key", "--email", e.Sandbox.Account.Email), 4, nil)
	if !strings.Contains(r.Stderr, "Upstash refused") || !strings.Contains(r.Stderr, "--email") {
		t.Errorf("stderr:\n%s", r.Stderr)
	}
	if items := e.Keyring.Items("cachelink"); len(items) != 0 {
		t.Errorf("stored %v although the key was refused", keys(items))
	}
}

func TestConnectWithKeyRefusesWhatIsNotOneKey(t *testing.T) {
	t.Parallel()
	e := newWithKeyEnv(t)
	for _, tc := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"", []string{"connect", "polyscale", "--with-key"}, "no PolyScale API key on stdin"},
		{" \n", []string{"connect", "polyscale", "--with-key"}, "no PolyScale API key on stdin"},
		{"a\x01b\n", []string{"connect", "polyscale", "--with-key"}, "control character"},
		{"k\n", []string{"connect", "polyscale", "--with-key", "--scopes", "caches:read"}, "--scopes is for the browser login"},
		{"k\n", []string{"connect", "polyscale", "--with-key", "--email", "a@b.c"}, "--email is not used"},
		{"k\n", []string{"connect", "polyscale", "--with-key", "--no-browser"}, "--no-browser"},
		{"k\n", []string{"connect", "upstash", "--with-key"}, "(--email)"},
		{"k\n", []string{"connect", "upstash", "--with-key", "--email", "a\x02@b.c"}, "control character"},
	} {
		r := cmdtest.CheckExit(t, e.RunWith(cmdtest.RunOptions{Stdin: tc.stdin}, tc.args...), 2, tc.args)
		if !strings.Contains(r.Stderr, tc.want) {
			t.Errorf("%q with stdin %q: stderr lacks %q:\n%s", tc.args, tc.stdin, tc.want, r.Stderr)
		}
	}
	if n := e.Sandbox.Counters.Snapshot(); n.Authorizations != 0 {
		t.Errorf("authorizations = %d", n.Authorizations)
	}
	if items := e.Keyring.Items("cachelink"); len(items) != 0 {
		t.Errorf("stored %v", keys(items))
	}
}

// upstashKey mints a Developer API key at the sandbox the way a user gets
// one from the console: here through a browser login that is then
// disconnected, so nothing is stored.
func upstashKey(t *testing.T) (*cmdtest.Env, string, string) {
	t.Helper()
	e := cmdtest.NewUpstashCI(t, cmdtest.Options{})
	email, key := e.Getenv("UPSTASH_EMAIL"), e.Getenv("UPSTASH_API_KEY")
	e.Setenv("UPSTASH_EMAIL", "")
	e.Setenv("UPSTASH_API_KEY", "")
	noBrowser(t, e)
	return e, email, key
}

func TestConnectUpstashWithKeyAndEmailThenList(t *testing.T) {
	t.Parallel()
	e, email, key := upstashKey(t)
	minted := e.Sandbox.Counters.APIKeysMinted.Load()

	r := e.RunWith(cmdtest.RunOptions{Stdin: key + "\n"}, "connect", "upstash", "--with-key", "--email", email)
	cmdtest.CheckExit(t, r, 0, nil)
	if want := "✓ Connected to Upstash as " + email + " (API key)"; !strings.Contains(r.Stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, r.Stderr)
	}
	cmdtest.CheckExit(t, e.Run("list", "upstash"), 0, nil)
	cmdtest.CheckExit(t, e.Run("create", "upstash", "--name", "cache", "--region", "eu-west-1"), 0, nil)
	st := cmdtest.DecodePipedJSON[statusOut](t, e.MustRun(t, "status", "upstash", "-o", "json").Stdout)
	if st.Source != "api key" || st.Account != email {
		t.Errorf("status = %+v", st)
	}
	if n := e.Sandbox.Counters.APIKeysMinted.Load(); n != minted {
		t.Errorf("an API key login minted %d keys", n-minted)
	}

	// A key Upstash then refuses (deleted in the console) is not replaced:
	// the login holds no OAuth token to mint one with. Exit 4, naming the
	// way back.
	const rejected = "deleted-in-the-console"
	s := e.CredentialStore(t)
	rec, _, err := s.Load(upstash.Name, "default")
	if err != nil {
		t.Fatal(err)
	}
	upstash.SetStoredKey(rec, rejected, "")
	if _, err := s.Save(rec); err != nil {
		t.Fatal(err)
	}
	r = cmdtest.CheckExit(t, e.Run("list", "upstash"), 4, nil)
	if !strings.Contains(r.Stderr, "--with-key") {
		t.Errorf("stderr does not say how to store a valid key:\n%s", r.Stderr)
	}
	if strings.Contains(r.Stderr, rejected) {
		t.Errorf("the key reached stderr")
	}
	if n := e.Sandbox.Counters.APIKeysMinted.Load(); n != minted {
		t.Errorf("a refused API key login was recovered by minting %d keys", n-minted)
	}
}

func TestConnectUpstashWithKeyAsksTheEmailOnATerminal(t *testing.T) {
	t.Parallel()
	e, email, key := upstashKey(t)
	r := e.RunWith(cmdtest.RunOptions{StdinTTY: true, Stdin: email + "\n" + key + "\n"}, "connect", "upstash", "--with-key")
	cmdtest.CheckExit(t, r, 0, nil)
	for _, want := range []string{"Upstash account email: ", "Connected to Upstash as " + email} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.Stderr)
		}
	}
	cmdtest.CheckExit(t, e.Run("list", "upstash"), 0, nil)

	// --no-input never asks.
	r = cmdtest.CheckExit(t, e.RunWith(cmdtest.RunOptions{StdinTTY: true, Stdin: email + "\n"}, "connect", "upstash", "--with-key", "--no-input"), 2, nil)
	if !strings.Contains(r.Stderr, "--no-input") {
		t.Errorf("stderr:\n%s", r.Stderr)
	}
}

func TestEnvironmentCredentialsAreTrimmed(t *testing.T) {
	t.Parallel()
	e := newWithKeyEnv(t)
	e.Setenv("POLYSCALE_API_KEY", sandboxPolyScaleKey+"\n")
	cmdtest.CheckExit(t, e.Run("list", "polyscale"), 0, nil)
	cmdtest.CheckExit(t, e.Run("status", "polyscale", "--check"), 0, nil)

	e.Setenv("POLYSCALE_API_KEY", "ps\x01key")
	r := cmdtest.CheckExit(t, e.Run("list", "polyscale"), 2, nil)
	if !strings.Contains(r.Stderr, "POLYSCALE_API_KEY") {
		t.Errorf("the error does not name the variable:\n%s", r.Stderr)
	}

	u, email, key := upstashKey(t)
	u.Setenv("UPSTASH_EMAIL", " "+email+"\n")
	u.Setenv("UPSTASH_API_KEY", key+"\r\n")
	cmdtest.CheckExit(t, u.Run("list", "upstash"), 0, nil)
	if n := u.Keyring.Calls.Load(); n != 0 {
		t.Errorf("the keychain was called %d times with env credentials set", n)
	}
}

// createCache creates a PolyScale cache at the sandbox with token, as
// another client of the same workspace would.
func createCache(t *testing.T, e *cmdtest.Env, token, name string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"name": name, "host": "db.example.com", "port": 5432, "database": "postgres",
		"cachingEnabled": true, "defaultCachingBehaviour": "autoCached"})
	postJSON(t, e.Server.URL+"/v1/caches", token, body)
}
