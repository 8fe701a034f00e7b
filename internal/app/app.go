// Package app runs cachelink: it builds the factory and a fresh command
// tree, executes argv, and turns the outcome into the documented exit code.
// This is the one place where errors become exit codes and are printed.
package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/cmd/factory"
	"github.com/cachelink/cachelink/internal/cmd/root"
	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/config"
	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/registry"
)

// Exit codes, as documented in docs/exit-codes.md.
const (
	ExitOK          = 0
	ExitError       = 1
	ExitUsage       = 2
	ExitNotFound    = 3
	ExitAuth        = 4
	ExitUnreachable = 5
	ExitInterrupted = 130
)

// Main runs cachelink with the process's arguments and streams, and returns
// the exit code. Ctrl-C or SIGTERM cancels the run's context.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Run(ctx, iostreams.System(), os.Args[1:])
}

// Run executes one command line against a fresh command tree.
func Run(ctx context.Context, ios *iostreams.IOStreams, args []string) int {
	return RunWith(ctx, ios, args, nil)
}

// RunWith is Run with a hook that adjusts the factory before the tree is
// built: tests put a fake keychain or browser there.
func RunWith(ctx context.Context, ios *iostreams.IOStreams, args []string, configure func(*cmdutil.Factory)) int {
	// Reads of stdin by code without a context of its own (a delete
	// confirmation) end with the run: Ctrl-C and SIGTERM are exit 130
	// even while cachelink waits for input.
	ios.SetContext(ctx)
	if len(args) > 0 && strings.HasPrefix(args[0], cobra.ShellCompRequestCmd) {
		// Shell completion: stderr is the terminal the user is typing
		// in, and a spinner would draw over the command line.
		ios.DisableProgress()
	}
	var rootCmd *cobra.Command
	f := factory.New(ios, func() *pflag.FlagSet { return rootCmd.PersistentFlags() }, registry.Providers())
	if configure != nil {
		configure(f)
	}
	rootCmd = root.NewCmdRoot(f)
	rootCmd.SetArgs(args)
	rootCmd.SetIn(ios.In)
	rootCmd.SetOut(ios.Out)
	rootCmd.SetErr(ios.ErrOut)

	cmd, err := rootCmd.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	// `cachelink run` exits with its command's status, even after the
	// signal that ended it, and the command has said what it had to say.
	var child interface{ ExitStatus() int }
	if errors.As(err, &child) {
		return child.ExitStatus()
	}
	if ctx.Err() != nil || clierr.KindOf(err) == clierr.Interrupted {
		fmt.Fprintln(ios.ErrOut, "Interrupted.")
		return ExitInterrupted
	}
	code := ExitCode(err)
	printError(ios, cmd, err, code)
	return code
}

// ExitCode maps an error to its documented exit code.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	if errors.Is(err, context.Canceled) {
		return ExitInterrupted
	}
	var cfgErr *config.Error
	if errors.As(err, &cfgErr) && cfgErr.Usage {
		return ExitUsage
	}
	if isCobraUsageError(err) {
		return ExitUsage
	}
	switch clierr.KindOf(err) {
	case clierr.Usage:
		return ExitUsage
	case clierr.NotFound:
		return ExitNotFound
	case clierr.Auth:
		return ExitAuth
	case clierr.Unreachable:
		return ExitUnreachable
	case clierr.Interrupted:
		return ExitInterrupted
	}
	return ExitError
}

// isCobraUsageError recognises the errors cobra itself returns for argv it
// cannot route; flag errors are already wrapped by the root's FlagErrorFunc.
func isCobraUsageError(err error) bool {
	msg := err.Error()
	return strings.HasPrefix(msg, "unknown command ") ||
		strings.HasPrefix(msg, "unknown flag") ||
		strings.HasPrefix(msg, "unknown shorthand flag") ||
		strings.HasPrefix(msg, "invalid argument ")
}

func printError(ios *iostreams.IOStreams, cmd *cobra.Command, err error, code int) {
	msg, hint := splitCobraSuggestion(err.Error(), cmd)
	fmt.Fprintf(ios.ErrOut, "Error: %s\n", msg)
	if hint == "" {
		hint = clierr.HintOf(err)
	}
	if hint == "" && code == ExitUsage && cmd != nil {
		hint = fmt.Sprintf("Run '%s --help' for usage.", cmd.CommandPath())
	}
	if hint != "" {
		fmt.Fprintln(ios.ErrOut, hint)
	}
}

// splitCobraSuggestion turns cobra's own unknown-command error, whose
// message ends in a blank line, "Did you mean this?" and the candidates
// on lines of their own, into the two-line style of every other error:
// the first line, and the hint "Did you mean 'cachelink create'?". Other
// messages come back unchanged with no hint.
func splitCobraSuggestion(msg string, cmd *cobra.Command) (string, string) {
	first, rest, ok := strings.Cut(msg, "\n\nDid you mean this?\n")
	if !ok {
		return msg, ""
	}
	var names []string
	for _, line := range strings.Split(rest, "\n") {
		if name := strings.TrimSpace(line); name != "" {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return first, ""
	}
	path := "cachelink"
	if cmd != nil {
		path = cmd.CommandPath()
	}
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = "'" + path + " " + n + "'"
	}
	if len(quoted) == 1 {
		return first, "Did you mean " + quoted[0] + "?"
	}
	return first, "Did you mean " + strings.Join(quoted[:len(quoted)-1], ", ") + " or " + quoted[len(quoted)-1] + "?"
}
