package oauth

import (
	"net/url"
	"slices"
	"testing"
)

func TestSplitCommandLine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"firefox", []string{"firefox"}},
		{"  open   -a Safari ", []string{"open", "-a", "Safari"}},
		{`'/Applications/My Browser' --new`, []string{"/Applications/My Browser", "--new"}},
		{`"C:\Program Files\b.exe" -x`, []string{`C:\Program Files\b.exe`, "-x"}},
		{`"say \"hi\"" a\ b ''`, []string{`say "hi"`, "a b", ""}},
		{`x$HOME`, []string{`x$HOME`}},
	} {
		got, err := splitCommandLine(tc.in)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("split(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{`'open`, `"open`} {
		if _, err := splitCommandLine(bad); err == nil {
			t.Errorf("split(%q): no error", bad)
		}
	}
}

// The state is single use: once a callback ended the login, the same state
// is refused, even with a new code.
func TestStateIsSingleUse(t *testing.T) {
	t.Parallel()
	w := &waiter{state: "s3cr3t-state", path: "/callback", provider: "PolyScale", result: make(chan outcome, 1)}
	if v, _ := w.judge(url.Values{"state": {"s3cr3t-state"}, "code": {"one"}}); v != accepted {
		t.Fatalf("first callback: %v", v)
	}
	if v, _ := w.judge(url.Values{"state": {"s3cr3t-state"}, "code": {"two"}}); v != finished {
		t.Errorf("replayed state: %v, want finished", v)
	}
	if v, _ := w.judge(url.Values{"state": {"s3cr3t-state"}, "error": {"access_denied"}}); v != finished {
		t.Errorf("replayed state with an error: %v, want finished", v)
	}
	if got := <-w.result; got.code != "one" || len(w.result) != 0 {
		t.Errorf("outcome %q, %d more", got.code, len(w.result))
	}
}

// Text from the provider reaches the terminal without control characters.
func TestProviderTextIsCleaned(t *testing.T) {
	t.Parallel()
	w := &waiter{state: "st", provider: "PolyScale", result: make(chan outcome, 1)}
	w.judge(url.Values{"state": {"st"}, "error": {"access_denied"}, "error_description": {"no\x1b]0;pwned\x07 way"}})
	pe := (<-w.result).err.(*ProviderError)
	if pe.Description != "no]0;pwned way" {
		t.Errorf("description %q", pe.Description)
	}
}

// A callback naming another issuer (RFC 9207) is the mix-up attack: it is
// refused and the login goes on waiting for its own server's answer.
func TestCallbackFromAnotherIssuerIsRejected(t *testing.T) {
	t.Parallel()
	w := &waiter{state: "st-12345678", provider: "PolyScale", issuer: "https://auth.polyscale.ai", result: make(chan outcome, 1)}
	if v, _ := w.judge(url.Values{"state": {"st-12345678"}, "code": {"c"}, "iss": {"https://auth.upstash.com"}}); v != rejected {
		t.Errorf("another issuer: %v, want rejected", v)
	}
	if v, _ := w.judge(url.Values{"state": {"st-12345678"}, "code": {"c"}, "iss": {"https://auth.polyscale.ai/"}}); v != accepted {
		t.Errorf("its own issuer (trailing slash): %v, want accepted", v)
	}
}
