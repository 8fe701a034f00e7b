package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/config"
	"github.com/cachelink/cachelink/internal/output"
	"github.com/cachelink/cachelink/internal/upstash"
)

// NewCmdToken returns `token <provider>`.
func NewCmdToken(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "token <provider>",
		Short: "Print a valid credential for scripts, refreshing it first",
		Long: `Print on stdout the credential cachelink would use for the provider: for
PolyScale a Bearer token (an access token refreshed first when it is about to
expire, or POLYSCALE_API_KEY); for Upstash the Developer API key (use it with the
account email from 'cachelink status upstash' as HTTP Basic credentials).

With -o json, an object with the token, its source and its expiry.`,
		Example:   `  curl -H "Authorization: Bearer $(cachelink token polyscale)" https://api.polyscale.ai/v1/caches`,
		Args:      f.ProviderArgs(false),
		ValidArgs: f.Providers,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runToken(cmd.Context(), f, args[0])
		},
	}
}

type tokenJSON struct {
	Provider  string     `json:"provider"`
	Profile   string     `json:"profile"`
	Source    string     `json:"source"`
	Token     string     `json:"token"`
	Email     string     `json:"email,omitempty"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

func runToken(ctx context.Context, f *cmdutil.Factory, provider string) error {
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	profile := cfg.String(config.Profile)
	c, err := f.Accounts.Resolve(ctx, provider, profile)
	if err != nil {
		return err
	}
	secret := c.Token
	if provider == upstash.Name {
		secret = c.APIKey
		if secret == "" {
			return clierr.Authf("the stored Upstash login has no Developer API key").
				WithHint("Run `cachelink connect upstash` again to create one.")
		}
	}
	if f.Globals.JSON() {
		out := tokenJSON{Provider: provider, Profile: profile, Source: string(c.Source), Token: secret, Email: c.Account}
		if c.Source == "env" {
			out.Profile = ""
		}
		if !c.Expiry.IsZero() && provider != upstash.Name { // the API key does not expire
			e := c.Expiry.UTC()
			out.ExpiresAt = &e
		}
		return output.JSON(f.IOStreams, out)
	}
	_, err = fmt.Fprintln(f.IOStreams.Out, secret)
	return err
}
