package sandboxcmd

import (
	"context"
	"os"
	"testing"
)

// TestMain lets the test binary stand in for cachelink-sandbox when the
// demo runs it as BROWSER ("<self> demo browse URL"): os.Executable() is
// the test binary here.
func TestMain(m *testing.M) {
	if len(os.Args) >= 3 && os.Args[1] == "demo" && os.Args[2] == "browse" {
		os.Exit(Run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}
