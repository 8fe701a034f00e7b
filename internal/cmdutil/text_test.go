package cmdutil_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/cachelink/cachelink/internal/cmdtest"
	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/sandbox"
)

func TestReadAnswerReadsOneTrimmedLine(t *testing.T) {
	t.Parallel()
	in := strings.NewReader("  shop \nnext\n")
	if got, err := cmdutil.ReadAnswer(context.Background(), in); err != nil || got != "shop" {
		t.Fatalf("ReadAnswer = %q, %v", got, err)
	}
	if got, _ := cmdutil.ReadAnswer(context.Background(), in); got != "next" {
		t.Errorf("the next line = %q: ReadAnswer consumed more than its line", got)
	}
	if got, err := cmdutil.ReadAnswer(context.Background(), in); err != nil || got != "" {
		t.Errorf("at the end: %q, %v; want an empty answer", got, err)
	}
}

func TestReadAnswerEndsWhenTheContextIsDone(t *testing.T) {
	t.Parallel()
	pr, pw := io.Pipe() // a terminal nobody types into
	defer pw.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	done := make(chan error, 1)
	go func() {
		_, err := cmdutil.ReadAnswer(ctx, pr)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("ReadAnswer = %v, want context.Canceled", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("ReadAnswer kept waiting after its context was cancelled")
	}
}

// Ctrl-C at the delete confirmation: exit 130 at once, nothing deleted.
func TestCtrlCAtTheDeleteConfirmationExits130(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{Sandbox: sandbox.Options{PolyScaleAPIKey: "ci-key"}})
	id := strings.TrimSpace(e.MustRun(t, "create", "polyscale", "--name", "shop", "--type", "postgres", "--host", "127.0.0.1", "--port", "5432").Stdout)
	deletes := e.CountRequests(t, "DELETE", "")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := time.Now()
	r := e.RunWith(cmdtest.RunOptions{StdinTTY: true, Ctx: ctx, OnStderrLine: func(line string) string {
		if strings.HasPrefix(line, "Delete the PolyScale cache shop") {
			time.AfterFunc(100*time.Millisecond, cancel) // while it waits for the name
		}
		return ""
	}}, "delete", "polyscale", id)

	if r.Code != 130 {
		t.Fatalf("exit %d, want 130; stderr:\n%s", r.Code, r.Stderr)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s after Ctrl-C", d)
	}
	if !strings.Contains(r.Stderr, "Type its name to confirm") {
		t.Errorf("the prompt was not shown:\n%s", r.Stderr)
	}
	if n := deletes(); n != 0 {
		t.Errorf("%d DELETE requests after Ctrl-C, want none", n)
	}
}
