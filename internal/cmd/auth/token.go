package auth

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/account"
	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/output"
	"github.com/cachelink/cachelink/internal/provider"
)

// TokenOptions is what `token` needs.
type TokenOptions struct {
	IO       *iostreams.IOStreams
	Profile  func() (string, error) // the --profile in use
	Accounts *account.Resolver
	JSON     bool // -o json

	Provider provider.Provider // the argument
}

// NewCmdToken returns `token <provider>`. runF replaces the run function
// in tests.
func NewCmdToken(f *cmdutil.Factory, runF func(context.Context, *TokenOptions) error) *cobra.Command {
	opts := &TokenOptions{IO: f.IOStreams, Profile: f.Profile, Accounts: f.Accounts}
	return &cobra.Command{
		Use:   "token <provider>",
		Short: "Print a valid credential for scripts, refreshing it first",
		Long: `Print on stdout the credential cachelink would use for the provider: for
PolyScale a Bearer token (an access token refreshed first when it is about to
expire, or POLYSCALE_API_KEY); for Upstash the Developer API key (use it with the
account email from 'cachelink status upstash' as HTTP Basic credentials).

With -o json, an object with the token, its source and its expiry.`,
		Example:   `  curl -H "Authorization: Bearer $(cachelink token polyscale)" https://api.polyscale.ai/v1/caches`,
		Args:      f.ProviderArgs(&opts.Provider, false),
		ValidArgs: f.ProviderNames(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.JSON = f.Globals.JSON()
			return cmdutil.Run(cmd, opts, runF, tokenRun)
		},
	}
}

type tokenJSON struct {
	Provider  string       `json:"provider"`
	Profile   string       `json:"profile"` // the --profile in use, as status says it, also for an env credential
	Source    string       `json:"source"`
	Token     string       `json:"token"`
	Email     string       `json:"email,omitempty"`
	ExpiresAt *output.Time `json:"expires_at,omitempty"`
}

func tokenRun(ctx context.Context, opts *TokenOptions) error {
	p := opts.Provider
	profile, err := opts.Profile()
	if err != nil {
		return err
	}
	c, err := opts.Accounts.Resolve(ctx, p, profile)
	if err != nil {
		return err
	}
	if c.Secret == "" {
		return clierr.Authf("the stored %s login holds no credential to print", p.Title()).
			WithHint(fmt.Sprintf("Run '%s' again.", provider.ConnectCommand(p, profile)))
	}
	if opts.JSON {
		out := tokenJSON{Provider: p.Name(), Profile: profile, Source: string(c.Source), Token: c.Secret, Email: c.Account}
		if !c.Expiry.IsZero() {
			out.ExpiresAt = output.NewTime(c.Expiry)
		}
		return output.JSON(opts.IO, out)
	}
	_, err = fmt.Fprintln(opts.IO.Out, c.Secret)
	return err
}
