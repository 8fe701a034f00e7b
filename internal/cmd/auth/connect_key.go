package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/config"
	"github.com/cachelink/cachelink/internal/credentials"
	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/output"
	"github.com/cachelink/cachelink/internal/prompt"
	"github.com/cachelink/cachelink/internal/provider"
)

// maxKeyLen bounds the key read from stdin.
const maxKeyLen = 4096

// connectKeyRun is `connect <provider> --with-key`: the login of a build
// without an OAuth client id (go install), or of anyone who would rather
// paste a key than open a browser. It reads the key from stdin (one line,
// the whitespace around it dropped), checks it with one request (the
// provider's Check), and stores it as the profile's login, marked as an API
// key: commands use it as they use the environment credential, never
// refreshing it and never recovering from a 401. A key the provider refuses
// is exit 4 and nothing is stored.
func connectKeyRun(ctx context.Context, opts *ConnectOptions) error {
	p := opts.Provider
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	profile := cfg.String(config.Profile)
	ios := opts.IO
	kl := p.KeyLogin()
	command := provider.ConnectCommand(p, profile) + " --with-key"

	// What only the browser login takes is refused, before stdin is read.
	switch {
	case opts.NoBrowser:
		return clierr.Usagef("--no-browser is for the browser login; --with-key opens no browser")
	case opts.Port != 0:
		return clierr.Usagef("--port is for the browser login; --with-key listens on no port")
	case opts.Login.Scopes != nil:
		return clierr.Usagef("--scopes is for the browser login; an API key has the permissions it was created with")
	case opts.Login.Email != "" && kl.Account == "":
		return clierr.Usagef("--email is not used with a %s", kl.KeyName)
	}
	// The store is checked (and this profile's login locked) before the
	// key is read, as for the browser login.
	store, release, err := beginLogin(ctx, opts, p, profile)
	if err != nil {
		return err
	}
	defer release()

	noInput, tty := cfg.Bool(config.NoInput), ios.IsStdinTTY()
	pipeHint := fmt.Sprintf("Pipe the key on stdin: printf '%%s\\n' \"$KEY\" | %s", command)
	if tty && noInput {
		return clierr.Usagef("--with-key reads the key from stdin, which is a terminal, and --no-input forbids asking for it").WithHint(pipeHint)
	}
	// On a terminal (stdin and stderr) the prompt library asks; with stdin
	// alone a terminal, the question goes to stderr and a line is read.
	asker := opts.Ask()
	account := strings.TrimSpace(opts.Login.Email)
	if kl.Account != "" && account == "" {
		if !tty || noInput {
			return clierr.Usagef("--with-key for %s needs the account %s (--%s)", p.Title(), kl.Account, kl.Account).
				WithHint(fmt.Sprintf("Run: printf '%%s\\n' \"$KEY\" | %s --%s you@example.com", command, kl.Account))
		}
		question := fmt.Sprintf("%s account %s", p.Title(), kl.Account)
		if account, err = cmdutil.AskLine(ctx, ios, asker, prompt.Question{Title: question}, question+": "); err != nil {
			return readError(ctx, err, "the account "+kl.Account)
		}
		if account == "" {
			return clierr.Usagef("no %s account %s given", p.Title(), kl.Account)
		}
	}
	if err := provider.CheckSecret(account); err != nil {
		return clierr.Usagef("the account %s %v", kl.Account, err)
	}

	var key string
	if asker != nil {
		key, err = asker.Secret(ctx, prompt.Question{Title: fmt.Sprintf("Paste your %s (input hidden)", kl.KeyName)})
		if err == nil && len(key) > maxKeyLen {
			err = iostreams.ErrLineTooLong
		}
	} else {
		key, err = ios.ReadLine(ctx, fmt.Sprintf("Paste your %s (input hidden): ", kl.KeyName), maxKeyLen)
	}
	if err != nil {
		if errors.Is(err, iostreams.ErrLineTooLong) {
			return clierr.Usagef("the line on stdin is longer than %d bytes: that is not a %s", maxKeyLen, kl.KeyName)
		}
		return readError(ctx, err, "the key")
	}
	key = strings.TrimSpace(key)
	if key == "" {
		return clierr.Usagef("no %s on stdin", kl.KeyName).WithHint(pipeHint)
	}
	if err := provider.CheckSecret(key); err != nil {
		return clierr.Usagef("the %s read from stdin %v", kl.KeyName, err)
	}

	if env, _ := opts.Accounts.Env(p); env != nil {
		verb := "is set: commands use it"
		if len(env.EnvVars) > 1 {
			verb = "are set: commands use them"
		}
		ios.Warnf("%s %s before the key stored now", strings.Join(env.EnvVars, " and "), verb)
	}

	// One request with the key: a key the provider refuses is not stored.
	session, err := opts.Accounts.Session(p, profile)
	if err != nil {
		return err
	}
	checked, err := p.Check(ctx, session, &provider.Credential{Provider: p.Name(), Profile: profile, Account: account, Secret: key})
	if err != nil {
		return keyCheckError(p, kl, err)
	}

	old, oldSrc, _ := store.Load(p.Name(), profile)
	rec := kl.Record(profile, account, key, checked)
	rec.APIKey = true
	src, err := store.Replace(ctx, rec)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return err
		}
		return clierr.Wrap(clierr.General, err)
	}
	if old != nil && !old.APIKey {
		msg := fmt.Sprintf("the key replaces the browser login of profile %s, which stays valid at %s until you revoke cachelink's access in its console", profile, p.Title())
		if name := p.Credential(old, oldSrc).SecretName; name != "" {
			msg += "; its API key " + name + " stays valid until you delete it there"
		}
		ios.Warnf("%s", msg)
	}

	as := ""
	switch {
	case account != "":
		as = " as " + account
	case checked.Workspace != "":
		as = " as workspace " + checked.Workspace
	}
	how := "API key"
	if profile != "default" {
		how += ", profile " + profile
	}
	fmt.Fprintf(ios.ErrOut, "%s Connected to %s%s (%s)\n", ios.SuccessIcon(), p.Title(), as, how)
	if opts.JSON {
		return output.JSON(ios, statusOf(p.Credential(rec, src), time.Now()))
	}
	return nil
}

