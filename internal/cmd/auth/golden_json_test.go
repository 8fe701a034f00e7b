package auth_test

// Golden JSON of the account commands: connect (browser and --with-key),
// status, token and disconnect with -o json. Only stdout is pinned: stderr
// carries the login's URL, whose state and PKCE challenge are random.
// Regenerate with
//
//	go test ./internal/cmd/auth/ -run TestGoldenJSON -update
//
// and review the diff of testdata/auth/ like any other change.

import (
	"regexp"
	"testing"

	"github.com/cachelink/cachelink/internal/cmdtest"
	"github.com/cachelink/cachelink/internal/golden"
	"github.com/cachelink/cachelink/internal/sandbox"
)

var (
	mintedKeyName = regexp.MustCompile(`cachelink_API_KEY_\d+(_[0-9A-Za-z]+)?`)
	jsonToken     = regexp.MustCompile(`"token":"[^"]*"`)
)

// normalizeJSON makes an account command's JSON deterministic: timestamps
// (cmdtest.Normalize), the name of the key minted for an Upstash login,
// and an access token.
func normalizeJSON(e *cmdtest.Env, s string) string {
	s = e.Normalize(s)
	s = mintedKeyName.ReplaceAllString(s, "cachelink_API_KEY_1700000000")
	return jsonToken.ReplaceAllString(s, `"token":"<token>"`)
}

func TestGoldenJSON(t *testing.T) {
	t.Parallel()
	type step struct {
		args  []string
		stdin string
	}
	withKey := step{args: []string{"connect", "polyscale", "--with-key"}, stdin: sandboxPolyScaleKey + "\n"}
	tests := []struct {
		name  string
		setup []step
		env   map[string]string // set after POLYSCALE_API_KEY is cleared
		run   step
		code  int
	}{
		{name: "connect-polyscale-json", run: step{args: []string{"connect", "polyscale", "-o", "json"}}},
		{name: "connect-upstash-json", run: step{args: []string{"connect", "upstash", "-o", "json"}}},
		{name: "connect-with-key-json", run: step{args: []string{"connect", "polyscale", "--with-key", "-o", "json"}, stdin: sandboxPolyScaleKey + "\n"}},
		{name: "status-json", setup: []step{withKey}, run: step{args: []string{"status", "-o", "json"}}},
		{name: "status-polyscale-json", setup: []step{{args: []string{"connect", "polyscale"}}}, run: step{args: []string{"status", "polyscale", "-o", "json"}}},
		{name: "status-not-connected-json", run: step{args: []string{"status", "upstash", "-o", "json"}}, code: 4},
		{name: "token-json", setup: []step{{args: []string{"connect", "polyscale"}}}, run: step{args: []string{"token", "polyscale", "-o", "json"}}},
		{name: "token-with-key-json", setup: []step{withKey}, run: step{args: []string{"token", "polyscale", "-o", "json"}}},
		// A credential from the environment belongs to no profile: no "profile" key.
		{name: "token-env-json", env: map[string]string{"POLYSCALE_API_KEY": sandboxPolyScaleKey}, run: step{args: []string{"token", "polyscale", "-o", "json"}}},
		{name: "disconnect-polyscale-json", setup: []step{{args: []string{"connect", "polyscale"}}}, run: step{args: []string{"disconnect", "polyscale", "-o", "json"}}},
		{name: "disconnect-upstash-json", setup: []step{{args: []string{"connect", "upstash"}}}, run: step{args: []string{"disconnect", "upstash", "-o", "json"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// A sandbox that also accepts a PolyScale API key, with none
			// in the environment.
			e := cmdtest.New(t, cmdtest.Options{Sandbox: sandbox.Options{PolyScaleAPIKey: sandboxPolyScaleKey}})
			e.Setenv("POLYSCALE_API_KEY", "")
			for k, v := range tt.env {
				e.Setenv(k, v)
			}
			for _, s := range tt.setup {
				cmdtest.CheckExit(t, e.RunWith(cmdtest.RunOptions{Stdin: s.stdin}, s.args...), 0, s.args)
			}
			r := e.RunWith(cmdtest.RunOptions{Stdin: tt.run.stdin}, tt.run.args...)
			if tt.code == 0 {
				cmdtest.CheckExit(t, r, 0, tt.run.args)
			} else if r.Code != tt.code {
				// status -o json prints what it found, then exits 4.
				t.Errorf("%v: exit %d, want %d\n%s", tt.run.args, r.Code, tt.code, r.Stderr)
			}
			golden.Assert(t, "auth/"+tt.name+".stdout", []byte(normalizeJSON(e, r.Stdout)))
		})
	}
}
