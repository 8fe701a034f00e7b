// Package notyet registers the commands of the contract whose provider work
// has not landed yet, so that the command tree, its help and the generated
// reference are complete today. Each one parses its arguments like the real
// command will and then exits 1 saying it is not available yet. A command
// leaves this package when its real implementation lands.
package notyet

import (
	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/cmdutil"
)

func unavailable(cmd *cobra.Command, _ []string) error {
	return clierr.NotAvailable("'" + cmd.CommandPath() + "'")
}

// CreateUpstash returns `create upstash` with the contract's flags.
func CreateUpstash(f *cmdutil.Factory) *cobra.Command {
	up := &cobra.Command{Use: "upstash", Short: "Create an Upstash Redis database", Args: cmdutil.ExactArgs(0, "no arguments"), RunE: unavailable}
	fu := up.Flags()
	fu.String("name", "", "Database name")
	fu.String("region", "", "Primary region, such as eu-west-1")
	fu.StringArray("read-region", nil, "Read region (repeatable; AWS regions, never the primary)")
	fu.Bool("eviction", false, "Evict keys when the database is full")
	fu.Int("budget", 0, "Monthly budget in US dollars")
	fu.Bool("if-not-exists", false, "Return the existing database of that name")
	return up
}

// ListUpstash returns `list upstash`.
func ListUpstash(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{Use: "upstash", Short: "List Upstash Redis databases", Args: cmdutil.ExactArgs(0, "no arguments"), RunE: unavailable}
}

// GetUpstash returns `get upstash <id|name>`.
func GetUpstash(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{Use: "upstash <id|name>", Short: "Show an Upstash Redis database", Args: cmdutil.ExactArgs(1, "a database id or name"), RunE: unavailable}
}

// DeleteUpstash returns `delete upstash <id|name>`.
func DeleteUpstash(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{Use: "upstash <id|name>", Short: "Delete an Upstash Redis database", Args: cmdutil.ExactArgs(1, "a database id or name"), RunE: unavailable}
	cmd.Flags().Bool("yes", false, "Do not ask for confirmation")
	return cmd
}