// readError is the error of a read of stdin for --with-key.
func readError(ctx context.Context, err error, what string) error {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		return context.Canceled
	}
	if clierr.KindOf(err) == clierr.Interrupted { // Ctrl-C at a prompt: exit 130
		return err
	}
	return clierr.Errorf("reading %s from stdin: %v", what, err)
}

// keyCheckError is what a --with-key says when the key's check failed:
// nothing is stored either way.
func keyCheckError(p provider.Provider, kl provider.KeyLogin, err error) error {
	switch clierr.KindOf(err) {
	case clierr.Auth:
		hint := "Check the key, then run the command again."
		if kl.Account != "" {
			hint = fmt.Sprintf("Check the key, and that --%s names the account it belongs to.", kl.Account)
		}
		return clierr.Authf("%s refused the %s; nothing was stored", p.Title(), kl.KeyName).WithHint(hint)
	case clierr.Unreachable:
		return clierr.Wrap(clierr.Unreachable, fmt.Errorf("could not check the %s, so it was not stored: %w", kl.KeyName, err)).
			WithHint("Try again when " + p.Title() + " answers; 'cachelink doctor' checks the endpoints.")
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	return clierr.Errorf("could not check the %s, so it was not stored: %v", kl.KeyName, err)
}

// keyLoginSource is what status shows as the source of an API key login.
const keyLoginSource = "api key"

// storedIn is where a stored login is kept, for people.
func storedIn(src string) string {
	switch credentials.Source(src) {
	case credentials.SourceKeyring:
		return "system keychain"
	case credentials.SourceFile:
		return "plain-text credentials file"
	}
	return src
}
