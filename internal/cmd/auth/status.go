package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/account"
	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/output"
	"github.com/cachelink/cachelink/internal/provider"
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

	title, hint string // the provider's name for people, and how to connect it
}

func statusOf(c *provider.Credential, now time.Time) Status {
	s := Status{Provider: c.Provider, Profile: c.Profile, Connected: true, Source: string(c.Source),
		Account: c.Account, Scopes: c.Scopes, EnvVars: c.EnvVars, APIKey: c.SecretName}
	// The expiry of what commands send (an access token); none for a
	// credential that does not expire.
	if !c.Expiry.IsZero() {
		e := c.Expiry.UTC()
		s.ExpiresAt = &e
		s.Expired = !e.After(now)
	}
	return s
}

// StatusOptions is what `status` needs.
type StatusOptions struct {
	IO        *iostreams.IOStreams
	Profile   func() (string, error) // the --profile in use
	Accounts  *account.Resolver
	Providers []provider.Provider // the registered providers, in order
	JSON      bool                // -o json

	Provider provider.Provider // the argument; nil for every provider
}

// NewCmdStatus returns `status [<provider>]`. runF replaces the run
// function in tests.
func NewCmdStatus(f *cmdutil.Factory, runF func(context.Context, *StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{IO: f.IOStreams, Profile: f.Profile, Accounts: f.Accounts, Providers: f.Providers()}
	return &cobra.Command{
		Use:   "status [<provider>]",
		Short: "Show which providers are connected, how, and until when",
		Long: `Show, for each provider (or the one named) and the current profile, where its
credential comes from (env, keyring or file), the account, the scopes and when the
access token expires. Secrets are never shown.

With a provider named, exits 4 when it is not connected.`,
		Example: `  cachelink status
  cachelink status polyscale -o json`,
		Args:      f.ProviderArgs(&opts.Provider, true),
		ValidArgs: f.ProviderNames(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.JSON = f.Globals.JSON()
			return cmdutil.Run(cmd, opts, runF, statusRun)
		},
	}
}

func statusRun(_ context.Context, opts *StatusOptions) error {
	profile, err := opts.Profile()
	if err != nil {
		return err
	}
	providers := opts.Providers
	if opts.Provider != nil {
		providers = []provider.Provider{opts.Provider}
	}
	var all []Status
	var firstErr error
	for _, p := range providers {
		st, err := providerStatus(opts.Accounts, p, profile)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		all = append(all, st)
	}

	var v any = all
	if opts.Provider != nil {
		v = all[0]
	}
	text := make(output.Details, len(all))
	for i, st := range all {
		text[i] = detail(st, time.Now())
	}
	if err := output.Print(opts.IO, opts.JSON, v, text); err != nil {
		return err
	}
	if opts.Provider != nil && firstErr != nil {
		return firstErr
	}
	return nil
}

// providerStatus reads one provider's credential without refreshing it.
// The error is what a command would fail with (exit 4 when not connected).
func providerStatus(accounts *account.Resolver, p provider.Provider, profile string) (Status, error) {
	st := Status{Provider: p.Name(), Profile: profile, title: p.Title(), hint: provider.ConnectHint(p, profile)}
	c, err := accounts.Env(p)
	if err != nil {
		st.Error = err.Error()
		return st, err
	}
	if c == nil {
		c, err = accounts.Stored(p, profile)
	}
	if err != nil {
		if !errors.Is(err, provider.ErrNotConnected) {
			st.Error = err.Error()
		}
		return st, err
	}
	s := statusOf(c, time.Now())
	s.Profile, s.title, s.hint = profile, st.title, st.hint
	return s, nil
}

// detail is one provider's status as text.
func detail(st Status, now time.Time) output.Detail {
	d := output.Detail{Title: fmt.Sprintf("%s (profile %s)", st.title, st.Profile), Width: 10}
	if !st.Connected {
		if st.Error != "" {
			d.Add("not available", st.Error)
		} else {
			d.Add("not connected", st.hint)
		}
		return d
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
	d.Add("source", source)
	if st.Account != "" {
		d.Add("account", st.Account)
	}
	if len(st.Scopes) > 0 {
		d.Add("scopes", strings.Join(st.Scopes, " "))
	}
	if st.APIKey != "" {
		d.Add("api key", st.APIKey)
	}
	if st.ExpiresAt != nil {
		when := st.ExpiresAt.Format(time.RFC3339)
		if st.Expired {
			when += " (expired; refreshed on next use)"
		} else {
			when += " (in " + st.ExpiresAt.Sub(now).Round(time.Minute).String() + ")"
		}
		d.Add("expires", when)
	}
	return d
}
