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
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
	"github.com/spf13/pflag"

	"github.com/cachelink/cachelink/internal/cmd/factory"
	"github.com/cachelink/cachelink/internal/cmd/root"
	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/registry"
)

// Generate writes dir/reference/*.md and dir/man/*.1.
func Generate(dir string) error {
	md := filepath.Join(dir, "reference")
	if err := os.MkdirAll(md, 0o755); err != nil {
		return err
	}
	if err := doc.GenMarkdownTree(tree(), md); err != nil {
		return err
	}
	return GenerateMan(filepath.Join(dir, "man"))
}

// GenerateMan writes the man pages, one per command, to dir: what the
// release archives carry (see .goreleaser.yaml).
func GenerateMan(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// cobra writes a page as Markdown and turns it into roff, so the text
	// of a fresh tree is escaped first: <provider> in a synopsis would be
	// taken for an HTML tag and dropped, [::1] for a link, _ for emphasis.
	cmd := tree()
	escapeTree(cmd)
	// A fixed date keeps the pages reproducible; the version is in the binary.
	date := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return doc.GenManTree(cmd, &doc.GenManHeader{
		Title:   "CACHELINK",
		Section: "1",
		Source:  "cachelink",
		Manual:  "cachelink manual",
		Date:    &date,
	}, dir)
}

// markdownSpecial are the characters Markdown gives a meaning inline; a
// backslash makes each one itself.
var markdownSpecial = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`, `<`, `\<`, `>`, `\>`, `[`, `\[`, `]`, `\]`,
)

// escapeTree escapes the Markdown in what the man pages print of every
// command under cmd: the use line, the descriptions and the flags' usage.
// The examples are printed as code, as they are.
func escapeTree(cmd *cobra.Command) {
	cmd.Use = markdownSpecial.Replace(cmd.Use)
	cmd.Short = markdownSpecial.Replace(cmd.Short)
	cmd.Long = escapeText(cmd.Long)
	for _, fs := range []*pflag.FlagSet{cmd.Flags(), cmd.PersistentFlags()} {
		fs.VisitAll(func(fl *pflag.Flag) {
			// The help drops the backquotes around a value's name (`KEY`).
			_, usage := pflag.UnquoteUsage(fl)
			fl.Usage = markdownSpecial.Replace(usage)
		})
	}
	for _, c := range cmd.Commands() {
		escapeTree(c)
	}
}

func tree() *cobra.Command {
	ios, _, _, _ := iostreams.Test()
	cmd := root.NewCmdRoot(factory.New(ios, nil, registry.Providers()))
	cmd.DisableAutoGenTag = true
	cmd.InitDefaultCompletionCmd()
	cmd.InitDefaultHelpCmd()
	return cmd
}

// escapeText escapes the Markdown of a description, except in its code
// blocks (lines indented by a tab or four spaces after a blank line, as
// cobra's completion commands have), which Markdown prints as they are.
func escapeText(s string) string {
	lines := strings.Split(s, "\n")
	code := false
	for i, l := range lines {
		indented := strings.HasPrefix(l, "\t") || strings.HasPrefix(l, "    ")
		switch {
		case strings.TrimSpace(l) == "":
			code = false
			continue
		case indented && (code || i == 0 || strings.TrimSpace(lines[i-1]) == ""):
			code = true
			continue
		}
		code = false
		lines[i] = markdownSpecial.Replace(l)
	}
	return strings.Join(lines, "\n")
}
