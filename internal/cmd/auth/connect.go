// Package auth implements the commands about accounts: connect (the
// browser login), status, token and disconnect, for every registered
// provider. The login itself lives in internal/oauth and knows no provider;
// what differs between providers is behind provider.Provider; where
// credentials are kept is internal/credentials. These commands wire them
// together and decide what the user sees.
package auth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/oauth2"

	"github.com/cachelink/cachelink/internal/account"
	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/config"
	"github.com/cachelink/cachelink/internal/credentials"
	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/oauth"
	"github.com/cachelink/cachelink/internal/output"
	"github.com/cachelink/cachelink/internal/prompt"
	"github.com/cachelink/cachelink/internal/provider"
)

// ConnectOptions is what `connect` needs.
type ConnectOptions struct {
	IO         *iostreams.IOStreams
	Config     func() (*config.Config, error)
	Getenv     func(string) string
	HTTPClient func() *http.Client
	Store      func() (*credentials.Store, error)
	Accounts   *account.Resolver
	// OpenBrowser opens the login URL; nil means $BROWSER or the system
	// opener. BrowserUsable says whether a browser can open here.
	OpenBrowser   func(url string) error
	BrowserUsable func() bool
	// Listen binds the login's loopback listeners; nil means net.Listen.
	Listen func(network, addr string) (net.Listener, error)
	JSON   bool // -o json

	Provider  provider.Provider // the argument
	NoBrowser bool
	Port      int
	Timeout   time.Duration
	Login     provider.LoginOptions // --scopes and --email, checked by the provider
	WithKey   bool                  // --with-key: store an API key read from stdin (connect_key.go)
	// Ask returns the terminal's prompter, or nil where cachelink may not
	// ask (cmdutil.Factory.Ask): --with-key's account and key prompts.
	Ask func() prompt.Prompter
}

// NewCmdConnect returns `connect <provider>`. runF replaces the run
// function in tests.
func NewCmdConnect(f *cmdutil.Factory, runF func(context.Context, *ConnectOptions) error) *cobra.Command {
	opts := &ConnectOptions{
		IO:            f.IOStreams,
		Config:        f.Config,
		Getenv:        f.Getenv,
		HTTPClient:    f.HTTPClient,
		Store:         f.Store,
		Accounts:      f.Accounts,
		OpenBrowser:   f.OpenBrowser,
		BrowserUsable: f.BrowserUsable,
		Listen:        f.Listen,
		Ask:           f.Ask,
	}
	cmd := &cobra.Command{
		Use:   "connect <provider>",
		Short: "Log in to a provider in the browser and store the credentials",
		Long: `Log in to PolyScale or Upstash in the browser and store the credentials.

cachelink listens on the redirect URL's port on 127.0.0.1 and [::1] (port 3000
by default), opens the provider's authorize page, and waits for the browser to
come back with a code, which it exchanges once (OAuth 2.0 with PKCE). The URL is
always printed on stderr. Where no browser can open (an SSH session, no display,
--no-browser), open the URL on any machine, approve, and paste here the address
the browser lands on, even if that page did not load. Without a terminal (a
wrapper script, an editor extension), whoever started cachelink opens the URL:
it waits for the browser's redirect until --timeout. --no-input refuses instead.

For Upstash, cachelink then keeps the Developer API key the profile's previous
login stored when it still works, or mints one named
cachelink_API_KEY_<unix time> with the login (naming the key it replaces), and
stores it with the account email and the refresh token.

With --with-key, no browser: cachelink reads an API key from stdin (one line; a
hidden prompt on a terminal), checks it with one request, and stores it as the
profile's login (Upstash: a Developer API key, with the account email from
--email or a prompt). Commands then use it as they use POLYSCALE_API_KEY or
UPSTASH_EMAIL and UPSTASH_API_KEY; it is never refreshed. This is how a build
without an OAuth client id (go install) logs in.

Credentials go to the system keychain (service "cachelink"), or to a 0600 file
when CACHELINK_TOKEN_STORE=file or the keychain is unavailable.

In CI, skip this command: set POLYSCALE_API_KEY, or UPSTASH_EMAIL and
UPSTASH_API_KEY.`,
		Example: `  cachelink connect polyscale
  cachelink connect upstash --no-browser
  cachelink connect polyscale --scopes caches:read --profile readonly
  cachelink connect polyscale --port 8085   # a redirect URI registered for port 8085
  printf '%s\n' "$POLYSCALE_API_KEY" | cachelink connect polyscale --with-key
  cachelink connect upstash --with-key --email you@example.com < upstash-key.txt`,
		Args:      f.ProviderArgs(&opts.Provider, false),
		ValidArgs: f.ProviderNames(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("scopes") {
				opts.Login.Scopes = nil
			}
			opts.JSON = f.Globals.JSON()
			if opts.WithKey {
				return cmdutil.Run(cmd, opts, runF, connectKeyRun)
			}
			return cmdutil.Run(cmd, opts, runF, connectRun)
		},
	}
	fs := cmd.Flags()
	fs.BoolVar(&opts.NoBrowser, "no-browser", false, "Print the URL instead of opening a browser, and wait for the redirect (or, on a terminal, the pasted address)")
	fs.IntVar(&opts.Port, "port", 0, "Port of the loopback redirect (a redirect URI for it must be registered with the provider)")
	fs.DurationVar(&opts.Timeout, "timeout", 5*time.Minute, "How long to wait for the browser")
	fs.StringSliceVar(&opts.Login.Scopes, "scopes", nil, "PolyScale scopes to ask for, comma-separated (default: every scope PolyScale defines)")
	fs.StringVar(&opts.Login.Email, "email", "", "Upstash account email, when the provider does not tell it")
	fs.BoolVar(&opts.WithKey, "with-key", false, "Store an API key read from stdin instead of logging in in the browser (Upstash: with --email)")
	return cmd
}

