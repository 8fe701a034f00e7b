package version_test

// Parse test: argv -> VersionOptions, checked through runF without
// printing anything.

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/cachelink/cachelink/internal/cmd/factory"
	"github.com/cachelink/cachelink/internal/cmd/version"
	"github.com/cachelink/cachelink/internal/iostreams"
)

func TestVersionParsesIntoOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		json    bool // the root's -o json
		wantErr string
	}{
		{name: "text", args: []string{}},
		{name: "json", args: []string{}, json: true},
		{name: "an argument", args: []string{"short"}, wantErr: "takes no arguments, got 1 arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ios, _, _, _ := iostreams.Test()
			f := factory.New(ios, nil, nil)
			if tt.json {
				f.Globals.Output = "json"
			}
			var got *version.VersionOptions
			cmd := version.NewCmdVersion(f, func(_ context.Context, o *version.VersionOptions) error {
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
			if got.JSON != tt.json || got.IO != ios || got.Info != f.Build {
				t.Errorf("options = %+v, want JSON %v, the factory's streams and build info", got, tt.json)
			}
		})
	}
}
