package connstr

import (
	"context"
	"testing"

	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/iostreams"
)

// TestPolyScaleFlagsParseIntoOptions checks argv -> Options, without running.
func TestPolyScaleFlagsParseIntoOptions(t *testing.T) {
	t.Setenv("CACHELINK_CONFIG_DIR", t.TempDir())
	tests := []struct {
		name string
		args []string
		want PolyScaleOptions
	}{
		{
			name: "origin from env, defaults",
			args: []string{"c1", "--origin-env", "DATABASE_URL"},
			want: PolyScaleOptions{CacheRef: "c1", Origin: cmdutil.OriginFlags{Env: "DATABASE_URL"}, EnvName: "DATABASE_URL"},
		},
		{
			name: "stdin, env format into a file",
			args: []string{"c1", "--origin", "-", "--format", "env", "--env-name", "CACHED", "--write-env", ".env"},
			want: PolyScaleOptions{CacheRef: "c1", Origin: cmdutil.OriginFlags{URL: "-"}, Format: "env", EnvName: "CACHED", WriteEnv: ".env"},
		},
		{
			name: "type override",
			args: []string{"c1", "--origin-env", "X", "--type", "mariadb"},
			want: PolyScaleOptions{CacheRef: "c1", Origin: cmdutil.OriginFlags{Env: "X"}, Type: "mariadb", EnvName: "DATABASE_URL"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			f := cmdutil.New(ios, nil)
			var got *PolyScaleOptions
			cmd := NewCmdPolyScale(f, func(_ context.Context, o *PolyScaleOptions) error {
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

func TestResolveFormat(t *testing.T) {
	tests := []struct {
		format, writeEnv string
		json             bool
		want             string
		wantErr          bool
	}{
		{want: "url"},
		{format: "env", want: "env"},
		{json: true, want: "json"},
		{format: "json", json: true, want: "json"},
		{format: "url", json: true, wantErr: true},
		{writeEnv: ".env", want: "env"},
		{writeEnv: ".env", format: "env", want: "env"},
		{writeEnv: ".env", json: true, wantErr: true},
		{format: "xml", wantErr: true},
	}
	for _, tt := range tests {
		got, err := resolveFormat(&PolyScaleOptions{Format: tt.format, JSON: tt.json, WriteEnv: tt.writeEnv})
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("resolveFormat(format=%q json=%v write-env=%q) = %q, %v; want %q, error %v",
				tt.format, tt.json, tt.writeEnv, got, err, tt.want, tt.wantErr)
		}
	}
}
