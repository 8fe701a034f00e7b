// Package root assembles cachelink's command tree from a factory. It owns
// the global flags and the rules every command shares: usage errors exit 2,
// and errors are printed once, by internal/app.
package root

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/cmd/auth"
	"github.com/cachelink/cachelink/internal/cmd/doctor"
	"github.com/cachelink/cachelink/internal/cmd/run"
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
	cmdutil.CompleteFlag(cmd, "profile", f.CompleteProfiles)
	cmdutil.CompleteFlagValues(cmd, "output", "text", "json")
	_ = cmd.MarkPersistentFlagFilename("config", "yaml", "yml")

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
	add("auth", auth.NewCmdConnect(f, nil), auth.NewCmdDisconnect(f, nil), auth.NewCmdStatus(f, nil), auth.NewCmdToken(f, nil))
	add("resources", providerVerbs(f)...)
	add("resources", run.NewCmdRun(f, nil))
	add("tool", doctor.NewCmdDoctor(f, nil), version.NewCmdVersion(f, nil))
	cmd.SetHelpCommandGroupID("tool")
	cmd.SetCompletionCommandGroupID("tool")
	// Arguments and flag values nothing completes complete nothing, not
	// file names.
	cmdutil.CompleteRest(cmd)
	return cmd
}

// providerVerbs composes the verbs every provider shares (`create
// <provider>` ...) from what each registered provider contributes, followed
// by the providers' own commands.
func providerVerbs(f *cmdutil.Factory) []*cobra.Command {
	var all []cmdutil.ProviderCommands
	for _, r := range f.Registry {
		if r.Commands != nil {
			all = append(all, r.Commands(f))
		}
	}
	// parent is one verb with the providers that have it; its help names
	// what they make (noun, or plural for list).
	parent := func(use string, short func(noun, plural string) string, pick func(cmdutil.ProviderCommands) *cobra.Command) *cobra.Command {
		c := &cobra.Command{Use: use}
		f.ProviderParent(c)
		var nouns, plurals []string
		for _, pc := range all {
			if sub := pick(pc); sub != nil {
				c.AddCommand(sub)
				nouns, plurals = append(nouns, pc.Noun), append(plurals, pc.Plural)
			}
		}
		c.Short = short(orList(nouns), orList(plurals))
		return c
	}
	cmds := []*cobra.Command{
		parent("create <provider>", func(n, _ string) string { return "Create a " + n },
			func(pc cmdutil.ProviderCommands) *cobra.Command { return pc.Create }),
		parent("connstr <provider>", func(n, _ string) string { return "Print the connection string of a " + n },
			func(pc cmdutil.ProviderCommands) *cobra.Command { return pc.Connstr }),
		parent("list <provider>", func(_, p string) string { return "List " + p },
			func(pc cmdutil.ProviderCommands) *cobra.Command { return pc.List }),
		parent("get <provider> <id|name>", func(n, _ string) string { return "Show one " + n },
			func(pc cmdutil.ProviderCommands) *cobra.Command { return pc.Get }),
		parent("delete <provider> <id|name>", func(n, _ string) string { return "Delete a " + n + " (asks on a terminal; --yes for scripts)" },
			func(pc cmdutil.ProviderCommands) *cobra.Command { return pc.Delete }),
	}
	for _, pc := range all {
		cmds = append(cmds, pc.Extra...)
	}
	return cmds
}

// orList joins words as people do: "a", "a or b", "a, b or c".
func orList(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}
