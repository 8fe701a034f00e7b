package upstash

// `cachelink reset-password --kind qstash`: rotate the account's QStash
// token. reset-password is the contract's command that replaces a secret
// and prints the new one (asking first on a terminal, --yes in scripts,
// --write-env); connstr only reads, so it does not rotate.

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/cmdutil"
)

// QStashRotateOptions are the flags of `reset-password --kind qstash`.
type QStashRotateOptions struct {
	Kind     string // --kind: "" or redis (a database), or qstash
	Region   string // --region: the QStash region, when the account has several
	Yes      bool   // --yes
	WriteEnv string // --write-env FILE: merge QSTASH_TOKEN (and QSTASH_URL) into FILE
}

func addQStashRotateFlags(cmd *cobra.Command, q *QStashRotateOptions) {
	fs := cmd.Flags()
	fs.StringVar(&q.Kind, "kind", "", "redis (a database, the default) or qstash (the account's QStash token; no argument)")
	fs.StringVar(&q.Region, "region", "", "With --kind qstash: the QStash region, when the account has several")
	fs.BoolVarP(&q.Yes, "yes", "y", false, "Reset or rotate without asking (needed without a terminal)")
	cmdutil.WriteEnvFlag(fs, &q.WriteEnv, "Merge the new REDIS_URL and REST URL and token (--kind qstash: QSTASH_TOKEN and QSTASH_URL) into this .env file instead of printing them")
}

// confirmRotate asks, on a terminal, to answer "yes" before a token is
// replaced. With yes it asks nothing; without a terminal, or with
// --no-input, it refuses (exit 2) and points at --yes.
func confirmRotate(f *cmdutil.Factory) func(yes bool, what, warning string) error {
	return func(yes bool, what, warning string) error {
		return f.Confirm(cmdutil.Confirmation{
			Yes:      yes,
			Doing:    "rotating " + what,
			Prompt:   fmt.Sprintf("Rotate %s? %s\nType yes to confirm: ", what, warning),
			Want:     "yes",
			YesHint:  "Pass --yes to rotate without a prompt.",
			Mismatch: "not confirmed; the token was not rotated",
		})
	}
}

// rotateQStashRun is reset-password for --kind qstash (true: it ran);
// the flags it adds are refused for a database.
func rotateQStashRun(ctx context.Context, opts *ResetPasswordOptions) (bool, error) {
	q := opts.QStash
	switch q.Kind {
	case KindQStash:
	case "", KindRedis:
		switch {
		case q.Region != "":
			return true, clierr.Usagef("--region is for --kind qstash")
		}
		return false, nil
	default:
		kinds := []string{KindRedis, KindQStash}
		return true, cmdutil.Suggesting(clierr.Usagef("invalid --kind %q", q.Kind).WithHint(cmdutil.ListHint("Kinds", kinds)), q.Kind, kinds)
	}
	if opts.JSON && q.WriteEnv != "" {
		return true, clierr.Usagef("--write-env writes env lines; it cannot be combined with -o json")
	}
	if err := checkQStashRegion(q.Region); err != nil {
		return true, err
	}
	client, err := opts.Upstash()
	if err != nil {
		return true, err
	}
	u, err := client.FindQStashUser(ctx, q.Region)
	if err != nil {
		return true, err
	}
	what := fmt.Sprintf("the QStash token of the Upstash account (%s, %s)", u.Region, u.ID)
	if err := opts.ConfirmRotate(q.Yes, what, "Every client using the old token stops working at once."); err != nil {
		return true, err
	}
	nu, err := client.RotateQStashToken(ctx, u.ID)
	if err != nil {
		return true, err
	}
	ios := opts.IO
	fmt.Fprintf(ios.ErrOut, "%s Rotated the QStash token (%s)\n", ios.SuccessIcon(), nu.Region)
	format := "token"
	switch {
	case opts.JSON:
		format = "json"
	case q.WriteEnv != "":
		format = "env"
	}
	return true, printQStash(ios, format, q.WriteEnv, false, nu)
}
