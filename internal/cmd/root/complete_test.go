package root_test

// Shell completion, through cobra's hidden __complete command (what the
// bash, zsh and fish scripts call), run in-process against the sandbox:
// resource names from the API, flag values, profiles; and nothing at all,
// exit 0, when the API cannot be asked. Also "did you mean".

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/cachelink/cachelink/internal/cmd/factory"
	"github.com/cachelink/cachelink/internal/cmd/root"
	"github.com/cachelink/cachelink/internal/cmdtest"
	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/registry"
	"github.com/cachelink/cachelink/internal/sandbox"
)

// completion is what `cachelink __complete args...` offered: the values
// (descriptions cut off) and the directive line.
type completion struct {
	values    []string
	directive string
	stdout    string
}

func complete(t *testing.T, e *cmdtest.Env, args ...string) completion {
	t.Helper()
	r := e.Run(append([]string{"__complete"}, args...)...)
	if r.Code != 0 {
		t.Fatalf("__complete %q: exit %d\nstdout:\n%s\nstderr:\n%s", args, r.Code, r.Stdout, r.Stderr)
	}
	c := completion{stdout: r.Stdout}
	lines := strings.Split(strings.TrimSuffix(r.Stdout, "\n"), "\n")
	if len(lines) == 0 || !strings.HasPrefix(lines[len(lines)-1], ":") {
		t.Fatalf("__complete %q: no directive line on stdout:\n%s", args, r.Stdout)
	}
	c.directive = lines[len(lines)-1]
	for _, l := range lines[:len(lines)-1] {
		v, _, _ := strings.Cut(l, "\t")
		c.values = append(c.values, v)
	}
	return c
}

// noFiles is cobra's ShellCompDirectiveNoFileComp.
const noFiles = ":4"

func expectValues(t *testing.T, c completion, want ...string) {
	t.Helper()
	if !slices.Equal(c.values, want) {
		t.Errorf("completions %q, want %q\nstdout:\n%s", c.values, want, c.stdout)
	}
	if c.directive != noFiles {
		t.Errorf("directive %s, want %s (no file names)", c.directive, noFiles)
	}
}

// expectNothing checks that stdout holds the directive alone: no
// completion, no error text for the shell to insert.
func expectNothing(t *testing.T, c completion) {
	t.Helper()
	if c.stdout != noFiles+"\n" {
		t.Errorf("stdout %q, want only the directive %q", c.stdout, noFiles+"\n")
	}
}

func TestCompletePolyScaleCaches(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{Sandbox: sandbox.Options{PolyScaleAPIKey: "ci-key"}})
	var ids []string
	for _, name := range []string{"shop", "shipping", "twin", "twin"} {
		args := []string{"create", "polyscale", "--name", name, "--type", "postgres", "--host", "127.0.0.1", "--port", "5432"}
		if name == "twin" {
			args = append(args, "--allow-duplicate")
		}
		r := e.MustRun(t, args...)
		ids = append(ids, strings.TrimSpace(r.Stdout))
	}
	twins := []string{ids[2], ids[3]}
	slices.Sort(twins)

	// A name two caches share is offered as their ids: the name alone
	// would be refused as ambiguous.
	for _, args := range [][]string{
		{"get", "polyscale", ""}, {"connstr", "polyscale", ""}, {"delete", "polyscale", ""},
		{"purge", ""}, {"rules", "list", ""}, {"rules", "set", ""}, {"rules", "delete", ""},
	} {
		c := complete(t, e, args...)
		got := slices.Clone(c.values)
		slices.Sort(got)
		want := append([]string{"shipping", "shop"}, twins...)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%q: completions %q, want %q", args, got, want)
		}
	}
	expectValues(t, complete(t, e, "get", "polyscale", "sh"), "shop", "shipping")
	expectValues(t, complete(t, e, "run", "--polyscale", "shi"), "shipping")
	// An id prefix completes the id.
	expectValues(t, complete(t, e, "get", "polyscale", ids[0][:8]), ids[0])
	// One argument only.
	expectNothing(t, complete(t, e, "get", "polyscale", "shop", ""))
}

