// Package auth implements the commands about accounts: connect (the
// browser login), status, token and disconnect. The login itself lives in
// internal/oauth and knows no provider; the providers' settings live in
// internal/polyscale and internal/upstash; where credentials are kept is
// internal/credentials. These commands wire them together and decide what
// the user sees.
package auth

import (
	"context"
	"errors"
	"fmt"
	"net"
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
	"github.com/cachelink/cachelink/internal/oauth"
	"github.com/cachelink/cachelink/internal/output"
	"github.com/cachelink/cachelink/internal/polyscale"
	"github.com/cachelink/cachelink/internal/upstash"
)

// ConnectOptions are the flags of `connect`.
type ConnectOptions struct {
	Provider  string
	NoBrowser bool
	Port      int
	Timeout   time.Duration
	Scopes    []string // PolyScale
	Email     string   // Upstash
}

// NewCmdConnect returns `connect <provider>`.
func NewCmdConnect(f *cmdutil.Factory) *cobra.Command {
	opts := &ConnectOptions{}
	cmd := &cobra.Command{
		Use:   "connect <provider>",
		Short: "Log in to a provider in the browser and store the credentials",
		Long: `Log in to PolyScale or Upstash in the browser and store the credentials.

cachelink listens on the redirect URL's port on 127.0.0.1 and [::1] (port 3000
by default), opens the provider's authorize page, and waits for the browser to
come back with a code, which it exchanges once (OAuth 2.0 with PKCE). The URL is
always printed on stderr. Where no browser can open (an SSH session, no display,
--no-browser), open the URL on any machine, approve, and paste here the address
the browser lands on, even if that page did not load.

For Upstash, cachelink then mints a Developer API key named
cachelink_API_KEY_<unix time> with the login, and stores it with the account
email and the refresh token.

Credentials go to the system keychain (service "cachelink"), or to a 0600 file
when CACHELINK_TOKEN_STORE=file or the keychain is unavailable.

In CI, skip this command: set POLYSCALE_API_KEY, or UPSTASH_EMAIL and
UPSTASH_API_KEY.`,
		Example: `  cachelink connect polyscale
  cachelink connect upstash --no-browser
  cachelink connect polyscale --scopes caches:read --profile readonly
  cachelink connect polyscale --port 8085   # a redirect URI registered for port 8085`,
		Args:      f.ProviderArgs(false),
		ValidArgs: f.Providers,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Provider = args[0]
			if !cmd.Flags().Changed("scopes") {
				opts.Scopes = nil
			}
			return runConnect(cmd.Context(), f, opts)
		},
	}
	fs := cmd.Flags()
	fs.BoolVar(&opts.NoBrowser, "no-browser", false, "Print the URL and read the pasted redirect address instead of opening a browser")
	fs.IntVar(&opts.Port, "port", 0, "Port of the loopback redirect (a redirect URI for it must be registered with the provider)")
	fs.DurationVar(&opts.Timeout, "timeout", 5*time.Minute, "How long to wait for the browser")
	fs.StringSliceVar(&opts.Scopes, "scopes", polyscale.Scopes, "PolyScale scopes to ask for (comma-separated)")
	fs.StringVar(&opts.Email, "email", "", "Upstash account email, when the provider does not tell it")
	return cmd
}

