package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/account"
	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/credentials"
	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/output"
	"github.com/cachelink/cachelink/internal/provider"
)

// DisconnectOptions is what `disconnect` needs.
type DisconnectOptions struct {
	IO       *iostreams.IOStreams
	Session  func(provider.Provider) (*provider.Session, error) // the --profile's login
	Accounts *account.Resolver
	JSON     bool // -o json

	Provider provider.Provider // the argument
}

// disconnectJSON is what disconnect prints with -o json: the login that
// was deleted, as every delete prints what it deleted. It holds no secret.
type disconnectJSON struct {
	output.Deleted
	Account string `json:"account,omitempty"`
	// APIKeyName is the Upstash Developer API key that stays valid until
	// it is deleted in the console.
	APIKeyName string `json:"api_key_name,omitempty"`
}

// NewCmdDisconnect returns `disconnect <provider>`. runF replaces the run
// function in tests.
func NewCmdDisconnect(f *cmdutil.Factory, runF func(context.Context, *DisconnectOptions) error) *cobra.Command {
	opts := &DisconnectOptions{IO: f.IOStreams, Session: f.Session, Accounts: f.Accounts}
	return &cobra.Command{
		Use:   "disconnect <provider>",
		Short: "Revoke the provider's tokens where it allows, and forget them locally",
		Long: `Revoke the stored login at the provider (its refresh token, which ends its
access tokens too: PolyScale's RFC 7009 endpoint, Upstash's /oauth/revoke), then
delete the credentials from the keychain and the credentials file, even when
revoking failed. Both outcomes are reported on stderr.

The Developer API key cachelink minted for an Upstash login stays valid until it
is deleted in the Upstash console; its name is printed. An API key stored with
connect --with-key is only forgotten: it is yours, and stays valid.

Credentials in the environment (POLYSCALE_API_KEY, UPSTASH_EMAIL and
UPSTASH_API_KEY) are not affected. Exits 4 when nothing was stored.

With -o json, stdout gets {"deleted": true, "provider": ..., "kind": "login",
"profile": ...} and the account and API key name when they are known.`,
		Args:      f.ProviderArgs(&opts.Provider, false),
		ValidArgs: f.ProviderNames(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.JSON = f.Globals.JSON()
			return cmdutil.Run(cmd, opts, runF, disconnectRun)
		},
	}
}

func disconnectRun(ctx context.Context, opts *DisconnectOptions) error {
	p := opts.Provider
	session, err := opts.Session(p)
	if err != nil {
		return err
	}
	ios := opts.IO
	if env, _ := opts.Accounts.Env(p); env != nil {
		ios.Warnf("%s is set in the environment; disconnect does not change it", strings.Join(env.EnvVars, " and "))
	}
	store, err := session.Store()
	if err != nil {
		return err
	}
	rec, src, loadErr := store.Load(p.Name(), session.Profile)
	if loadErr != nil && errors.Is(loadErr, credentials.ErrNotFound) {
		return session.Error(loadErr)
	}
	// Revoke first, with what was stored; a record we cannot read is still
	// deleted below. An API key the user stored is theirs: only forgotten.
	switch {
	case rec != nil && rec.APIKey:
		ios.WarnHint(fmt.Sprintf("Delete it in the %s console if it is no longer needed.", p.Title()),
			"the %s API key stored with --with-key stays valid: cachelink only forgets it", p.Title())
	case rec != nil:
		p.Revoke(ctx, session, rec, ios)
	}
	if err := store.Forget(ctx, p.Name(), session.Profile); err != nil {
		if errors.Is(err, context.Canceled) {
			return err
		}
		return clierr.Wrap(clierr.General, fmt.Errorf("could not delete the stored %s credentials: %w", p.Title(), err)).
			WithHint("Run 'cachelink doctor', or delete them with your keychain's tool (service \"cachelink\").")
	}
	store.Unindex(p.Name(), session.Profile)
	fmt.Fprintf(ios.ErrOut, "%s Disconnected %s (profile %s): credentials deleted\n", ios.SuccessIcon(), p.Title(), session.Profile)
	if !opts.JSON {
		return nil
	}
	out := disconnectJSON{Deleted: output.Deleted{Deleted: true, Provider: p.Name(), Kind: "login", Profile: session.Profile}}
	if rec != nil {
		c := p.Credential(rec, src)
		out.Account, out.APIKeyName = c.Account, c.SecretName
	}
	return output.JSON(ios, out)
}