func TestCompleteUpstashNamesByKind(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewUpstashLogin(t, cmdtest.Options{})
	e.MustRun(t, "create", "upstash", "--name", "cache", "--region", "eu-west-1")
	e.MustRun(t, "create", "upstash", "--kind", "vector", "--name", "vectors", "--region", "eu-west-1", "--similarity", "cosine", "--dimensions", "3")
	e.MustRun(t, "create", "upstash", "--kind", "search", "--name", "docs", "--region", "eu-west-1")

	for _, verb := range []string{"get", "delete", "connstr"} {
		expectValues(t, complete(t, e, verb, "upstash", ""), "cache", "docs", "vectors")
		expectValues(t, complete(t, e, verb, "upstash", "--kind", "vector", ""), "vectors")
		expectValues(t, complete(t, e, verb, "upstash", "--kind", "redis", "c"), "cache")
	}
	// QStash takes no argument; reset-password and run are for databases.
	expectNothing(t, complete(t, e, "connstr", "upstash", "--kind", "qstash", ""))
	expectValues(t, complete(t, e, "reset-password", ""), "cache")
	expectValues(t, complete(t, e, "run", "--upstash", ""), "cache")
	// The login of --profile: another profile has none.
	expectNothing(t, complete(t, e, "get", "upstash", "--profile", "other", ""))

	// The same in CI mode, from UPSTASH_EMAIL and UPSTASH_API_KEY.
	ci := cmdtest.NewUpstashCI(t, cmdtest.Options{})
	ci.MustRun(t, "create", "upstash", "--name", "ci-cache", "--region", "us-east-1")
	expectValues(t, complete(t, ci, "get", "upstash", ""), "ci-cache")
}

// Not connected, credentials refused, the API down or hanging: nothing to
// complete, exit 0, nothing on stdout but the directive, and no prompt,
// browser or token refresh.
func TestCompleteNamesFailQuietly(t *testing.T) {
	t.Parallel()
	t.Run("not connected", func(t *testing.T) {
		t.Parallel()
		e := cmdtest.New(t, cmdtest.Options{})
		for _, args := range [][]string{{"get", "polyscale", ""}, {"get", "upstash", ""}, {"run", "--upstash", ""}, {"reset-password", ""}} {
			expectNothing(t, complete(t, e, args...))
		}
		if n := e.BrowserOpened.Load(); n != 0 {
			t.Errorf("a completion opened the browser %d times", n)
		}
	})
	t.Run("credentials refused", func(t *testing.T) {
		t.Parallel()
		e := cmdtest.New(t, cmdtest.Options{Sandbox: sandbox.Options{PolyScaleAPIKey: "ci-key"}})
		e.Setenv("POLYSCALE_API_KEY", "wrong-key")
		expectNothing(t, complete(t, e, "get", "polyscale", ""))
	})
	t.Run("unreachable", func(t *testing.T) {
		t.Parallel()
		e := cmdtest.New(t, cmdtest.Options{Sandbox: sandbox.Options{PolyScaleAPIKey: "ci-key"}})
		down := httptest.NewServer(http.NotFoundHandler())
		down.Close() // its port now refuses connections
		e.Setenv("CACHELINK_POLYSCALE_API_URL", down.URL)
		expectNothing(t, complete(t, e, "get", "polyscale", ""))
	})
	t.Run("hanging", func(t *testing.T) {
		t.Parallel()
		e := cmdtest.New(t, cmdtest.Options{Sandbox: sandbox.Options{PolyScaleAPIKey: "ci-key"}})
		release := make(chan struct{})
		hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}))
		t.Cleanup(hang.Close)
		t.Cleanup(func() { close(release) }) // runs first: the handler returns
		e.Setenv("CACHELINK_POLYSCALE_API_URL", hang.URL)
		// It returns (bounded by cmdutil.CompletionTimeout), with nothing.
		expectNothing(t, complete(t, e, "get", "polyscale", ""))
	})
	t.Run("expired stored token is not refreshed", func(t *testing.T) {
		t.Parallel()
		e := cmdtest.New(t, cmdtest.Options{})
		e.MustRun(t, "connect", "polyscale")
		e.MustRun(t, "create", "polyscale", "--name", "shop", "--type", "postgres", "--host", "127.0.0.1", "--port", "5432")
		expectValues(t, complete(t, e, "get", "polyscale", ""), "shop")

		store := e.CredentialStore(t)
		rec, _, err := store.Load("polyscale", "default")
		if err != nil {
			t.Fatal(err)
		}
		rec.Expiry = time.Now().Add(-time.Minute)
		if _, err := store.Save(rec); err != nil {
			t.Fatal(err)
		}
		refreshes := e.Sandbox.Counters.Refreshes.Load()
		expectNothing(t, complete(t, e, "get", "polyscale", ""))
		if n := e.Sandbox.Counters.Refreshes.Load(); n != refreshes {
			t.Errorf("completion refreshed the token (%d refreshes)", n-refreshes)
		}
	})
}

