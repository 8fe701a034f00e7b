package polyscale_test

// Prompts on a terminal, driven on a pseudo-terminal: `create polyscale`
// asks for the cache name and for the origin, typed hidden (it carries
// the database password); delete asks for the cache's name; Ctrl-C at a
// prompt exits 130 with nothing created; without a terminal, or with
// --no-input, nothing is asked.

import (
	"context"
	"strings"
	"testing"

	"github.com/cachelink/cachelink/internal/cmdtest"
)

func runOnTerminal(e *cmdtest.Env, term *cmdtest.Terminal, args ...string) <-chan cmdtest.Result {
	done := make(chan cmdtest.Result, 1)
	go func() {
		done <- e.RunWith(cmdtest.RunOptions{Terminal: term.TTY, Ctx: context.Background()}, args...)
	}()
	return done
}

func TestCreateAsksForTheNameAndTheOriginHidden(t *testing.T) {
	t.Parallel()
	e := ciSandbox(t)
	term := cmdtest.NewTerminal(t)
	done := runOnTerminal(e, term, "create", "polyscale")

	term.WaitFor("Name of the new PolyScale cache")
	term.Type("shop\r")
	term.WaitFor("Origin database connection string (input hidden)")
	// Something that does not parse first: the prompt says why and waits.
	term.Type("oracle://x\r")
	term.WaitFor(`"oracle" is not supported`)
	term.Type(strings.Repeat("\x7f", len("oracle://x")))
	term.Type(pgOrigin + "\r")
	r := <-done

	if r.Code != 0 {
		t.Fatalf("exit %d; terminal:\n%s", r.Code, term.Text())
	}
	cs := sandboxCaches(e)
	if len(cs) != 1 || cs[0].Name != "shop" || cs[0].Database != "postgres" || cs[0].Host != "localhost" || cs[0].Port != 5432 {
		t.Fatalf("caches = %+v, want shop for postgres localhost:5432", cs)
	}
	want := "postgres://app:" + dbPassword + "@psedge.global:5432/shop?sslmode=require&application_name=" + cs[0].ID + "\n"
	if r.Stdout != want {
		t.Errorf("stdout = %q\nwant     %q", r.Stdout, want)
	}
	// The origin typed was never drawn: neither its password nor the
	// string itself, nor the rejected one after it was typed.
	if out := term.Output(); strings.Contains(out, dbPassword) || strings.Contains(out, "localhost:5432") || strings.Contains(out, "oracle://x") {
		t.Errorf("the hidden origin was echoed:\n%s", term.Text())
	}
	// Nor was there the warning about a password in argv.
	if strings.Contains(term.Text(), "shell history") {
		t.Errorf("the typed origin was taken for --origin:\n%s", term.Text())
	}
	if !term.Cooked() {
		t.Error("the terminal was left in raw mode")
	}
}

// With the name given and --origin-env, nothing is asked.
func TestCreateAsksOnlyForWhatIsMissing(t *testing.T) {
	t.Parallel()
	e := ciSandbox(t)
	term := cmdtest.NewTerminal(t)
	done := runOnTerminal(e, term, "create", "polyscale", "--origin-env", "DATABASE_URL")
	term.WaitFor("Name of the new PolyScale cache")
	term.Type("shop\r")
	r := <-done
	if r.Code != 0 {
		t.Fatalf("exit %d; terminal:\n%s", r.Code, term.Text())
	}
	if strings.Contains(term.Text(), "Origin database connection string") {
		t.Errorf("the origin was asked for although --origin-env gave it:\n%s", term.Text())
	}
	if cs := sandboxCaches(e); len(cs) != 1 || cs[0].Name != "shop" {
		t.Fatalf("caches = %+v", cs)
	}
}

func TestCtrlCAtTheOriginPromptExits130AndCreatesNothing(t *testing.T) {
	t.Parallel()
	e := ciSandbox(t)
	term := cmdtest.NewTerminal(t)
	done := runOnTerminal(e, term, "create", "polyscale", "--name", "shop")
	term.WaitFor("Origin database connection string (input hidden)")
	term.Type("postgres://app:")
	term.Type("\x03")
	r := <-done
	if r.Code != 130 {
		t.Fatalf("exit %d, want 130; terminal:\n%s", r.Code, term.Text())
	}
	if n := createCount(e); n != 0 || len(sandboxCaches(e)) != 0 {
		t.Errorf("creates = %d, caches = %v; want none", n, sandboxCaches(e))
	}
	if r.Stdout != "" {
		t.Errorf("stdout = %q", r.Stdout)
	}
	if !term.Cooked() {
		t.Error("the terminal was left in raw mode")
	}
}

// Without a terminal (or stdin or stderr alone a terminal), and with
// --no-input on one, the errors are those of the flags, byte for byte.
func TestCreateWithoutATerminalAsksNothing(t *testing.T) {
	t.Parallel()
	e := ciSandbox(t)
	noOrigin := "Error: the origin database is needed: --origin-env NAME, --origin - or --origin URL, or --type, --host and --port (missing --type, --host, --port)\n"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"create", "polyscale"}, "Error: --name is required and must not be blank\n"},
		{[]string{"create", "polyscale", "--name", "shop"}, noOrigin},
	} {
		for _, o := range []cmdtest.RunOptions{{StdinTTY: true}, {StderrTTY: true}, {}} {
			r := e.RunWith(o, tc.args...)
			if r.Code != 2 || !strings.HasPrefix(r.Stderr, tc.want) {
				t.Errorf("%v %+v: exit %d, stderr %q; want 2 and %q", tc.args, o, r.Code, r.Stderr, tc.want)
			}
		}
		term := cmdtest.NewTerminal(t)
		r := <-runOnTerminal(e, term, append(tc.args, "--no-input")...)
		if r.Code != 2 {
			t.Errorf("%v --no-input on a terminal: exit %d; terminal:\n%s", tc.args, r.Code, term.Text())
		}
		term.WaitFor(strings.TrimPrefix(strings.TrimSuffix(tc.want, "\n"), "Error: "))
	}
	if n := createCount(e); n != 0 {
		t.Errorf("creates = %d", n)
	}
}

func TestDeleteOnATerminalAsksWithThePromptLibrary(t *testing.T) {
	t.Parallel()
	e := ciSandbox(t)
	id := newCacheViaCLI(t, e, "shop", 5432)

	term := cmdtest.NewTerminal(t)
	done := runOnTerminal(e, term, "delete", "polyscale", "shop")
	term.WaitFor("Delete the PolyScale cache shop")
	term.WaitFor("Type its name to confirm")
	term.Type("shpo\r")
	if r := <-done; r.Code != 1 {
		t.Fatalf("exit %d, want 1; terminal:\n%s", r.Code, term.Text())
	}
	term.WaitFor("the name did not match; nothing was deleted")
	if len(sandboxCaches(e)) != 1 {
		t.Fatal("the cache was deleted after a wrong name")
	}

	term = cmdtest.NewTerminal(t)
	done = runOnTerminal(e, term, "delete", "polyscale", "shop")
	term.WaitFor("Type its name to confirm")
	term.Type("shop\r")
	if r := <-done; r.Code != 0 {
		t.Fatalf("exit %d; terminal:\n%s", r.Code, term.Text())
	}
	term.WaitFor("Deleted the PolyScale cache shop (" + id + ")")
	if len(sandboxCaches(e)) != 0 {
		t.Fatal("the cache is still there")
	}
}
