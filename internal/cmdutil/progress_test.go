package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cachelink/cachelink/internal/iostreams"
)

// terminalStreams are test streams whose stderr is a terminal with a
// spinner drawn as soon as a wait starts (and never turning).
func terminalStreams() (*iostreams.IOStreams, fmt.Stringer) {
	ios, _, _, errOut := iostreams.Test()
	ios.SetColorEnv(func(string) string { return "" })
	ios.SetStderrTTY(true)
	never := func(time.Duration) (<-chan time.Time, func()) { return nil, func() {} }
	ios.SetProgressOptions(iostreams.ProgressOptions{Delay: 0, After: never, Tick: never, Width: func() int { return 80 }})
	return ios, errOut
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Ctrl-C while a request waits: the spinner's line is cleared before the
// request returns, so "Interrupted." starts on a clean line.
func TestProgressTransportClearsItsLineOnCtrlC(t *testing.T) {
	t.Parallel()
	ios, errOut := terminalStreams()
	ctx, cancel := context.WithCancel(context.Background())
	rt := &progressTransport{ios: ios, label: "Waiting for PolyScale…", next: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		cancel() // Ctrl-C while the provider has not answered
		<-r.Context().Done()
		return nil, r.Context().Err()
	})}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://sandbox.test/v1/caches", nil)
	if _, err := rt.RoundTrip(req); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	fmt.Fprintln(ios.ErrOut, "Interrupted.")
	want := "\r⠋ Waiting for PolyScale…\x1b[K\r\x1b[KInterrupted.\n"
	if got := errOut.String(); got != want {
		t.Fatalf("stderr = %q\nwant     %q", got, want)
	}
}

// Within a create, the create's label stays: the requests' own spinner
// does not replace it. A create that fails clears the line before its
// warnings.
func TestCreateOnceSaysWhatItCreates(t *testing.T) {
	t.Parallel()
	ios, errOut := terminalStreams()
	rt := &progressTransport{ios: ios, label: "Waiting for Upstash…", next: roundTripFunc(func(*http.Request) (*http.Response, error) {
		return nil, errors.New("connection refused")
	})}
	once := CreateOnce[struct{}]{Provider: "Upstash", Kind: "database", Name: "shop", IOStream: ios}
	_, err := once.Do(context.Background(), func(ctx context.Context) (*struct{}, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://sandbox.test/v2/redis/database", nil)
		_, err := rt.RoundTrip(req)
		return nil, err
	})
	if err == nil {
		t.Fatal("the create should fail")
	}
	got := errOut.String()
	if want := "\r⠋ Creating Upstash database shop…\x1b[K\r\x1b[K"; got != want {
		t.Fatalf("stderr = %q\nwant     %q", got, want)
	}
	if strings.Contains(got, "Waiting for Upstash") {
		t.Fatal("the request's spinner replaced the create's")
	}
}

type tellingTransport struct{ roundTripFunc }

func (tellingTransport) LoginProfile() string { return "work" }
func (tellingTransport) LoginScopes(context.Context) ([]string, bool) {
	return []string{"caches:read"}, true
}

// The spinner's wrapper still tells the profile and scopes of the
// transport beneath, which API clients use in their hints ("run
// 'cachelink connect polyscale --profile work'", "the login holds
// caches:read").
func TestProgressTransportTellsTheLoginBeneath(t *testing.T) {
	t.Parallel()
	ios, _ := terminalStreams()
	rt := &progressTransport{ios: ios, label: "Waiting for PolyScale…", next: tellingTransport{}}
	if got := rt.LoginProfile(); got != "work" {
		t.Errorf("LoginProfile() = %q, want work", got)
	}
	if got, known := rt.LoginScopes(context.Background()); !known || len(got) != 1 || got[0] != "caches:read" {
		t.Errorf("LoginScopes() = %v, %v; want [caches:read], true", got, known)
	}
	bare := &progressTransport{ios: ios, next: roundTripFunc(nil)}
	if got, known := bare.LoginScopes(context.Background()); bare.LoginProfile() != "" || known || got != nil {
		t.Errorf("a bare transport tells nothing; got %q, %v, %v", bare.LoginProfile(), got, known)
	}
}
