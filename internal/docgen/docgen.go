// Package docgen writes cachelink's command reference, in Markdown and as
// man pages, from the command tree itself, so the reference cannot drift
// from the code: a test fails when the committed docs/ differ from what
// Generate writes. Regenerate with:
//
//	go test ./internal/docgen -update
package docgen

import (
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/cachelink/cachelink/internal/cmd/factory"
	"github.com/cachelink/cachelink/internal/cmd/root"
	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/registry"
)

// Generate writes dir/reference/*.md and dir/man/*.1.
func Generate(dir string) error {
	cmd := tree()
	md := filepath.Join(dir, "reference")
	man := filepath.Join(dir, "man")
	for _, d := range []string{md, man} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	if err := doc.GenMarkdownTree(cmd, md); err != nil {
		return err
	}
	// A fixed date keeps the pages reproducible; the version is in the binary.
	date := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return doc.GenManTree(cmd, &doc.GenManHeader{
		Title:   "CACHELINK",
		Section: "1",
		Source:  "cachelink",
		Manual:  "cachelink manual",
		Date:    &date,
	}, man)
}

func tree() *cobra.Command {
	ios, _, _, _ := iostreams.Test()
	cmd := root.NewCmdRoot(factory.New(ios, nil, registry.Providers()))
	cmd.DisableAutoGenTag = true
	cmd.InitDefaultCompletionCmd()
	cmd.InitDefaultHelpCmd()
	return cmd
}
