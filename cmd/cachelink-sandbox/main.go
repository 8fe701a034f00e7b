// Command cachelink-sandbox runs PolyScale and Upstash emulators on
// loopback, for trying cachelink without an account and for its tests.
// Everything lives in internal/sandboxcmd.
package main

import (
	"os"

	"github.com/cachelink/cachelink/internal/sandboxcmd"
)

func main() {
	os.Exit(sandboxcmd.Main())
}
