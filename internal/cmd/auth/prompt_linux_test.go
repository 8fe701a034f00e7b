package auth_test

// connect upstash --with-key on a terminal: the account email and the
// key are asked with the prompt library, the key typed hidden; Ctrl-C at
// a prompt exits 130 with nothing stored.

import (
	"context"
	"strings"
	"testing"

	"github.com/cachelink/cachelink/internal/cmdtest"
)

func TestConnectWithKeyAsksOnATerminal(t *testing.T) {
	t.Parallel()
	e, email, key := upstashKey(t)
	term := cmdtest.NewTerminal(t)
	done := make(chan cmdtest.Result, 1)
	go func() {
		done <- e.RunWith(cmdtest.RunOptions{Terminal: term.TTY, Ctx: context.Background()}, "connect", "upstash", "--with-key")
	}()
	term.WaitFor("Upstash account email")
	term.Type(email + "\r")
	term.WaitFor("(input hidden)")
	term.Type(key + "\r")
	r := <-done
	if r.Code != 0 {
		t.Fatalf("exit %d; terminal:\n%s", r.Code, term.Text())
	}
	term.WaitFor("Connected to Upstash as " + email)
	if strings.Contains(term.Output(), key) {
		t.Errorf("the key was echoed:\n%s", term.Text())
	}
	if !term.Cooked() {
		t.Error("the terminal was left in raw mode")
	}
	cmdtest.CheckExit(t, e.Run("list", "upstash"), 0, nil)
}

func TestCtrlCAtTheKeyPromptStoresNothing(t *testing.T) {
	t.Parallel()
	e, email, _ := upstashKey(t)
	term := cmdtest.NewTerminal(t)
	done := make(chan cmdtest.Result, 1)
	go func() {
		done <- e.RunWith(cmdtest.RunOptions{Terminal: term.TTY, Ctx: context.Background()}, "connect", "upstash", "--with-key", "--email", email)
	}()
	term.WaitFor("(input hidden)")
	term.Type("\x03")
	if r := <-done; r.Code != 130 {
		t.Fatalf("exit %d, want 130; terminal:\n%s", r.Code, term.Text())
	}
	if items := e.Keyring.Items("cachelink"); len(items) != 0 {
		t.Errorf("stored %v after Ctrl-C", items)
	}
	if !term.Cooked() {
		t.Error("the terminal was left in raw mode")
	}
}
