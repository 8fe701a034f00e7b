// Package version implements `cachelink version`.
package version

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/build"
	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/output"
)

// VersionOptions is what `version` needs.
type VersionOptions struct {
	IO   *iostreams.IOStreams
	Info build.Info
	JSON bool
}

// NewCmdVersion returns the command. runF replaces the run function in tests.
func NewCmdVersion(f *cmdutil.Factory, runF func(context.Context, *VersionOptions) error) *cobra.Command {
	opts := &VersionOptions{IO: f.IOStreams, Info: f.Build}
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build date",
		Args:  cmdutil.ExactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.JSON = f.Globals.JSON()
			return cmdutil.Run(cmd, opts, runF, versionRun)
		},
	}
}

func versionRun(_ context.Context, opts *VersionOptions) error {
	if opts.JSON {
		return output.JSON(opts.IO, opts.Info)
	}
	i := opts.Info
	line := "cachelink version " + i.Version
	switch {
	case i.Commit != "" && i.Date != "":
		line += fmt.Sprintf(" (%s, %s)", short(i.Commit), i.Date)
	case i.Commit != "":
		line += fmt.Sprintf(" (%s)", short(i.Commit))
	}
	_, err := fmt.Fprintf(opts.IO.Out, "%s\n%s %s\n", line, i.GoVersion, i.Platform)
	return err
}

func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}