func runConnect(ctx context.Context, f *cmdutil.Factory, opts *ConnectOptions) error {
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	profile := cfg.String(config.Profile)
	ios := f.IOStreams

	// Everything the user typed is checked before a port is bound or a
	// browser opens.
	if opts.Provider == polyscale.Name {
		if err := polyscale.CheckScopes(opts.Scopes); err != nil {
			return clierr.Wrap(clierr.Usage, err)
		}
	} else if len(opts.Scopes) > 0 {
		return clierr.Usagef("--scopes is for PolyScale; Upstash's scopes are fixed (%s)", strings.Join(upstash.Scopes, " "))
	}
	if opts.Email != "" && opts.Provider != upstash.Name {
		return clierr.Usagef("--email is for Upstash")
	}
	if opts.Timeout <= 0 {
		return clierr.Usagef("--timeout must be positive, such as 5m")
	}
	if opts.Port != 0 && (opts.Port < 1 || opts.Port > 65535) {
		return clierr.Usagef("--port %d is not a port number (1-65535)", opts.Port)
	}

	var oc *oauth2.Config
	var params []oauth2.AuthCodeOption
	switch opts.Provider {
	case polyscale.Name:
		oc = polyscale.OAuth2Config(cfg, opts.Scopes)
	case upstash.Name:
		oc = upstash.OAuth2Config(cfg)
		params = upstash.AuthParams()
	}
	if oc.ClientID == "" {
		return clierr.Errorf("this build of cachelink has no %s client id", account.Title(opts.Provider)).
			WithHint(fmt.Sprintf("Set %s (or %s in the config file), or use the sandbox: go run ./cmd/cachelink-sandbox serve",
				config.EnvName(opts.Provider+".client_id"), opts.Provider+".client_id"))
	}
	if opts.Port != 0 {
		if oc.RedirectURL, err = withPort(oc.RedirectURL, opts.Port); err != nil {
			return clierr.Wrap(clierr.Usage, err)
		}
	}

	// A run that can neither open a browser nor read a paste would wait
	// for nothing: fail now and name the CI way in.
	usable := f.BrowserUsable()
	if cfg.Bool(config.NoInput) || (!ios.IsStdinTTY() && (opts.NoBrowser || !usable)) {
		why := "--no-input is set"
		if !cfg.Bool(config.NoInput) {
			why = "there is no terminal to paste into and no browser to open"
		}
		return clierr.Authf("cannot log in to %s here: %s", account.Title(opts.Provider), why).
			WithHint(ciHint(opts.Provider))
	}
	if env, _ := f.Accounts.Env(opts.Provider); env != nil {
		verb := "is set: commands use it"
		if len(env.EnvVars) > 1 {
			verb = "are set: commands use them"
		}
		ios.Warnf("%s %s before the login stored now", strings.Join(env.EnvVars, " and "), verb)
	}

	lc := oauth.Config{
		OAuth2:       oc,
		AuthParams:   params,
		ProviderName: account.Title(opts.Provider),
		Timeout:      opts.Timeout,
		OpenBrowser:  f.Browser(),
		NoBrowser:    opts.NoBrowser || !usable,
		Stderr:       ios.ErrOut,
		Listen:       f.Listen,
	}
	var term *oauth.Terminal
	if ios.IsStdinTTY() {
		// One reader of the terminal for the paste path and the email
		// prompt, so no typed line is lost between them.
		term = oauth.NewTerminal(ios.In)
		lc.PasteInput = term
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, f.HTTPClient())
	tok, err := oauth.Login(ctx, lc)
	if err != nil {
		return loginError(opts, err)
	}

	rec := &credentials.Record{
		Provider:     opts.Provider,
		Profile:      profile,
		AccessToken:  tok.AccessToken,
		RefreshToken: tok.RefreshToken,
		Expiry:       tok.Expiry,
		Scopes:       grantedScopes(tok, oc.Scopes),
	}
	store, err := f.Store()
	if err != nil {
		return err
	}
	var mintErr error
	if opts.Provider == upstash.Name {
		mintErr = finishUpstash(ctx, f, cfg, opts, tok, rec, term)
	}
	src, err := store.Replace(ctx, rec)
	if err != nil {
		return clierr.Wrap(clierr.General, err)
	}
	if mintErr != nil {
		return mintErr
	}

	who := ""
	if rec.Account != "" {
		who = " as " + rec.Account
	}
	if profile != "default" || rec.Account == "" {
		who += " (profile " + profile + ")"
	}
	fmt.Fprintf(ios.ErrOut, "%s Connected to %s%s\n", ios.SuccessIcon(), account.Title(opts.Provider), who)
	if f.Globals.JSON() {
		return output.JSON(ios, statusOf(&account.Credential{
			Provider: rec.Provider, Profile: rec.Profile, Source: src, Account: rec.Account,
			Expiry: rec.Expiry, Scopes: rec.Scopes, Record: rec,
		}, time.Now()))
	}
	return nil
}

