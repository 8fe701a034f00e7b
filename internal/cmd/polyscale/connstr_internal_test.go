package polyscale

import (
	"context"
	"os"
	"testing"

	"github.com/cachelink/cachelink/internal/cmd/factory"
	"github.com/cachelink/cachelink/internal/iostreams"
)

// TestPolyScaleFlagsParseIntoOptions checks argv -> Options, without running.
func TestPolyScaleFlagsParseIntoOptions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir() // the config directory: empty
	getenv := func(k string) string {
		if k == "CACHELINK_CONFIG_DIR" {
			return dir
		}
		return os.Getenv(k)
	}
	tests := []struct {
		name string
		args []string
		want ConnstrOptions
	}{
		{
			name: "origin from env, defaults",
			args: []string{"c1", "--origin-env", "DATABASE_URL"},
			want: ConnstrOptions{CacheRef: "c1", Origin: OriginFlags{Env: "DATABASE_URL"}, EnvName: "DATABASE_URL"},
		},
		{
			name: "stdin, env format into a file",
			args: []string{"c1", "--origin", "-", "--format", "env", "--env-name", "CACHED", "--write-env", ".env"},
			want: ConnstrOptions{CacheRef: "c1", Origin: OriginFlags{URL: "-"}, Format: "env", EnvName: "CACHED", WriteEnv: ".env"},
		},
		{
			name: "type override",
			args: []string{"c1", "--origin-env", "X", "--type", "mariadb"},
			want: ConnstrOptions{CacheRef: "c1", Origin: OriginFlags{Env: "X"}, Type: "mariadb", EnvName: "DATABASE_URL"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ios, _, _, _ := iostreams.Test()
			f := factory.New(ios, nil, nil)
			f.Getenv = getenv
			var got *ConnstrOptions
			cmd := NewCmdConnstr(f, func(_ context.Context, o *ConnstrOptions) error {
				got = o
				return nil
			})
			cmd.SetArgs(tt.args)
			if err := cmd.Execute(); err != nil {
				t.Fatal(err)
			}
			if got.CacheRef != tt.want.CacheRef || got.Origin != tt.want.Origin || got.Type != tt.want.Type ||
				got.Format != tt.want.Format || got.EnvName != tt.want.EnvName || got.WriteEnv != tt.want.WriteEnv {
				t.Errorf("options = %+v\nwant      %+v", *got, tt.want)
			}
		})
	}
}
