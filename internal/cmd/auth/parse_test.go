package auth_test

// Parse tests: argv -> Options, checked through runF without running
// anything (no config file, keychain or network is touched).

import (
	"context"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/cmd/auth"
	"github.com/cachelink/cachelink/internal/cmd/factory"
	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/provider"
	"github.com/cachelink/cachelink/internal/registry"
)

// parseArgs builds the command with a runF that captures its Options, and
// executes argv; json stands for the root's -o json.
func parseArgs[O any](t *testing.T, newCmd func(*cmdutil.Factory, func(context.Context, *O) error) *cobra.Command, args []string, json bool) (*O, *cmdutil.Factory, error) {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	f := factory.New(ios, nil, registry.Providers())
	if json {
		f.Globals.Output = "json"
	}
	var got *O
	cmd := newCmd(f, func(_ context.Context, o *O) error {
		got = o
		return nil
	})
	cmd.SetArgs(append([]string{}, args...)) // never nil: cobra would read os.Args
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.Execute()
	if err == nil && got == nil {
		t.Fatal("runF was not called")
	}
	return got, f, err
}

// checkErr reports whether the case expected an error, failing when the
// outcome differs.
func checkErr(t *testing.T, err error, wantErr string) bool {
	t.Helper()
	switch {
	case wantErr == "" && err != nil:
		t.Fatalf("unexpected error: %v", err)
	case wantErr != "" && err == nil:
		t.Fatalf("no error, want one containing %q", wantErr)
	case wantErr != "" && !strings.Contains(err.Error(), wantErr):
		t.Fatalf("error %q, want one containing %q", err, wantErr)
	}
	return wantErr != ""
}

func providerName(p provider.Provider) string {
	if p == nil {
		return ""
	}
	return p.Name()
}

func TestConnectParsesIntoOptions(t *testing.T) {
	t.Parallel()
	type parsed struct {
		Provider  string
		NoBrowser bool
		Port      int
		Timeout   time.Duration
		Login     provider.LoginOptions
		JSON      bool
	}
	tests := []struct {
		name    string
		args    []string
		json    bool
		want    parsed
		wantErr string
	}{
		{
			name: "defaults",
			args: []string{"polyscale"},
			want: parsed{Provider: "polyscale", Timeout: 5 * time.Minute},
		},
		{
			name: "every flag",
			args: []string{"upstash", "--no-browser", "--port", "8085", "--timeout", "30s", "--email", "dev@example.com"},
			want: parsed{Provider: "upstash", NoBrowser: true, Port: 8085, Timeout: 30 * time.Second, Login: provider.LoginOptions{Email: "dev@example.com"}},
		},
		{
			name: "scopes",
			args: []string{"polyscale", "--scopes", "caches:read,caches:write", "--scopes", "rules:read"},
			want: parsed{Provider: "polyscale", Timeout: 5 * time.Minute, Login: provider.LoginOptions{Scopes: []string{"caches:read", "caches:write", "rules:read"}}},
		},
		{
			name: "json",
			args: []string{"polyscale"},
			json: true,
			want: parsed{Provider: "polyscale", Timeout: 5 * time.Minute, JSON: true},
		},
		{name: "no provider", args: []string{}, wantErr: "needs a provider: polyscale or upstash"},
		{name: "unknown provider", args: []string{"redis"}, wantErr: `unknown provider "redis"`},
		{name: "two providers", args: []string{"polyscale", "upstash"}, wantErr: "takes one provider, got 2 arguments"},
		{name: "bad timeout", args: []string{"polyscale", "--timeout", "soon"}, wantErr: "invalid argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, f, err := parseArgs(t, auth.NewCmdConnect, tt.args, tt.json)
			if checkErr(t, err, tt.wantErr) {
				return
			}
			p := parsed{Provider: providerName(got.Provider), NoBrowser: got.NoBrowser, Port: got.Port, Timeout: got.Timeout, Login: got.Login, JSON: got.JSON}
			if !reflect.DeepEqual(p, tt.want) {
				t.Errorf("options = %+v\nwant      %+v", p, tt.want)
			}
			if got.IO != f.IOStreams || got.Config == nil || got.Getenv == nil || got.HTTPClient == nil || got.Store == nil ||
				got.Accounts != f.Accounts || got.BrowserUsable == nil {
				t.Errorf("the factory's dependencies are not all in the options: %+v", got)
			}
		})
	}
}

func TestDisconnectParsesIntoOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		want    string // the provider
		wantErr string
	}{
		{name: "polyscale", args: []string{"polyscale"}, want: "polyscale"},
		{name: "upstash", args: []string{"upstash"}, want: "upstash"},
		{name: "no provider", args: []string{}, wantErr: "needs a provider"},
		{name: "unknown provider", args: []string{"redis"}, wantErr: `unknown provider "redis"`},
		{name: "unknown flag", args: []string{"polyscale", "--yes"}, wantErr: "unknown flag: --yes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, f, err := parseArgs(t, auth.NewCmdDisconnect, tt.args, false)
			if checkErr(t, err, tt.wantErr) {
				return
			}
			if name := providerName(got.Provider); name != tt.want {
				t.Errorf("provider = %q, want %q", name, tt.want)
			}
			if got.IO != f.IOStreams || got.Session == nil || got.Accounts != f.Accounts {
				t.Errorf("the factory's dependencies are not all in the options: %+v", got)
			}
		})
	}
}

func TestStatusParsesIntoOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		json     bool
		provider string // "" for every provider
		wantErr  string
	}{
		{name: "every provider", args: []string{}},
		{name: "one provider", args: []string{"upstash"}, provider: "upstash"},
		{name: "json", args: []string{"polyscale"}, json: true, provider: "polyscale"},
		{name: "unknown provider", args: []string{"redis"}, wantErr: `unknown provider "redis"`},
		{name: "two providers", args: []string{"polyscale", "upstash"}, wantErr: "takes one provider, got 2 arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, f, err := parseArgs(t, auth.NewCmdStatus, tt.args, tt.json)
			if checkErr(t, err, tt.wantErr) {
				return
			}
			if name := providerName(got.Provider); name != tt.provider {
				t.Errorf("provider = %q, want %q", name, tt.provider)
			}
			if got.JSON != tt.json {
				t.Errorf("JSON = %v, want %v", got.JSON, tt.json)
			}
			if names := provider.Names(got.Providers); !reflect.DeepEqual(names, []string{"polyscale", "upstash"}) {
				t.Errorf("providers = %v, want the registered ones", names)
			}
			if got.IO != f.IOStreams || got.Profile == nil || got.Accounts != f.Accounts {
				t.Errorf("the factory's dependencies are not all in the options: %+v", got)
			}
		})
	}
}

func TestTokenParsesIntoOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		json     bool
		provider string
		wantErr  string
	}{
		{name: "polyscale", args: []string{"polyscale"}, provider: "polyscale"},
		{name: "upstash json", args: []string{"upstash"}, json: true, provider: "upstash"},
		{name: "no provider", args: []string{}, wantErr: "needs a provider"},
		{name: "unknown provider", args: []string{"redis"}, wantErr: `unknown provider "redis"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, f, err := parseArgs(t, auth.NewCmdToken, tt.args, tt.json)
			if checkErr(t, err, tt.wantErr) {
				return
			}
			if name := providerName(got.Provider); name != tt.provider {
				t.Errorf("provider = %q, want %q", name, tt.provider)
			}
			if got.JSON != tt.json {
				t.Errorf("JSON = %v, want %v", got.JSON, tt.json)
			}
			if got.IO != f.IOStreams || got.Profile == nil || got.Accounts != f.Accounts {
				t.Errorf("the factory's dependencies are not all in the options: %+v", got)
			}
		})
	}
}
