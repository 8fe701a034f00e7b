package version_test

// Golden output of `cachelink version`, text and -o json, with a fixed
// build. Regenerate with
//
//	go test ./internal/cmd/version/ -run TestGolden -update

import (
	"context"
	"testing"

	"github.com/cachelink/cachelink/internal/app"
	"github.com/cachelink/cachelink/internal/build"
	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/golden"
	"github.com/cachelink/cachelink/internal/iostreams"
)

func TestGolden(t *testing.T) {
	t.Parallel()
	info := build.Info{Version: "1.2.3", Commit: "0123456789abcdef0123456789abcdef01234567", Date: "2025-06-01T12:00:00Z",
		GoVersion: "go1.24.0", Platform: "linux/amd64"}
	for name, args := range map[string][]string{
		"version":      {"version"},
		"version-json": {"version", "-o", "json"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ios, _, out, errOut := iostreams.Test()
			code := app.RunWith(context.Background(), ios, args, func(f *cmdutil.Factory) { f.Build = info })
			if code != 0 || errOut.Len() != 0 {
				t.Fatalf("exit %d, stderr %q", code, errOut.String())
			}
			golden.Assert(t, "app/"+name+".stdout", out.Bytes())
		})
	}
}
