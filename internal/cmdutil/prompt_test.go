package cmdutil_test

import (
	"context"
	"errors"
	"testing"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/cmd/factory"
	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/prompt"
	"github.com/cachelink/cachelink/internal/registry"
)

// fakePrompter answers Input with answer (or err) and records the
// question.
type fakePrompter struct {
	answer string
	err    error
	asked  []prompt.Question
}

func (p *fakePrompter) Input(_ context.Context, q prompt.Question) (string, error) {
	p.asked = append(p.asked, q)
	return p.answer, p.err
}

func (p *fakePrompter) Secret(ctx context.Context, q prompt.Question) (string, error) {
	return p.Input(ctx, q)
}

func (p *fakePrompter) Select(ctx context.Context, q prompt.Question, _ []prompt.Option) (string, error) {
	return p.Input(ctx, q)
}

// newFactory is a factory on test streams, stdin and stderr terminals as
// given, the environment env only, and p as its prompter.
func newFactory(t *testing.T, stdinTTY, stderrTTY bool, env map[string]string, p prompt.Prompter) *cmdutil.Factory {
	ios, _, _, _ := iostreams.Test()
	ios.SetStdinTTY(stdinTTY)
	ios.SetStderrTTY(stderrTTY)
	f := factory.New(ios, nil, registry.Providers())
	dir := t.TempDir()
	f.Getenv = func(k string) string {
		if k == "CACHELINK_CONFIG_DIR" {
			return dir
		}
		return env[k]
	}
	f.Prompter = func() prompt.Prompter { return p }
	return f
}

func TestAskOnlyWhereStdinAndStderrAreTerminalsWithoutNoInput(t *testing.T) {
	t.Parallel()
	p := &fakePrompter{}
	for _, tc := range []struct {
		name          string
		stdin, stderr bool
		env           map[string]string
		want          bool
	}{
		{"both terminals", true, true, nil, true},
		{"stdin alone", true, false, nil, false},
		{"stderr alone", false, true, nil, false},
		{"neither", false, false, nil, false},
		{"CACHELINK_NO_INPUT", true, true, map[string]string{"CACHELINK_NO_INPUT": "1"}, false},
	} {
		f := newFactory(t, tc.stdin, tc.stderr, tc.env, p)
		if got := f.Ask() != nil; got != tc.want {
			t.Errorf("%s: Ask() != nil is %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestConfirmOnATerminalAsksThroughThePrompter(t *testing.T) {
	t.Parallel()
	c := cmdutil.Confirmation{Doing: "deleting the cache shop", Prompt: "Delete the cache shop? It is lost.\nType its name to confirm: ",
		Want: "shop", YesHint: "Pass --yes.", Mismatch: "the name did not match; nothing was deleted"}

	p := &fakePrompter{answer: " shop "}
	if err := newFactory(t, true, true, nil, p).Confirm(c); err != nil {
		t.Fatalf("Confirm with the name = %v", err)
	}
	if len(p.asked) != 1 || p.asked[0].Title != "Delete the cache shop? It is lost." || p.asked[0].Description != "Type its name to confirm" {
		t.Errorf("asked %+v", p.asked)
	}

	p = &fakePrompter{answer: "shpo"}
	err := newFactory(t, true, true, nil, p).Confirm(c)
	if err == nil || err.Error() != c.Mismatch || clierr.KindOf(err) != clierr.General {
		t.Errorf("Confirm with another name = %v, want %q (exit 1)", err, c.Mismatch)
	}

	p = &fakePrompter{err: clierr.Wrap(clierr.Interrupted, prompt.ErrAborted)}
	if err := newFactory(t, true, true, nil, p).Confirm(c); !errors.Is(err, prompt.ErrAborted) || clierr.KindOf(err) != clierr.Interrupted {
		t.Errorf("Confirm after Ctrl-C = %v, want ErrAborted (exit 130)", err)
	}

	// Without a terminal, or with --no-input: refused, nothing asked.
	p = &fakePrompter{answer: "shop"}
	for _, f := range []*cmdutil.Factory{newFactory(t, false, true, nil, p), newFactory(t, true, true, map[string]string{"CACHELINK_NO_INPUT": "true"}, p)} {
		if err := f.Confirm(c); clierr.KindOf(err) != clierr.Usage {
			t.Errorf("Confirm without a terminal = %v, want a usage error", err)
		}
	}
	if len(p.asked) != 0 {
		t.Errorf("asked %+v without a terminal", p.asked)
	}
}
