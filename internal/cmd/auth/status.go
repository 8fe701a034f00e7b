package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/account"
	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/config"
	"github.com/cachelink/cachelink/internal/output"
	"github.com/cachelink/cachelink/internal/upstash"
)

// Status is one provider's line of `status`; its JSON keys are stable. It
// never holds a secret.
type Status struct {
	Provider  string     `json:"provider"`
	Profile   string     `json:"profile"`
	Connected bool       `json:"connected"`
	Source    string     `json:"source,omitempty"`  // env, keyring or file
	Account   string     `json:"account,omitempty"` // the Upstash email
	Scopes    []string   `json:"scopes,omitempty"`  // PolyScale
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	Expired   bool       `json:"expired,omitempty"`  // the access token; refreshed on next use
	EnvVars   []string   `json:"env_vars,omitempty"` // with source env
	APIKey    string     `json:"api_key_name,omitempty"`
	Error     string     `json:"error,omitempty"` // why the store could not be read
}

func statusOf(c *account.Credential, now time.Time) Status {
	s := Status{Provider: c.Provider, Profile: c.Profile, Connected: true, Source: string(c.Source),
		Account: c.Account, Scopes: c.Scopes, EnvVars: c.EnvVars}
	// Upstash commands use the API key, which does not expire; the access
	// token's expiry would only confuse.
	if !c.Expiry.IsZero() && c.Provider != upstash.Name {
		e := c.Expiry.UTC()
		s.ExpiresAt = &e
		s.Expired = !e.After(now)
	}
	if c.Record != nil {
		s.APIKey = c.Record.APIKeyName
	}
	return s
}

// NewCmdStatus returns `status [<provider>]`.
func NewCmdStatus(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "status [<provider>]",
		Short: "Show which providers are connected, how, and until when",
		Long: `Show, for each provider (or the one named) and the current profile, where its
credential comes from (env, keyring or file), the account, the scopes and when the
access token expires. Secrets are never shown.

With a provider named, exits 4 when it is not connected.`,
		Example: `  cachelink status
  cachelink status polyscale -o json`,
		Args:      f.ProviderArgs(true),
		ValidArgs: f.Providers,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStatus(cmd.Context(), f, args)
		},
	}
}

func runStatus(_ context.Context, f *cmdutil.Factory, args []string) error {
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	profile := cfg.String(config.Profile)
	providers := f.Providers
	if len(args) == 1 {
		providers = args
	}
	var all []Status
	var firstErr error
	for _, p := range providers {
		st, err := providerStatus(f, p, profile)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		all = append(all, st)
	}

	ios := f.IOStreams
	if f.Globals.JSON() {
		var v any = all
		if len(args) == 1 {
			v = all[0]
		}
		if err := output.JSON(ios, v); err != nil {
			return err
		}
	} else {
		for i, st := range all {
			if i > 0 {
				fmt.Fprintln(ios.Out)
			}
			writeStatus(ios.Out, st, time.Now())
		}
	}
	if len(args) == 1 && firstErr != nil {
		return firstErr
	}
	return nil
}

// providerStatus reads one provider's credential without refreshing it.
// The error is what a command would fail with (exit 4 when not connected).
func providerStatus(f *cmdutil.Factory, provider, profile string) (Status, error) {
	st := Status{Provider: provider, Profile: profile}
	c, err := f.Accounts.Env(provider)
	if err != nil {
		st.Error = err.Error()
		return st, err
	}
	if c == nil {
		c, err = f.Accounts.Stored(provider, profile)
	}
	if err != nil {
		if !errors.Is(err, account.ErrNotConnected) {
			st.Error = err.Error()
		}
		return st, err
	}
	s := statusOf(c, time.Now())
	s.Profile = profile
	return s, nil
}

func writeStatus(w io.Writer, st Status, now time.Time) {
	title := account.Title(st.Provider)
	fmt.Fprintf(w, "%s (profile %s)\n", title, st.Profile)
	if !st.Connected {
		if st.Error != "" {
			fmt.Fprintf(w, "  not available: %s\n", st.Error)
			return
		}
		fmt.Fprintf(w, "  not connected: %s\n", account.ConnectHint(st.Provider, st.Profile))
		return
	}
	source := st.Source
	switch st.Source {
	case "env":
		source = "environment (" + strings.Join(st.EnvVars, ", ") + ")"
	case "keyring":
		source = "system keychain"
	case "file":
		source = "credentials file (plain text)"
	}
	fmt.Fprintf(w, "  source:   %s\n", source)
	if st.Account != "" {
		fmt.Fprintf(w, "  account:  %s\n", st.Account)
	}
	if len(st.Scopes) > 0 {
		fmt.Fprintf(w, "  scopes:   %s\n", strings.Join(st.Scopes, " "))
	}
	if st.APIKey != "" {
		fmt.Fprintf(w, "  api key:  %s\n", st.APIKey)
	}
	if st.ExpiresAt != nil {
		when := st.ExpiresAt.Format(time.RFC3339)
		if st.Expired {
			when += " (expired; refreshed on next use)"
		} else {
			when += " (in " + st.ExpiresAt.Sub(now).Round(time.Minute).String() + ")"
		}
		fmt.Fprintf(w, "  expires:  %s\n", when)
	}
}
