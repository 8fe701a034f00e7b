// Command gendocs writes what a release archive carries besides the
// binary: the shell completion scripts, exactly what `cachelink completion
// bash|zsh|fish` prints, and the man pages (internal/docgen). goreleaser
// runs it in a before hook (.goreleaser.yaml):
//
//	go run ./scripts/gendocs -completions completions -man manpages
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cachelink/cachelink/internal/app"
	"github.com/cachelink/cachelink/internal/docgen"
	"github.com/cachelink/cachelink/internal/iostreams"
)

// scripts are the completion files, named where each shell looks for them
// when installed by a package (bash-completion, zsh's fpath, fish's
// vendor_completions.d).
var scripts = map[string]string{
	"bash": "cachelink.bash",
	"zsh":  "_cachelink",
	"fish": "cachelink.fish",
}

func main() {
	completions := flag.String("completions", "completions", "directory for the completion scripts")
	man := flag.String("man", "manpages", "directory for the man pages")
	flag.Parse()
	if err := run(*completions, *man); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}

func run(completions, man string) error {
	for _, dir := range []string{completions, man} {
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	for shell, name := range scripts {
		ios, _, out, errOut := iostreams.Test()
		if code := app.Run(context.Background(), ios, []string{"completion", shell}); code != 0 {
			return fmt.Errorf("cachelink completion %s: exit %d: %s", shell, code, errOut)
		}
		if !bytes.Contains(out.Bytes(), []byte("cachelink")) {
			return fmt.Errorf("cachelink completion %s printed no script", shell)
		}
		if err := os.WriteFile(filepath.Join(completions, name), out.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return docgen.GenerateMan(man)
}