func TestCompleteFlagValues(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	expectValues(t, complete(t, e, "list", "polyscale", "-o", ""), "text", "json")
	expectValues(t, complete(t, e, "status", "--output", "j"), "json")
	expectValues(t, complete(t, e, "create", "upstash", "--region", "eu-"), "eu-central-1", "eu-west-1", "eu-west-2")
	expectValues(t, complete(t, e, "create", "upstash", "--kind", "search", "--region", ""), "eu-west-1", "us-central1")
	expectValues(t, complete(t, e, "create", "upstash", "--kind", "vector", "--region", ""), "eu-west-1", "us-east-1", "us-central1")
	expectValues(t, complete(t, e, "create", "upstash", "--region", "us-east-1", "--read-region", "us-"), "us-east-2", "us-west-1", "us-west-2")
	expectValues(t, complete(t, e, "create", "upstash", "--kind", ""), "redis", "vector", "search")
	expectValues(t, complete(t, e, "create", "upstash", "--plan", "fixed_1"), "fixed_1gb", "fixed_10gb", "fixed_100gb")
	expectValues(t, complete(t, e, "create", "upstash", "--kind", "search", "--plan", ""), "free", "payg", "fixed")
	expectValues(t, complete(t, e, "create", "upstash", "--similarity", ""), "cosine", "euclidean", "dot_product")
	expectValues(t, complete(t, e, "create", "polyscale", "--type", ""), "postgres", "mysql", "mariadb", "mssql")
	expectValues(t, complete(t, e, "connstr", "polyscale", "x", "--type", ""), "mysql", "mariadb")
	expectValues(t, complete(t, e, "connstr", "polyscale", "x", "--format", ""), "url", "env", "json")
	expectValues(t, complete(t, e, "connstr", "upstash", "x", "--format", ""), "redis", "rest", "env", "json", "token")
	expectValues(t, complete(t, e, "connstr", "upstash", "x", "--kind", "vector", "--format", ""), "env", "rest", "token", "json")
	expectValues(t, complete(t, e, "connstr", "upstash", "--kind", "qstash", "--format", ""), "token", "env", "json")
	expectValues(t, complete(t, e, "connstr", "upstash", "--kind", ""), "redis", "vector", "search", "qstash")
	expectValues(t, complete(t, e, "connstr", "upstash", "--kind", "qstash", "--region", ""), "eu-central-1", "us-east-1")
	expectValues(t, complete(t, e, "get", "upstash", "--kind", ""), "redis", "vector", "search")
	expectValues(t, complete(t, e, "reset-password", "--kind", ""), "redis", "qstash")
	expectValues(t, complete(t, e, "connect", ""), "polyscale", "upstash")
	expectValues(t, complete(t, e, "create", ""), "polyscale", "upstash")
	// Values made up by the user: nothing, and no file names.
	expectNothing(t, complete(t, e, "create", "upstash", "--name", ""))
	expectNothing(t, complete(t, e, "connect", "polyscale", "--timeout", ""))
	expectNothing(t, complete(t, e, "doctor", ""))
	// A file: the shell's file names.
	if c := complete(t, e, "connstr", "upstash", "x", "--write-env", ""); c.directive != ":0" {
		t.Errorf("--write-env: directive %s, want :0 (file names)", c.directive)
	}
}

func TestCompleteProfilesWithALogin(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewUpstashLogin(t, cmdtest.Options{})
	e.MustRun(t, "connect", "polyscale", "--profile", "work")
	e.MustRun(t, "connect", "upstash", "--profile", "work")
	e.MustRun(t, "connect", "polyscale", "--profile", "play")
	c := complete(t, e, "list", "upstash", "--profile", "")
	expectValues(t, c, "default", "play", "work")
	if !strings.Contains(c.stdout, "work\tpolyscale, upstash\n") {
		t.Errorf("work is not described by its providers:\n%s", c.stdout)
	}
	expectValues(t, complete(t, e, "status", "--profile", "w"), "work")

	empty := cmdtest.New(t, cmdtest.Options{})
	expectNothing(t, complete(t, empty, "status", "--profile", ""))
}

