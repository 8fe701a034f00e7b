// Package root assembles cachelink's command tree from a factory. It owns
// the global flags and the rules every command shares: usage errors exit 2,
// and errors are printed once, by internal/app.
package root

import (
	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/cmd/auth"
	"github.com/cachelink/cachelink/internal/cmd/connstr"
	"github.com/cachelink/cachelink/internal/cmd/doctor"
	polyscalecmd "github.com/cachelink/cachelink/internal/cmd/polyscale"
	upstashcmd "github.com/cachelink/cachelink/internal/cmd/upstash"
	"github.com/cachelink/cachelink/internal/cmd/version"
	"github.com/cachelink/cachelink/internal/cmdutil"
)

// validProfile accepts names that are safe in a keychain item and a file
// name: a letter or digit, then letters, digits, '.', '_' or '-', up to 64.
func validProfile(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for i, r := range name {
		alnum := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
		if !alnum && (i == 0 || r != '.' && r != '_' && r != '-') {
			return false
		}
	}
	return true
}

// NewCmdRoot returns a fresh command tree wired to f.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cachelink <command>",
		Short: "Connect PolyScale and Upstash to your terminal, create caches and databases, print connection strings",
		Long: `cachelink connects your PolyScale and Upstash accounts to the terminal with a
browser login, creates PolyScale caches and Upstash Redis databases, and prints
connection strings that applications, shell scripts and CI jobs can use.

Results go to stdout and nothing else does: X=$(cachelink connstr ...) captures
exactly the connection string. Progress, hints and warnings go to stderr.`,
		Example: `  cachelink connstr polyscale 11111111-2222-4333-8444-555555555555 --origin-env DATABASE_URL
  cachelink connect upstash
  cachelink create upstash --name cache --region eu-west-1`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       f.Build.Version,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if err := cmdutil.OneOf("output", f.Globals.Output, "text", "json"); err != nil {
				return err
			}
			if !validProfile(f.Globals.Profile) {
				return clierr.Usagef("invalid profile name %q: use letters, digits, '.', '_' and '-', up to 64 characters", f.Globals.Profile)
			}
			return nil
		},
	}
	cmd.SetVersionTemplate("cachelink version {{.Version}}\n")

	pf := cmd.PersistentFlags()
	pf.StringVar(&f.Globals.Profile, "profile", "default", "Account profile to use (several accounts per provider)")
	pf.StringVarP(&f.Globals.Output, "output", "o", "text", "Output format: text or json")
	pf.BoolVar(&f.Globals.NoInput, "no-input", false, "Never prompt and never open a browser (also CACHELINK_NO_INPUT)")
	pf.BoolVar(&f.Globals.Debug, "debug", false, "Trace HTTP requests on stderr, secrets redacted (also CACHELINK_DEBUG)")
	pf.StringVar(&f.Globals.ConfigFile, "config", "", "Config file (default $CACHELINK_CONFIG_DIR/config.yaml)")

	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return clierr.Wrap(clierr.Usage, err)
	})

	cmd.AddGroup(
		&cobra.Group{ID: "auth", Title: "Accounts:"},
		&cobra.Group{ID: "resources", Title: "Caches and databases:"},
		&cobra.Group{ID: "tool", Title: "This tool:"},
	)
	add := func(group string, cmds ...*cobra.Command) {
		for _, c := range cmds {
			c.GroupID = group
			cmd.AddCommand(c)
		}
	}
	add("auth", auth.NewCmdConnect(f), auth.NewCmdDisconnect(f), auth.NewCmdStatus(f), auth.NewCmdToken(f))
	// The resource verbs take the provider as a subcommand.
	parent := func(use, short string, subs ...*cobra.Command) *cobra.Command {
		c := &cobra.Command{Use: use, Short: short}
		f.ProviderParent(c)
		c.AddCommand(subs...)
		return c
	}
	add("resources",
		parent("create <provider>", "Create a PolyScale cache or an Upstash Redis database",
			polyscalecmd.NewCmdCreate(f), upstashcmd.NewCmdCreate(f)),
		connstr.NewCmdConnstr(f),
		parent("list <provider>", "List PolyScale caches or Upstash databases",
			polyscalecmd.NewCmdList(f), upstashcmd.NewCmdList(f)),
		parent("get <provider> <id|name>", "Show one cache or database",
			polyscalecmd.NewCmdGet(f), upstashcmd.NewCmdGet(f)),
		parent("delete <provider> <id|name>", "Delete a cache or database (asks on a terminal; --yes for scripts)",
			polyscalecmd.NewCmdDelete(f), upstashcmd.NewCmdDelete(f)),
		polyscalecmd.NewCmdPurge(f),
		upstashcmd.NewCmdResetPassword(f),
		polyscalecmd.NewCmdRules(f))
	add("tool", doctor.NewCmdDoctor(f), version.NewCmdVersion(f, nil))
	cmd.SetHelpCommandGroupID("tool")
	cmd.SetCompletionCommandGroupID("tool")
	return cmd
}
