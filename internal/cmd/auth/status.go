package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/account"
	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/credentials"
	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/output"
	"github.com/cachelink/cachelink/internal/provider"
)

// Status is one provider's line of `status`; its JSON keys are stable. It
// never holds a secret.
type Status struct {
	Provider  string       `json:"provider"`
	Profile   string       `json:"profile"`
	Connected bool         `json:"connected"`
	Source    string       `json:"source,omitempty"`     // env, keyring, file, or "api key" (connect --with-key)
	StoredIn  string       `json:"stored_in,omitempty"`  // with source "api key": keyring or file
	Account   string       `json:"account,omitempty"`    // the Upstash email
	Workspace string       `json:"workspace,omitempty"`  // PolyScale, where the API names it
	Scopes    []string     `json:"scopes,omitempty"`     // PolyScale
	ExpiresAt *output.Time `json:"expires_at,omitempty"` // RFC 3339, UTC, seconds
	Expired   bool         `json:"expired,omitempty"`    // the access token; refreshed on next use
	EnvVars   []string     `json:"env_vars,omitempty"`   // with source env
	APIKey    string       `json:"api_key_name,omitempty"`
	// Check is what one request with the credential said: valid, rejected
	// or unreachable (--check; on a terminal, when it answered in time).
	Check      string `json:"check,omitempty"`
	CheckError string `json:"check_error,omitempty"` // why, when not valid
	Error      string `json:"error,omitempty"`       // why the store could not be read

	title, hint string               // the provider's name for people, and how to connect it
	p           provider.Provider    // the provider
	cred        *provider.Credential // what a check sends; nil when not connected
}

// The results of a check.
const (
	checkValid       = "valid"
	checkRejected    = "rejected"
	checkUnreachable = "unreachable"
)

func statusOf(c *provider.Credential, now time.Time) Status {
	s := Status{Provider: c.Provider, Profile: c.Profile, Connected: true, Source: string(c.Source),
		Account: c.Account, Workspace: c.Workspace, Scopes: c.Scopes, EnvVars: c.EnvVars, APIKey: c.SecretName, cred: c}
	if c.APIKey() {
		s.StoredIn, s.Source = s.Source, keyLoginSource
	}
	// The expiry of what commands send (an access token); none for a
	// credential that does not expire.
	if !c.Expiry.IsZero() {
		s.ExpiresAt = output.NewTime(c.Expiry.UTC().Truncate(time.Second))
		s.Expired = !c.Expiry.After(now)
	}
	return s
}

// StatusOptions is what `status` needs.
type StatusOptions struct {
	IO        *iostreams.IOStreams
	Profile   func() (string, error) // the --profile in use
	Accounts  *account.Resolver
	Store     func() (*credentials.Store, error) // for the profiles that hold a login
	Providers []provider.Provider                // the registered providers, in order
	JSON      bool                               // -o json

	Provider provider.Provider // the argument; nil for every provider
	Check    bool              // --check
}

// terminalCheckBudget is how long `status` on a terminal waits for the
// checks it runs without --check.
const terminalCheckBudget = 2 * time.Second

