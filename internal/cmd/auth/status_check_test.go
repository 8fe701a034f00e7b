package auth_test

// status --check, status on a terminal, and the profiles status lists.

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cachelink/cachelink/internal/cmdtest"
)

func TestStatusCheckRejectsABogusEnvironmentKey(t *testing.T) {
	t.Parallel()
	e := newWithKeyEnv(t)
	e.Setenv("POLYSCALE_API_KEY", "bogus")
	r := e.Run("status", "polyscale", "--check")
	if r.Code != 4 || !strings.Contains(r.Stdout, "check:        rejected") || !strings.Contains(r.Stderr, "PolyScale rejected the credentials in POLYSCALE_API_KEY") {
		t.Errorf("exit %d, want 4\nstdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
	}
	// Without --check, status only reports what is set.
	cmdtest.CheckExit(t, e.Run("status", "polyscale"), 0, nil)

	e.Setenv("POLYSCALE_API_KEY", sandboxPolyScaleKey)
	r = e.MustRun(t, "status", "polyscale", "--check", "-o", "json")
	if st := cmdtest.DecodePipedJSON[statusOut](t, r.Stdout); st.Check != "valid" || st.Source != "env" {
		t.Errorf("status -o json = %+v, want a valid env credential", st)
	}
	// Every provider: the rejected one is reported, the command only reports.
	e.Setenv("UPSTASH_EMAIL", "ci@example.com")
	e.Setenv("UPSTASH_API_KEY", "bogus")
	r = e.MustRun(t, "status", "--check", "-o", "json")
	all := cmdtest.DecodePipedJSON[[]statusOut](t, r.Stdout)
	if len(all) != 2 || all[0].Check != "valid" || all[1].Check != "rejected" || all[1].CheckError == "" {
		t.Errorf("status --check -o json = %+v", all)
	}
}

func TestStatusCheckOfAnOAuthLoginShowsTheWorkspace(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	connect(t, e, "polyscale")
	r := e.MustRun(t, "status", "polyscale", "--check")
	if !strings.Contains(r.Stdout, "check:        valid") || strings.Contains(r.Stdout, "workspace") {
		t.Errorf("no cache yet, so no workspace is known:\n%s", r.Stdout)
	}
	token := strings.TrimSpace(e.MustRun(t, "token", "polyscale").Stdout)
	createCache(t, e, token, "shop")

	ws := e.Sandbox.Account.Workspaces[0] // the one auto-approve chose
	r = e.MustRun(t, "status", "polyscale", "--check")
	if !strings.Contains(r.Stdout, "workspace:    "+ws) {
		t.Errorf("status --check does not show workspace %s:\n%s", ws, r.Stdout)
	}
	// A reconnect learns it at once, and status shows it without --check.
	connect(t, e, "polyscale")
	if st := cmdtest.DecodePipedJSON[statusOut](t, e.MustRun(t, "status", "polyscale", "-o", "json").Stdout); st.Workspace != ws {
		t.Errorf("status -o json after a reconnect = %+v, want workspace %s", st, ws)
	}
}

func TestStatusCheckCannotReachTheProvider(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	connect(t, e, "polyscale")
	e.Setenv("CACHELINK_POLYSCALE_API_URL", "http://127.0.0.1:"+cmdtest.FreePort(t))
	r := e.Run("status", "polyscale", "--check")
	if r.Code != 5 || !strings.Contains(r.Stdout, "check:        unreachable") || strings.Count(r.Stderr, "Error: ") != 1 {
		t.Errorf("exit %d, want 5\nstdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
	}
}

func TestStatusOnATerminalChecksInTheBackground(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	connect(t, e, "polyscale")
	r := e.RunOnTerminal("status")
	if r.Code != 0 || !strings.Contains(r.Stdout, "check:        valid") {
		t.Errorf("exit %d:\n%s", r.Code, r.Stdout)
	}
	// Through a pipe, without --check, nothing is sent.
	if r := e.MustRun(t, "status"); strings.Contains(r.Stdout, "check:") {
		t.Errorf("status through a pipe checked:\n%s", r.Stdout)
	}
}

func TestStatusListsEveryProfileThatHoldsALogin(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	connect(t, e, "polyscale")
	connect(t, e, "polyscale", "--profile", "work", "--scopes", "caches:read")
	connect(t, e, "upstash", "--profile", "ci")

	r := e.MustRun(t, "status")
	for _, want := range []string{"PolyScale (profile default)", "PolyScale (profile work)", "Upstash (profile default)", "Upstash (profile ci)"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("status lacks %q:\n%s", want, r.Stdout)
		}
	}
	all := cmdtest.DecodePipedJSON[[]statusOut](t, e.MustRun(t, "status", "-o", "json").Stdout)
	var got []string
	for _, st := range all {
		got = append(got, st.Provider+":"+st.Profile)
	}
	if strings.Join(got, " ") != "polyscale:default polyscale:work upstash:default upstash:ci" {
		t.Errorf("status -o json lists %v", got)
	}

	// The profile asked for comes first; its exit code is the command's.
	r = e.MustRun(t, "status", "polyscale", "--profile", "work")
	if i, j := strings.Index(r.Stdout, "(profile work)"), strings.Index(r.Stdout, "(profile default)"); i < 0 || j < i {
		t.Errorf("status --profile work:\n%s", r.Stdout)
	}

	e.MustRun(t, "disconnect", "polyscale", "--profile", "work")
	if r := e.MustRun(t, "status"); strings.Contains(r.Stdout, "(profile work)") {
		t.Errorf("status still lists a disconnected profile:\n%s", r.Stdout)
	}
	// A login deleted behind cachelink's back (the keychain's own tool)
	// is no longer listed either.
	if err := e.Keyring.Delete("cachelink", "upstash:ci"); err != nil {
		t.Fatal(err)
	}
	if r := e.MustRun(t, "status"); strings.Contains(r.Stdout, "(profile ci)") {
		t.Errorf("status lists a login that is gone:\n%s", r.Stdout)
	}
	if _, err := os.Stat(filepath.Join(e.ConfigDir, "profiles", "upstash", "ci")); !os.IsNotExist(err) {
		t.Errorf("the index still names upstash:ci (stat: %v)", err)
	}
}

// postJSON POSTs body to url with token as Bearer and fails t unless the
// answer is a success.
func postJSON(t *testing.T, url, token string, body []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("POST %s: %s", url, resp.Status)
	}
}