func connectRun(ctx context.Context, opts *ConnectOptions) error {
	p := opts.Provider
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	profile := cfg.String(config.Profile)
	ios := opts.IO

	// Everything the user typed is checked before a port is bound or a
	// browser opens.
	login, err := p.Login(cfg, opts.Login)
	if err != nil {
		return err
	}
	if opts.Timeout <= 0 {
		return clierr.Usagef("--timeout must be positive, such as 5m")
	}
	if opts.Port != 0 && (opts.Port < 1 || opts.Port > 65535) {
		return clierr.Usagef("--port %d is not a port number (1-65535)", opts.Port)
	}
	oc := login.OAuth2
	if oc.ClientID == "" {
		key := p.Name() + ".client_id"
		return clierr.Errorf("this build of cachelink has no %s client id", p.Title()).
			WithHint(fmt.Sprintf("Set %s (or %s in the config file), or use the sandbox: go run ./cmd/cachelink-sandbox serve",
				config.EnvName(key), key))
	}
	if opts.Port != 0 {
		if oc.RedirectURL, err = withPort(oc.RedirectURL, opts.Port); err != nil {
			return clierr.Wrap(clierr.Usage, err)
		}
	}

	// --no-input means "never wait for a person": fail now and name the
	// CI way in. Without it, a run with no browser and no terminal (a
	// wrapper script, an editor extension, a test harness) prints the URL
	// and waits for the callback: whoever started it opens the URL.
	if cfg.Bool(config.NoInput) {
		return clierr.Authf("cannot log in to %s here: --no-input is set", p.Title()).WithHint(p.CIHint())
	}
	usable := opts.BrowserUsable()
	if env, _ := opts.Accounts.Env(p); env != nil {
		verb := "is set: commands use it"
		if len(env.EnvVars) > 1 {
			verb = "are set: commands use them"
		}
		ios.Warnf("%s %s before the login stored now", strings.Join(env.EnvVars, " and "), verb)
	}

	// The store is opened, checked and locked before a port is bound or a
	// browser opens: a store that cannot take the login fails now, not
	// after the user approved it (and Upstash minted a key), and a second
	// connect of the same profile cannot interleave with this one.
	store, release, err := beginLogin(ctx, opts, p, profile)
	if err != nil {
		return err
	}
	defer release()

	lc := oauth.Config{
		OAuth2:       oc,
		AuthParams:   login.AuthParams,
		ProviderName: p.Title(),
		Timeout:      opts.Timeout,
		OpenBrowser:  browser(opts),
		NoBrowser:    opts.NoBrowser || !usable,
		Stderr:       ios.ErrOut,
		StderrTTY:    ios.IsStderrTTY(),
		Listen:       opts.Listen,
	}
	fin := provider.Finish{Options: opts.Login}
	if ios.IsStdinTTY() {
		// One reader of the terminal for the paste path and the provider's
		// prompts, so no typed line is lost between them.
		term := oauth.NewTerminal(ios.In)
		lc.PasteInput = term
		fin.Ask = func(ctx context.Context, prompt string) string {
			fmt.Fprint(ios.ErrOut, prompt)
			line, _ := term.Next(ctx)
			return line
		}
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, opts.HTTPClient())
	tok, err := oauth.Login(ctx, lc)
	if err != nil {
		return loginError(p, profile, err)
	}

	rec := &credentials.Record{
		Provider:     p.Name(),
		Profile:      profile,
		AccessToken:  tok.AccessToken,
		RefreshToken: tok.RefreshToken,
		Expiry:       tok.Expiry,
		Scopes:       grantedScopes(tok, oc.Scopes),
	}
	session, err := opts.Accounts.Session(p, profile)
	if err != nil {
		return err
	}
	fin.Token = tok
	finishErr := p.FinishLogin(ctx, session, fin, rec)
	// A login just received is stored even when Ctrl-C came meanwhile (the
	// code is spent and the provider issued the tokens); the command then
	// exits 130.
	src, err := store.Replace(context.WithoutCancel(ctx), rec)
	if err != nil {
		return clierr.Wrap(clierr.General, err)
	}
	if finishErr != nil {
		return finishErr
	}
	if err := ctx.Err(); err != nil {
		return err
	}

	who := ""
	if rec.Account != "" {
		who = " as " + rec.Account
	}
	if profile != "default" || rec.Account == "" {
		who += " (profile " + profile + ")"
	}
	fmt.Fprintf(ios.ErrOut, "%s Connected to %s%s\n", ios.SuccessIcon(), p.Title(), who)
	if opts.JSON {
		return output.JSON(ios, statusOf(p.Credential(rec, src), time.Now()))
	}
	return nil
}