// NewCmdStatus returns `status [<provider>]`. runF replaces the run
// function in tests.
func NewCmdStatus(f *cmdutil.Factory, runF func(context.Context, *StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{IO: f.IOStreams, Profile: f.Profile, Accounts: f.Accounts, Store: f.Store, Providers: f.Providers()}
	cmd := &cobra.Command{
		Use:   "status [<provider>]",
		Short: "Show which providers are connected, how, and until when",
		Long: `Show, for each provider (or the one named) and the current profile, where its
credential comes from (env, keyring, file, or "api key" for a key stored with
connect --with-key), the account (PolyScale: the workspace, once its caches name
it), the scopes and when the access token expires, then every other profile that
holds a login. Secrets are never shown.

--check verifies each credential with one request (the provider's cheapest list)
and reports it valid, rejected or unreachable; a stored login whose access token
has expired is refreshed first, as any command would. On a terminal, status runs
the same checks in the background and shows those that answer within 2s.

With a provider named, exits 4 when it is not connected for the current profile
or (with --check) the provider rejected its credential, and 5 when --check could
not reach the provider.`,
		Example: `  cachelink status
  cachelink status polyscale -o json
  POLYSCALE_API_KEY=... cachelink status polyscale --check`,
		Args:      f.ProviderArgs(&opts.Provider, true),
		ValidArgs: f.ProviderNames(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.JSON = f.Globals.JSON()
			return cmdutil.Run(cmd, opts, runF, statusRun)
		},
	}
	cmd.Flags().BoolVar(&opts.Check, "check", false, "Verify each credential with one request to its provider")
	return cmd
}

func statusRun(ctx context.Context, opts *StatusOptions) error {
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
		// With an environment credential, stored logins are not used, and
		// the keychain is not touched.
		if env, envErr := opts.Accounts.Env(p); env == nil && envErr == nil {
			all = append(all, otherProfiles(opts, p, profile)...)
		}
	}

	switch {
	case opts.Check:
		checkAll(ctx, opts.Accounts, all, true, 0)
	case opts.IO.IsStdoutTTY():
		checkAll(ctx, opts.Accounts, all, false, terminalCheckBudget)
	}
	if err := ctx.Err(); err != nil {
		return err
	}

	var v any = all
	if opts.Provider != nil {
		v = all[0] // the current profile's
	}
	text := make(output.Details, len(all))
	for i, st := range all {
		text[i] = detail(st, time.Now())
	}
	if err := output.Print(opts.IO, opts.JSON, v, text); err != nil {
		return err
	}
	if opts.Provider == nil {
		if clierr.KindOf(firstErr) == clierr.NotFound {
			return firstErr // a --profile that holds no login at all
		}
		return nil
	}
	if firstErr != nil {
		return firstErr
	}
	switch st := all[0]; st.Check {
	case checkRejected:
		return account.Rejected(st.p, st.cred)
	case checkUnreachable:
		if opts.Check {
			return clierr.Wrap(clierr.Unreachable, fmt.Errorf("could not check the %s credential: %s", st.title, st.CheckError)).
				WithHint("Try again later; 'cachelink doctor' checks the endpoints.")
		}
	}
	return nil
}

// providerStatus reads one provider's credential for profile without
// refreshing it. The error is what a command would fail with (exit 4 when
// not connected).
func providerStatus(accounts *account.Resolver, p provider.Provider, profile string) (Status, error) {
	st := Status{Provider: p.Name(), Profile: profile, title: p.Title(), hint: provider.ConnectHint(p, profile), p: p}
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
	s.Profile, s.title, s.hint, s.p = profile, st.title, st.hint, p
	return s, nil
}

// otherProfiles are the logins of p stored for profiles other than
// current, as the store's profile index lists them. A profile whose record
// is gone is dropped from the index (unless the keychain could not say).
func otherProfiles(opts *StatusOptions, p provider.Provider, current string) []Status {
	if opts.Store == nil {
		return nil
	}
	store, err := opts.Store()
	if err != nil {
		return nil
	}
	names, err := store.Profiles(p.Name())
	if err != nil {
		return nil
	}
	var out []Status
	for _, name := range names {
		if name == current {
			continue
		}
		rec, src, err := store.Load(p.Name(), name)
		switch {
		case errors.Is(err, credentials.ErrNotFound):
			if !errors.Is(err, credentials.ErrKeyringUnavailable) {
				store.Unindex(p.Name(), name)
			}
			continue
		case err != nil:
			out = append(out, Status{Provider: p.Name(), Profile: name, Error: err.Error(), title: p.Title(), p: p,
				hint: provider.ConnectHint(p, name)})
			continue
		}
		st := statusOf(p.Credential(rec, src), time.Now())
		st.Profile, st.title, st.hint, st.p = name, p.Title(), provider.ConnectHint(p, name), p
		out = append(out, st)
	}
	return out
}

