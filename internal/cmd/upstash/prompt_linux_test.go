package upstash_test

// Prompts on a terminal, driven on a pseudo-terminal as a person types:
// `create upstash` asks for the name and the region (nearest first), a
// Vector index also for its similarity and dimensions, reset-password for
// the database's name; Ctrl-C at a prompt exits 130 with nothing done and
// the terminal restored; without a terminal nothing is asked.

import (
	"context"
	"strings"
	"testing"

	"github.com/cachelink/cachelink/internal/cmdtest"
)

// runOnTerminal runs cachelink with stdin and stderr on term, in the
// background: the test types while it runs.
func runOnTerminal(e *cmdtest.Env, term *cmdtest.Terminal, ctx context.Context, args ...string) <-chan cmdtest.Result {
	done := make(chan cmdtest.Result, 1)
	go func() { done <- e.RunWith(cmdtest.RunOptions{Terminal: term.TTY, Ctx: ctx}, args...) }()
	return done
}

const down = "\x1b[B"

func TestCreateAsksForTheNameAndTheNearestRegion(t *testing.T) {
	t.Parallel()
	e := ciMode(t)
	e.Setenv("TZ", "Europe/Berlin")
	term := cmdtest.NewTerminal(t)
	done := runOnTerminal(e, term, context.Background(), "create", "upstash")

	term.WaitFor("Name of the new Upstash Redis database")
	term.Type("cache")
	term.WaitFor("cache")
	term.Type("\r")
	term.WaitFor("Region (--region)")
	term.WaitFor("Nearest first, as your time zone (Europe/Berlin) suggests.")
	// Berlin: Frankfurt first, then Belgium; one down arrow picks Belgium.
	term.WaitFor("eu-central-1 (Frankfurt)")
	term.WaitFor("europe-west1 (Belgium, GCP)")
	term.Type(down)
	term.Type("\r")
	r := <-done

	if r.Code != 0 {
		t.Fatalf("exit %d; terminal:\n%s", r.Code, term.Text())
	}
	dbs := e.Sandbox.Store.State().Databases
	if len(dbs) != 1 || dbs[0].DatabaseName != "cache" || dbs[0].PrimaryRegion != "europe-west1" {
		t.Fatalf("databases = %+v, want one named cache in europe-west1", dbs)
	}
	if !strings.HasPrefix(r.Stdout, "rediss://") || strings.Count(r.Stdout, "\n") != 1 {
		t.Errorf("stdout = %q, want the URL alone", r.Stdout)
	}
	if strings.Contains(r.Stdout, "Region") {
		t.Error("the prompt reached stdout")
	}
	if !term.Cooked() {
		t.Error("the terminal was left in raw mode")
	}
}

// Where the time zone tells nothing (UTC, as on servers), the regions
// come in Upstash's published order, and the prompt says so.
func TestRegionPickerKeepsThePublishedOrderInUTC(t *testing.T) {
	t.Parallel()
	e := ciMode(t)
	e.Setenv("TZ", "UTC")
	term := cmdtest.NewTerminal(t)
	done := runOnTerminal(e, term, context.Background(), "create", "upstash", "--name", "cache")

	term.WaitFor("Your time zone does not tell where you are: Upstash's order.")
	term.WaitFor("us-east-1 (N. Virginia)")
	term.Type("\r")
	if r := <-done; r.Code != 0 {
		t.Fatalf("exit %d; terminal:\n%s", r.Code, term.Text())
	}
	if dbs := e.Sandbox.Store.State().Databases; len(dbs) != 1 || dbs[0].PrimaryRegion != "us-east-1" {
		t.Fatalf("databases = %+v, want one in us-east-1, the first published", dbs)
	}
}

