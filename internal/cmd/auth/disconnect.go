package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/account"
	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/config"
	"github.com/cachelink/cachelink/internal/credentials"
	"github.com/cachelink/cachelink/internal/polyscale"
	"github.com/cachelink/cachelink/internal/upstash"
)

// revokeTimeout bounds the revocation requests: disconnecting must not
// hang on an unreachable provider.
const revokeTimeout = 10 * time.Second

// NewCmdDisconnect returns `disconnect <provider>`.
func NewCmdDisconnect(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "disconnect <provider>",
		Short: "Revoke the provider's tokens where it allows, and forget them locally",
		Long: `Revoke the stored login at the provider where it has a revocation endpoint
(PolyScale: the refresh token, which ends its access tokens too), then delete
the credentials from the keychain and the credentials file, even when revoking
failed. Both outcomes are reported on stderr.

Upstash has no revocation endpoint: the Developer API key cachelink minted stays
valid until it is deleted in the Upstash console; its name is printed.

Credentials in the environment (POLYSCALE_API_KEY, UPSTASH_EMAIL and
UPSTASH_API_KEY) are not affected. Exits 4 when nothing was stored.`,
		Args:      f.ProviderArgs(false),
		ValidArgs: f.Providers,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDisconnect(cmd.Context(), f, args[0])
		},
	}
}

func runDisconnect(ctx context.Context, f *cmdutil.Factory, provider string) error {
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	profile := cfg.String(config.Profile)
	ios := f.IOStreams
	title := account.Title(provider)
	if env, _ := f.Accounts.Env(provider); env != nil {
		ios.Warnf("%s is set in the environment; disconnect does not change it", strings.Join(env.EnvVars, " and "))
	}
	store, err := f.Store()
	if err != nil {
		return err
	}
	rec, _, loadErr := store.Load(provider, profile)
	if loadErr != nil && errors.Is(loadErr, credentials.ErrNotFound) {
		return account.StoreError(provider, profile, loadErr)
	}

	// Revoke first, with what was stored; a record we cannot read is still
	// deleted below.
	if rec != nil {
		switch provider {
		case polyscale.Name:
			if err := revokePolyScale(ctx, f, cfg, rec); err != nil {
				ios.Warnf("could not revoke the %s tokens at the provider: %v; they stay valid until they expire or you revoke the app's access in the PolyScale console", title, err)
			} else {
				fmt.Fprintf(ios.ErrOut, "%s Revoked the %s tokens\n", ios.SuccessIcon(), title)
			}
		case upstash.Name:
			if rec.APIKeyName != "" {
				ios.Warnf("Upstash cannot revoke from here: delete the Developer API key %s in the Upstash console (Account > Management API)", rec.APIKeyName)
			}
		}
	}
	if err := store.Forget(ctx, provider, profile); err != nil {
		if errors.Is(err, context.Canceled) {
			return err
		}
		return clierr.Wrap(clierr.General, fmt.Errorf("could not delete the stored %s credentials: %w", title, err)).
			WithHint("Run `cachelink doctor`, or delete them with your keychain's tool (service \"cachelink\").")
	}
	fmt.Fprintf(ios.ErrOut, "%s Disconnected %s (profile %s): credentials deleted\n", ios.SuccessIcon(), title, profile)
	return nil
}

func revokePolyScale(ctx context.Context, f *cmdutil.Factory, cfg *config.Config, rec *credentials.Record) error {
	ctx, cancel := context.WithTimeout(ctx, revokeTimeout)
	defer cancel()
	oc := polyscale.OAuth2Config(cfg, nil)
	url := cfg.String(config.PolyScaleRevokeURL)
	hc := f.HTTPClient()
	if rec.RefreshToken != "" {
		return polyscale.Revoke(ctx, hc, oc, url, rec.RefreshToken, "refresh_token")
	}
	if rec.AccessToken != "" {
		return polyscale.Revoke(ctx, hc, oc, url, rec.AccessToken, "access_token")
	}
	return nil
}
