// Command cachelink connects PolyScale and Upstash accounts to the terminal
// and prints connection strings. Everything lives in internal/app.
package main

import (
	"os"

	"github.com/cachelink/cachelink/internal/app"
)

func main() {
	os.Exit(app.Main())
}