// Every flag that takes a value completes something sensible: values,
// nothing, or (marked) file names; never files by default.
func TestEveryFlagHasACompletion(t *testing.T) {
	t.Parallel()
	ios, _, _, _ := iostreams.Test()
	cmd := root.NewCmdRoot(factory.New(ios, nil, registry.Providers()))
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.LocalFlags().VisitAll(func(fl *pflag.Flag) {
			if fl.NoOptDefVal != "" || fl.Value.Type() == "bool" {
				return
			}
			_, file := fl.Annotations[cobra.BashCompFilenameExt]
			if _, ok := c.GetFlagCompletionFunc(fl.Name); !ok && !file {
				t.Errorf("%s --%s has no completion", c.CommandPath(), fl.Name)
			}
		})
		if c.ValidArgsFunction == nil && len(c.ValidArgs) == 0 && !c.HasSubCommands() {
			t.Errorf("%s completes file names for its arguments", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(cmd)
}

func TestDidYouMean(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	for _, tc := range []struct {
		args []string
		hint string
		list string // the start of the valid values, after the hint on its line; "" for a command
	}{
		{[]string{"create", "upstash", "--name", "x", "--region", "eu-wst-1"}, "Did you mean eu-west-1?", "Regions: us-east-1, us-east-2, "},
		{[]string{"create", "upstash", "--name", "x", "--region", "US-EAST-1"}, "Did you mean us-east-1?", "Regions: us-east-1, "},
		{[]string{"create", "upstash", "--name", "x", "--region", "us-east-1", "--read-region", "eu-west1"}, "Did you mean eu-west-1?", "Read regions: us-east-1, "},
		{[]string{"create", "upstash", "--kind", "search", "--name", "x", "--region", "us-central"}, "Did you mean us-central1?", "Regions: eu-west-1, us-central1"},
		{[]string{"create", "upstash", "--name", "x", "--region", "eu-west-1", "--plan", "fixed_1g"}, "Did you mean fixed_1gb?", "Plans: free, payg, "},
		{[]string{"connstr", "upstash", "--kind", "qstash", "--region", "eu-central1"}, "Did you mean eu-central-1?", "Regions: eu-central-1, us-east-1"},
		{[]string{"create", "polyscale", "--name", "x", "--type", "postgress", "--host", "h", "--port", "5432"}, "Did you mean postgres?", "Database types: postgres (or postgresql, pg), mysql, "},
		{[]string{"create", "polyscal"}, "Did you mean polyscale?", "Providers: polyscale, upstash"},
		{[]string{"connect", "upstsh"}, "Did you mean upstash?", "Providers: polyscale, upstash"},
		{[]string{"list", "polyscale", "-o", "jsn"}, "Did you mean json?", "Valid values: text, json"},
		{[]string{"rules", "sett"}, "Did you mean 'cachelink rules set'?", ""},
		{[]string{"conect"}, "Did you mean 'cachelink connect'?", ""},
		{[]string{"list", "upstash", "--kind", "vectr"}, "Did you mean vector?", "Kinds: redis, vector, search"},
		{[]string{"connstr", "upstash", "db", "--kind", "qstsh"}, "Did you mean qstash?", "Kinds: redis, vector, search, qstash"},
		{[]string{"reset-password", "db", "--kind", "qstsh"}, "Did you mean qstash?", "Kinds: redis, qstash"},
		{[]string{"create", "upstash", "--kind", "serch", "--name", "x", "--region", "eu-west-1"}, "Did you mean search?", "Kinds: redis, vector, search"},
		{[]string{"create", "upstash", "--kind", "vector", "--name", "x", "--region", "eu-west-1", "--dimensions", "3", "--similarity", "cosin"}, "Did you mean cosine?", "Valid values: cosine, euclidean, dot_product"},
		{[]string{"create", "upstash", "--kind", "vector", "--name", "x", "--region", "eu-west-1", "--dimensions", "3", "--similarity", "cosine", "--plan", "fixd"}, "Did you mean fixed?", "Plans: payg, fixed, paid"},
	} {
		r := e.Run(tc.args...)
		if r.Code != 2 {
			t.Errorf("%q: exit %d, want 2\nstderr:\n%s", tc.args, r.Code, r.Stderr)
		}
		if r.Stdout != "" {
			t.Errorf("%q: stdout %q, want nothing", tc.args, r.Stdout)
		}
		if !strings.Contains(r.Stderr, tc.hint) {
			t.Errorf("%q: stderr does not suggest %q:\n%s", tc.args, tc.hint, r.Stderr)
		}
		// One line of what happened, one of what to do: the suggestion,
		// then the valid values, never on the first line; no backticks.
		want := tc.hint
		if tc.list != "" {
			want += " " + tc.list
		}
		lines := strings.Split(strings.TrimSuffix(r.Stderr, "\n"), "\n")
		if len(lines) != 2 || !strings.HasPrefix(lines[1], want) || (tc.list == "" && lines[1] != want) ||
			strings.Contains(lines[0], "choose") || strings.Contains(lines[0], "one of") || strings.Contains(r.Stderr, "`") {
			t.Errorf("%q: stderr is not the error and its hint %q:\n%s", tc.args, want, r.Stderr)
		}
	}
	// Far from every region: no suggestion, the list alone.
	r := e.Run("create", "upstash", "--name", "x", "--region", "mars")
	if lines := strings.Split(strings.TrimSuffix(r.Stderr, "\n"), "\n"); r.Code != 2 || len(lines) != 2 ||
		lines[0] != `Error: unknown region "mars"` || !strings.HasPrefix(lines[1], "Regions: us-east-1, ") {
		t.Errorf("--region mars: exit %d, stderr:\n%s", r.Code, r.Stderr)
	}
}