// finishUpstash learns the account email and mints the Developer API key.
// The record is saved whatever happens here, so that a login is never
// thrown away; the error says what is missing.
func finishUpstash(ctx context.Context, f *cmdutil.Factory, cfg *config.Config, opts *ConnectOptions, tok *oauth2.Token, rec *credentials.Record, term *oauth.Terminal) error {
	hc := f.HTTPClient()
	email := upstash.EmailFromIDToken(tok)
	if email == "" {
		if u, err := upstash.UserinfoURL(cfg.String(config.UpstashTokenURL)); err == nil {
			email, _ = upstash.Userinfo(ctx, hc, u, tok.AccessToken)
		}
	}
	if email == "" {
		email = opts.Email
	}
	if email == "" && term != nil && !cfg.Bool(config.NoInput) {
		fmt.Fprint(f.IOStreams.ErrOut, "Upstash did not say which account this is. Your Upstash email: ")
		line, _ := term.Next(ctx)
		email = strings.TrimSpace(line)
	}
	rec.Account = email
	if email == "" {
		return clierr.Errorf("Upstash did not tell the account email, and none was given").
			WithHint("Run `cachelink connect upstash --email you@example.com`.")
	}

	key, name, err := upstash.MintNamedKey(ctx, hc, cfg.String(config.UpstashAPIURL), tok.AccessToken, time.Now())
	if err != nil {
		var apiErr *upstash.APIError
		var netErr net.Error
		switch {
		case errors.As(err, &apiErr) && (apiErr.Status == 401 || apiErr.Status == 403):
			return clierr.Authf("Upstash refused to create a Developer API key: %v", err).
				WithHint("Accounts created through Vercel or Fly.io cannot use Upstash's Developer API; " +
					"use an account created on upstash.com, or set UPSTASH_EMAIL and UPSTASH_API_KEY.")
		case errors.As(err, &netErr):
			return clierr.Wrap(clierr.Unreachable, fmt.Errorf("creating the Upstash Developer API key: %w", err)).
				WithHint("The login is stored; run `cachelink connect upstash` again when Upstash is reachable.")
		}
		return clierr.Errorf("creating the Upstash Developer API key: %v", err).
			WithHint("The login is stored; run `cachelink connect upstash` again.")
	}
	rec.APIKey, rec.APIKeyName = key, name
	return nil
}

// loginError maps what the login returned to the exit codes.
func loginError(opts *ConnectOptions, err error) error {
	var perr *oauth.ProviderError
	var rerr *oauth2.RetrieveError
	var netErr net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return err
	case errors.Is(err, oauth.ErrPortInUse):
		return clierr.Wrap(clierr.General, err).
			WithHint("Run `cachelink doctor` to see what holds the port.")
	case errors.As(err, &perr):
		return clierr.Wrap(clierr.Auth, err).WithHint(fmt.Sprintf("Run `cachelink connect %s` to try again.", opts.Provider))
	case errors.Is(err, oauth.ErrTimeout):
		return clierr.Wrap(clierr.General, err)
	case errors.As(err, &rerr):
		return clierr.Authf("%s refused the authorization code: %s", account.Title(opts.Provider), retrieveMessage(rerr)).
			WithHint(fmt.Sprintf("Run `cachelink connect %s` again.", opts.Provider))
	case errors.As(err, &netErr):
		return clierr.Wrap(clierr.Unreachable, err).WithHint("Check the network, then run `cachelink doctor`.")
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

func ciHint(provider string) string {
	switch provider {
	case polyscale.Name:
		return "In CI, set " + polyscale.EnvAPIKey + " (a PolyScale API key) instead of connecting."
	case upstash.Name:
		return "In CI, set " + upstash.EnvEmail + " and " + upstash.EnvAPIKey + " instead of connecting."
	}
	return ""
}