func TestCreateVectorAsksForWhatItNeeds(t *testing.T) {
	t.Parallel()
	e := ciMode(t)
	e.Setenv("TZ", "America/Los_Angeles")
	term := cmdtest.NewTerminal(t)
	done := runOnTerminal(e, term, context.Background(), "create", "upstash", "--kind", "vector", "--name", "vec")

	// Los Angeles: us-central1 (Iowa) is nearer than us-east-1.
	term.WaitFor("Region (--region)")
	term.WaitFor("us-central1 (Iowa, GCP)")
	term.Type("\r")
	term.WaitFor("Similarity function (--similarity)")
	term.WaitFor("dot_product")
	term.Type(down + down)
	term.Type("\r")
	term.WaitFor("Dimensions of a vector (--dimensions)")
	term.Type("x\r")
	term.WaitFor("type a positive whole number")
	term.Type("\x7f1536\r") // backspace, then a number
	r := <-done

	if r.Code != 0 {
		t.Fatalf("exit %d; terminal:\n%s", r.Code, term.Text())
	}
	ix := indexes(e, "vector")
	if len(ix) != 1 || ix[0].Name != "vec" || ix[0].SimilarityFunction != "DOT_PRODUCT" || ix[0].DimensionCount != 1536 {
		t.Fatalf("indexes = %+v", ix)
	}
	if !strings.Contains(r.Stdout, "UPSTASH_VECTOR_REST_URL=") {
		t.Errorf("stdout = %q", r.Stdout)
	}
}

// Ctrl-C at a prompt: exit 130, nothing created, the terminal back in
// its normal mode.
func TestCtrlCAtACreatePromptExits130(t *testing.T) {
	t.Parallel()
	e := ciMode(t)
	e.Setenv("TZ", "UTC")
	term := cmdtest.NewTerminal(t)
	done := runOnTerminal(e, term, context.Background(), "create", "upstash")

	term.WaitFor("Name of the new Upstash Redis database")
	term.Type("cache\r")
	term.WaitFor("Region (--region)")
	term.Type("\x03")
	r := <-done

	if r.Code != 130 {
		t.Fatalf("exit %d, want 130; terminal:\n%s", r.Code, term.Text())
	}
	term.WaitFor("Interrupted.")
	if dbs := e.Sandbox.Store.State().Databases; len(dbs) != 0 {
		t.Errorf("databases = %+v, want none", dbs)
	}
	if r.Stdout != "" {
		t.Errorf("stdout = %q, want nothing", r.Stdout)
	}
	if !term.Cooked() {
		t.Error("the terminal was left in raw mode")
	}
}

// SIGTERM (the run's context ends) while a prompt waits: exit 130,
// nothing created, the terminal restored.
func TestTheEndOfTheRunEndsAPrompt(t *testing.T) {
	t.Parallel()
	e := ciMode(t)
	term := cmdtest.NewTerminal(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := runOnTerminal(e, term, ctx, "create", "upstash")

	term.WaitFor("Name of the new Upstash Redis database")
	cancel()
	r := <-done

	if r.Code != 130 {
		t.Fatalf("exit %d, want 130; terminal:\n%s", r.Code, term.Text())
	}
	if dbs := e.Sandbox.Store.State().Databases; len(dbs) != 0 {
		t.Errorf("databases = %+v, want none", dbs)
	}
	if !term.Cooked() {
		t.Error("the terminal was left in raw mode")
	}
}

// --no-input (or CACHELINK_NO_INPUT) on a terminal: nothing is asked,
// the flags' errors stand.
func TestNoInputOnATerminalAsksNothing(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		env  string
		args []string
	}{
		{"flag", "", []string{"create", "upstash", "--no-input"}},
		{"environment", "1", []string{"create", "upstash"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := ciMode(t)
			if tc.env != "" {
				e.Setenv("CACHELINK_NO_INPUT", tc.env)
			}
			term := cmdtest.NewTerminal(t)
			r := <-runOnTerminal(e, term, context.Background(), tc.args...)
			if r.Code != 2 {
				t.Fatalf("exit %d, want 2; terminal:\n%s", r.Code, term.Text())
			}
			term.WaitFor("--name is required")
			if strings.Contains(term.Text(), "Name of the new") {
				t.Errorf("a prompt was shown:\n%s", term.Text())
			}
		})
	}
}

