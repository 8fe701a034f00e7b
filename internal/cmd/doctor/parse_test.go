package doctor_test

// Parse tests: argv -> DoctorOptions, checked through runF without running
// any check.

import (
	"context"
	"io"
	"reflect"
	"runtime"
	"strings"
	"testing"

	doctorcmd "github.com/cachelink/cachelink/internal/cmd/doctor"
	"github.com/cachelink/cachelink/internal/cmd/factory"
	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/provider"
	"github.com/cachelink/cachelink/internal/registry"
)

func TestDoctorParsesIntoOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		json    bool // the root's -o json
		wantErr string
	}{
		{name: "text", args: []string{}},
		{name: "json", args: []string{}, json: true},
		{name: "an argument", args: []string{"polyscale"}, wantErr: "takes no arguments, got 1 arguments"},
		{name: "unknown flag", args: []string{"--fix"}, wantErr: "unknown flag: --fix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ios, _, _, _ := iostreams.Test()
			f := factory.New(ios, nil, registry.Providers())
			if tt.json {
				f.Globals.Output = "json"
			}
			var got *doctorcmd.DoctorOptions
			cmd := doctorcmd.NewCmdDoctor(f, func(_ context.Context, o *doctorcmd.DoctorOptions) error {
				got = o
				return nil
			})
			cmd.SetArgs(append([]string{}, tt.args...))
			cmd.SetOut(io.Discard)
			cmd.SetErr(io.Discard)
			cmd.SilenceErrors, cmd.SilenceUsage = true, true
			err := cmd.Execute()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if got.JSON != tt.json {
				t.Errorf("JSON = %v, want %v", got.JSON, tt.json)
			}
			if got.IO != ios || got.Config == nil || got.Getenv == nil || got.Store == nil || got.HTTPClient == nil ||
				got.BrowserUsable == nil || got.Accounts != f.Accounts {
				t.Errorf("the factory's dependencies are not all in the options: %+v", got)
			}
			if names := provider.Names(got.Providers); !reflect.DeepEqual(names, []string{"polyscale", "upstash"}) {
				t.Errorf("providers = %v, want the registered ones", names)
			}
			// The seams default to the real machine.
			if got.Listen == nil || got.Stat == nil || got.ReadFile == nil || got.ReadDir == nil || got.Readlink == nil || got.GOOS != runtime.GOOS {
				t.Errorf("Listen, Stat, ReadFile, ReadDir, Readlink or GOOS is not the machine's: GOOS %q", got.GOOS)
			}
		})
	}
}
