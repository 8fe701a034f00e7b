package run

// Parse tests: argv -> Options through runF, without running anything.

import (
	"context"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/cachelink/cachelink/internal/cmd/factory"
	"github.com/cachelink/cachelink/internal/envfile"
	"github.com/cachelink/cachelink/internal/iostreams"
)

func TestRunParsesIntoOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		want    Options
		wantErr string
	}{
		{
			name: "polyscale with the defaults",
			args: []string{"--polyscale", "shop", "--", "npm", "start"},
			want: Options{Cache: "shop", OriginEnv: "DATABASE_URL", EnvName: "DATABASE_URL", Command: []string{"npm", "start"}},
		},
		{
			name: "every flag",
			args: []string{"--polyscale", "shop", "--origin-env", "ORIGIN_URL", "--env-name", "CACHED_URL", "--upstash", "cache", "--", "./server", "-p", "8080"},
			want: Options{Cache: "shop", OriginEnv: "ORIGIN_URL", EnvName: "CACHED_URL", Databases: []string{"cache"}, Command: []string{"./server", "-p", "8080"}},
		},
		{
			// The command's own flags stay the command's, even without --.
			name: "flags after COMMAND are COMMAND's",
			args: []string{"--upstash", "cache", "env", "-i", "--polyscale", "x"},
			want: Options{OriginEnv: "DATABASE_URL", EnvName: "DATABASE_URL", Databases: []string{"cache"}, Command: []string{"env", "-i", "--polyscale", "x"}},
		},
		{
			name: "upstash repeated",
			args: []string{"--upstash", "a", "--upstash", "b", "--", "true"},
			want: Options{OriginEnv: "DATABASE_URL", EnvName: "DATABASE_URL", Databases: []string{"a", "b"}, Command: []string{"true"}},
		},
		{name: "no command", args: []string{"--polyscale", "shop"}, wantErr: "a command to run is needed"},
		{name: "no command after --", args: []string{"--polyscale", "shop", "--"}, wantErr: "a command to run is needed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ios, _, _, _ := iostreams.Test()
			f := factory.New(ios, nil, nil)
			var got *Options
			cmd := NewCmdRun(f, func(_ context.Context, o *Options) error {
				got = o
				return nil
			})
			cmd.SetArgs(append([]string{}, tt.args...))
			cmd.SetOut(io.Discard)
			cmd.SetErr(io.Discard)
			cmd.SilenceErrors, cmd.SilenceUsage = true, true
			err := cmd.Execute()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got == nil {
				t.Fatal("runF was not called")
			}
			if got.IO != ios || got.Config == nil || got.Getenv == nil || got.PolyScale == nil || got.Upstash == nil || got.Environ == nil {
				t.Fatalf("dependencies not set: %+v", got)
			}
			c := *got
			c.IO, c.Config, c.Getenv, c.PolyScale, c.Upstash, c.Environ, c.Exec = nil, nil, nil, nil, nil, nil, nil
			if !reflect.DeepEqual(c, tt.want) {
				t.Errorf("options = %+v\nwant      %+v", c, tt.want)
			}
		})
	}
}

func TestWithEntriesReplacesAndKeepsTheRest(t *testing.T) {
	t.Parallel()
	got := withEntries([]string{"PATH=/bin", "DATABASE_URL=postgres://origin", "DATABASE_URL_X=keep"},
		[]envfile.Entry{{Key: "DATABASE_URL", Value: "postgres://edge"}})
	want := []string{"PATH=/bin", "DATABASE_URL_X=keep", "DATABASE_URL=postgres://edge"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("env = %q, want %q", got, want)
	}
}