// Without a terminal: exactly the flags' errors, nothing asked.
func TestCreateWithoutATerminalAsksNothing(t *testing.T) {
	t.Parallel()
	e := ciMode(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"create", "upstash"}, "Error: --name is required and must not be blank\n"},
		{[]string{"create", "upstash", "--name", "cache"}, "Error: --region is required\nRegions: us-east-1, "},
		{[]string{"create", "upstash", "--kind", "vector", "--name", "v", "--region", "eu-west-1"}, "Error: --similarity is required for --kind vector\nValid values: cosine, euclidean, dot_product\n"},
	} {
		// stdin a terminal, stderr not; and stderr a terminal, stdin not.
		for _, o := range []cmdtest.RunOptions{{StdinTTY: true}, {StderrTTY: true}, {}} {
			r := e.RunWith(o, tc.args...)
			if r.Code != 2 || !strings.HasPrefix(r.Stderr, tc.want) {
				t.Errorf("%v %+v: exit %d, stderr %q; want 2 and %q", tc.args, o, r.Code, r.Stderr, tc.want)
			}
		}
	}
}

func TestResetPasswordOnATerminalAsksForTheName(t *testing.T) {
	t.Parallel()
	e := ciMode(t)
	mustSucceed(t, e, "create", "upstash", "--name", "cache", "--region", "eu-west-1")
	before := e.Sandbox.Store.State().Databases[0].Password

	t.Run("another name: nothing changes", func(t *testing.T) {
		term := cmdtest.NewTerminal(t)
		done := runOnTerminal(e, term, context.Background(), "reset-password", "cache")
		term.WaitFor("Reset the password of the Upstash database cache")
		term.WaitFor("Type its name to confirm")
		term.Type("cahce\r")
		r := <-done
		if r.Code != 1 {
			t.Fatalf("exit %d, want 1; terminal:\n%s", r.Code, term.Text())
		}
		term.WaitFor("the name did not match; the password was not reset")
		if got := e.Sandbox.Store.State().Databases[0].Password; got != before {
			t.Error("the password changed")
		}
		if r.Stdout != "" {
			t.Errorf("stdout = %q", r.Stdout)
		}
	})
	t.Run("Ctrl-C: nothing changes", func(t *testing.T) {
		term := cmdtest.NewTerminal(t)
		done := runOnTerminal(e, term, context.Background(), "reset-password", "cache")
		term.WaitFor("Type its name to confirm")
		term.Type("\x03")
		if r := <-done; r.Code != 130 {
			t.Fatalf("exit %d, want 130; terminal:\n%s", r.Code, term.Text())
		}
		if got := e.Sandbox.Store.State().Databases[0].Password; got != before {
			t.Error("the password changed")
		}
		if !term.Cooked() {
			t.Error("the terminal was left in raw mode")
		}
	})
	t.Run("its name: reset", func(t *testing.T) {
		term := cmdtest.NewTerminal(t)
		done := runOnTerminal(e, term, context.Background(), "reset-password", "cache")
		term.WaitFor("Type its name to confirm")
		term.Type("cache\r")
		r := <-done
		if r.Code != 0 {
			t.Fatalf("exit %d; terminal:\n%s", r.Code, term.Text())
		}
		after := e.Sandbox.Store.State().Databases[0].Password
		if after == before || !strings.Contains(r.Stdout, after) {
			t.Errorf("password not reset, or stdout %q lacks the new one", r.Stdout)
		}
	})
	t.Run("without a terminal: --yes is needed", func(t *testing.T) {
		r := e.Run("reset-password", "cache")
		if r.Code != 2 || !strings.Contains(r.Stderr, "Pass --yes to reset it without a prompt.") {
			t.Errorf("exit %d, stderr %q", r.Code, r.Stderr)
		}
	})
}