// checkAll checks every connected credential in all at once, with one
// request each (the provider's Check), and records the results. With
// refresh (--check), a stored login whose access token is about to expire
// is refreshed first, as a command would; without it (the background
// checks on a terminal), such a login is not checked, so that no refresh
// grant is ever cut short, and checks that take longer than budget are
// left out.
func checkAll(ctx context.Context, accounts *account.Resolver, all []Status, refresh bool, budget time.Duration) {
	if budget > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, budget)
		defer cancel()
	}
	var wg sync.WaitGroup
	for i := range all {
		st := &all[i]
		if !st.Connected || st.cred == nil || st.p == nil {
			continue
		}
		if !refresh && st.ExpiresAt != nil && st.ExpiresAt.Before(time.Now().Add(time.Minute)) {
			continue // would need a refresh first
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			checkOne(ctx, accounts, st, refresh, budget > 0)
		}()
	}
	wg.Wait()
}

// checkOne checks st's credential and records the result in st.
func checkOne(ctx context.Context, accounts *account.Resolver, st *Status, refresh, budgeted bool) {
	p, c := st.p, st.cred
	s, err := accounts.Session(p, st.Profile)
	if err != nil {
		st.Check, st.CheckError = checkUnreachable, err.Error()
		return
	}
	if refresh && !c.FromEnv() && !c.APIKey() {
		fresh, err := p.Stored(ctx, s)
		if err != nil {
			st.setCheck(err)
			return
		}
		c, st.cred = fresh, fresh
	}
	checked, err := p.Check(ctx, s, c)
	if budgeted && ctx.Err() != nil {
		return // no answer within the budget: not checked
	}
	st.setCheck(err)
	if err == nil && checked.Workspace != "" {
		st.Workspace = checked.Workspace
	}
}

// setCheck records the result of a check that ended with err.
func (st *Status) setCheck(err error) {
	switch {
	case err == nil:
		st.Check, st.CheckError = checkValid, ""
	case clierr.KindOf(err) == clierr.Auth:
		st.Check, st.CheckError = checkRejected, err.Error()
	default:
		st.Check, st.CheckError = checkUnreachable, err.Error()
	}
}

// detail is one provider's status as text. Its labels are the JSON keys
// of Status (values are written for people: where the credential is kept,
// how long until it expires).
func detail(st Status, now time.Time) output.Detail {
	d := output.Detail{Title: fmt.Sprintf("%s (profile %s)", st.title, st.Profile), Width: 14}
	if !st.Connected {
		d.Add("connected", "no")
		if st.Error != "" {
			d.Add("error", st.Error)
		} else {
			d.Add("hint", st.hint)
		}
		return d
	}
	source := st.Source
	switch st.Source {
	case string(credentials.SourceEnv):
		source = "env (" + strings.Join(st.EnvVars, ", ") + ")"
	case string(credentials.SourceKeyring), string(credentials.SourceFile):
		source = st.Source + " (" + storedIn(st.Source) + ")"
	case keyLoginSource:
		source = keyLoginSource + " in the " + storedIn(st.StoredIn)
	}
	d.Add("source", source)
	if st.Account != "" {
		d.Add("account", st.Account)
	}
	if st.Workspace != "" {
		d.Add("workspace", st.Workspace)
	}
	if len(st.Scopes) > 0 {
		d.Add("scopes", strings.Join(st.Scopes, " "))
	}
	if st.APIKey != "" {
		d.Add("api_key_name", st.APIKey)
	}
	if st.ExpiresAt != nil {
		when := output.FormatTime(st.ExpiresAt.Time)
		if st.Expired {
			when += " (expired; refreshed on next use)"
		} else {
			when += " (in " + st.ExpiresAt.Sub(now).Round(time.Minute).String() + ")"
		}
		d.Add("expires_at", when)
	}
	if st.Check != "" {
		d.Add("check", st.Check)
		if st.CheckError != "" {
			d.Add("check_error", st.CheckError)
		}
	}
	return d
}