// beginLogin opens the credential store, checks it can take a login of p
// for profile and locks that login (see credentials.Store.BeginLogin); the
// caller calls release when the login is stored or abandoned.
func beginLogin(ctx context.Context, opts *ConnectOptions, p provider.Provider, profile string) (*credentials.Store, func(), error) {
	store, err := opts.Store()
	if err != nil {
		return nil, nil, err
	}
	release, err := store.BeginLogin(ctx, p.Name(), profile)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil, nil, err
		}
		return nil, nil, clierr.Wrap(clierr.General, err)
	}
	return store, release, nil
}

// browser returns the function that opens a URL for a login.
func browser(opts *ConnectOptions) func(string) error {
	if opts.OpenBrowser != nil {
		return opts.OpenBrowser
	}
	open, _ := oauth.BrowserOpener(opts.IO.ErrOut, opts.Getenv)
	return open
}

// loginError maps what the login returned to the exit codes.
func loginError(p provider.Provider, profile string, err error) error {
	var perr *oauth.ProviderError
	var rerr *oauth2.RetrieveError
	var netErr net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return err
	case errors.Is(err, oauth.ErrPortInUse):
		return clierr.Wrap(clierr.General, err).
			WithHint("Run 'cachelink doctor' to see what holds the port.")
	case errors.As(err, &perr):
		return clierr.Wrap(clierr.Auth, err).WithHint(fmt.Sprintf("Run '%s' to try again.", provider.ConnectCommand(p, profile)))
	case errors.Is(err, oauth.ErrTimeout):
		return clierr.Wrap(clierr.General, err).WithHint("Run the command again (--timeout gives more time).")
	case errors.As(err, &rerr):
		return clierr.Authf("%s refused the authorization code: %s", p.Title(), retrieveMessage(rerr)).
			WithHint(fmt.Sprintf("Run '%s' again.", provider.ConnectCommand(p, profile)))
	case errors.As(err, &netErr):
		return clierr.Wrap(clierr.Unreachable, err).WithHint("Check the network, then run 'cachelink doctor'.")
	}
	return err
}

// retrieveMessage is a token endpoint's error without its raw body, which
// could hold anything.
func retrieveMessage(e *oauth2.RetrieveError) string {
	msg := e.ErrorCode
	if e.ErrorDescription != "" {
		msg += ": " + e.ErrorDescription
	}
	if msg == "" && e.Response != nil {
		msg = e.Response.Status
	}
	return msg
}

// grantedScopes are the scopes the token response names, or those asked.
func grantedScopes(tok *oauth2.Token, asked []string) []string {
	if s, ok := tok.Extra("scope").(string); ok && strings.TrimSpace(s) != "" {
		return strings.Fields(s)
	}
	return asked
}

// withPort replaces the port of a loopback redirect URL.
func withPort(raw string, port int) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("redirect URL %q: %v", raw, err)
	}
	u.Host = net.JoinHostPort(u.Hostname(), strconv.Itoa(port))
	return u.String(), nil
}
