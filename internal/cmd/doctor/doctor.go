// Package doctor implements `cachelink doctor`: the checks that explain why
// a login or a command does not work on this machine (a keychain that hangs
// or is missing, a callback port held by a dev server, no browser over SSH,
// an unreachable endpoint), each problem with its fix.
package doctor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/account"
	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/config"
	"github.com/cachelink/cachelink/internal/credentials"
	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/oauth"
	"github.com/cachelink/cachelink/internal/output"
	"github.com/cachelink/cachelink/internal/provider"
)

// Level is how bad a finding is.
type Level string

// The levels: only Fail makes doctor exit 1.
const (
	OK   Level = "ok"
	Warn Level = "warn"
	Fail Level = "fail"
	Info Level = "info"
)

// Check is one finding; its JSON keys are stable.
type Check struct {
	Name       string  `json:"name"`
	Level      Level   `json:"level"`
	Detail     string  `json:"detail"`
	Fix        string  `json:"fix,omitempty"`
	DurationMS float64 `json:"duration_ms,omitempty"`
}

// endpointTimeout bounds each reachability probe.
const endpointTimeout = 5 * time.Second

// DoctorOptions is what `doctor` needs.
type DoctorOptions struct {
	IO            *iostreams.IOStreams
	Config        func() (*config.Config, error)
	Getenv        func(string) string
	Store         func() (*credentials.Store, error)
	HTTPClient    func() *http.Client
	BrowserUsable func() bool
	Accounts      *account.Resolver
	Providers     []provider.Provider // the registered providers, in order
	JSON          bool                // -o json

	// What doctor looks at besides the factory; tests replace them.
	Listen   func(network, addr string) (net.Listener, error) // binds the callback ports (net.Listen)
	Stat     func(string) (os.FileInfo, error)                // os.Stat
	ReadFile func(string) ([]byte, error)                     // os.ReadFile (also /proc on Linux)
	ReadDir  func(string) ([]os.DirEntry, error)              // os.ReadDir (/proc and /proc/PID/fd on Linux)
	Readlink func(string) (string, error)                     // os.Readlink (/proc/PID/fd/N on Linux)
	GOOS     string                                           // runtime.GOOS
}

// NewCmdDoctor returns `doctor`. runF replaces the run function in tests.
func NewCmdDoctor(f *cmdutil.Factory, runF func(context.Context, *DoctorOptions) error) *cobra.Command {
	opts := &DoctorOptions{
		IO:            f.IOStreams,
		Config:        f.Config,
		Getenv:        f.Getenv,
		Store:         f.Store,
		HTTPClient:    f.HTTPClient,
		BrowserUsable: f.BrowserUsable,
		Accounts:      f.Accounts,
		Providers:     f.Providers(),
		Listen:        net.Listen,
		Stat:          os.Stat,
		ReadFile:      os.ReadFile,
		ReadDir:       os.ReadDir,
		Readlink:      os.Readlink,
		GOOS:          runtime.GOOS,
	}
	return &cobra.Command{
		Use:   "doctor",
		Short: "Check the keychain, callback port, browser and endpoints",
		Long: `Check what connect and the other commands depend on, and say how to fix
each problem: the configuration file, the credential store and how long the
keychain took to answer (each keychain call is bounded by keyring_timeout), the
login's callback port on 127.0.0.1 and [::1] (on Linux, naming the process that
holds it), whether this build has each provider's OAuth client id (without it,
connect --with-key or the environment variables log in), how a browser would
open (and whether this is an SSH session, WSL or a container), the credentials
in the environment, and whether each provider endpoint answers.

Exits 1 when a check fails; warnings alone exit 0.`,
		Args: cmdutil.ExactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.JSON = f.Globals.JSON()
			return cmdutil.Run(cmd, opts, runF, doctorRun)
		},
	}
}

func doctorRun(ctx context.Context, opts *DoctorOptions) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	var checks []Check
	add := func(c ...Check) { checks = append(checks, c...) }
	add(configCheck(cfg, opts.Getenv))
	add(storeCheck(cfg, opts.Store))
	add(clientIDChecks(cfg, opts.Providers)...)
	add(portChecks(cfg, opts)...)
	add(browserChecks(opts)...)
	add(envChecks(opts.Accounts, opts.Providers)...)
	add(endpointChecks(ctx, opts.HTTPClient(), cfg)...)

	failed := 0
	for _, c := range checks {
		if c.Level == Fail {
			failed++
		}
	}
	if opts.JSON {
		if err := output.JSON(opts.IO, checks); err != nil {
			return err
		}
	} else {
		write(opts.IO.Out, checks)
	}
	if failed > 0 {
		return clierr.Errorf("%d of %d checks failed", failed, len(checks)).WithHint("Each failed check above says how to fix it.")
	}
	return nil
}

func write(w io.Writer, checks []Check) {
	marks := map[Level]string{OK: "✓", Warn: "!", Fail: "✗", Info: "-"}
	for _, c := range checks {
		line := fmt.Sprintf("%s %s: %s", marks[c.Level], c.Name, c.Detail)
		if c.DurationMS > 0 {
			line += fmt.Sprintf(" (%.0f ms)", c.DurationMS)
		}
		fmt.Fprintln(w, line)
		if c.Fix != "" {
			fmt.Fprintf(w, "    fix: %s\n", c.Fix)
		}
	}
}

func configCheck(cfg *config.Config, getenv func(string) string) Check {
	if cfg.File() == "" {
		dir, _ := config.Dir(getenv)
		return Check{Name: "config", Level: OK, Detail: "no config file (defaults and environment); would be read from " + filepath.Join(dir, "config.yaml")}
	}
	// Load already refused a file others can write.
	return Check{Name: "config", Level: OK, Detail: cfg.File() + " (not writable by group or others)"}
}

// storeCheck reads a probe item from the keychain: ErrNotFound means it
// answered. The store bounds every keychain call by keyring_timeout, the
// probe too, so a keychain that hangs (a hidden unlock prompt) costs doctor
// that long and no more; the check reports how long it took.
func storeCheck(cfg *config.Config, newStore func() (*credentials.Store, error)) Check {
	c := Check{Name: "credential store"}
	store, err := newStore()
	if err != nil {
		c.Level, c.Detail = Fail, err.Error()
		c.Fix = "Set CACHELINK_TOKEN_STORE to auto, keyring or file."
		return c
	}
	if store.Mode() == credentials.ModeFile {
		c.Level, c.Detail = Info, "CACHELINK_TOKEN_STORE=file: credentials are kept in "+store.FilePath()+" (0600), the keychain is not used"
		return c
	}
	start := time.Now()
	err = store.Probe()
	c.DurationMS = float64(time.Since(start).Microseconds()) / 1000
	switch {
	case err == nil:
		c.Level, c.Detail = OK, "system keychain answered (mode "+store.Mode()+")"
		if bound, err := cfg.Duration(config.KeyringTimeout); err == nil && bound > 0 {
			c.Detail = fmt.Sprintf("system keychain answered (mode %s; each call is bounded by %s)", store.Mode(), bound)
		}
	case store.Mode() == credentials.ModeAuto:
		c.Level, c.Detail = Warn, err.Error()
		c.Fix = "Logins will be stored in " + store.FilePath() + " (0600) instead. " + keychainFix()
	default:
		c.Level, c.Detail = Fail, err.Error()
		c.Fix = keychainFix() + " Or set CACHELINK_TOKEN_STORE=file."
	}
	return c
}

func keychainFix() string {
	switch runtime.GOOS {
	case "linux":
		return "Start a Secret Service (gnome-keyring or KeePassXC) in a D-Bus session and unlock it; over SSH, run: dbus-run-session -- sh -c 'gnome-keyring-daemon --unlock; cachelink ...'."
	case "darwin":
		return "Unlock the login keychain: security unlock-keychain login.keychain."
	}
	return "Check the system credential manager."
}

// clientIDChecks says, for each provider, whether this build can log in
// through the browser: that needs the provider's OAuth client id, which
// release builds carry and source builds (go install) do not.
func clientIDChecks(cfg *config.Config, providers []provider.Provider) []Check {
	var checks []Check
	for _, p := range providers {
		login, err := p.Login(cfg, provider.LoginOptions{})
		if err != nil || login.OAuth2 == nil {
			continue
		}
		c := Check{Name: p.Name() + " client id"}
		if id := login.OAuth2.ClientID; id != "" {
			c.Level, c.Detail = OK, fmt.Sprintf("%q: 'cachelink connect %s' can log in through the browser", id, p.Name())
		} else {
			c.Level = Warn
			c.Detail = fmt.Sprintf("no client id: browser login unavailable in this build; 'cachelink connect %s --with-key' or the env vars (%s) work",
				p.Name(), strings.Join(p.EnvVars(), " and "))
			c.Fix = fmt.Sprintf("Store an API key with 'cachelink connect %s --with-key' (it reads the key from stdin), or set %s. "+
				"Release builds carry the client id; set %s only for an OAuth app registered with %s.",
				p.Name(), strings.Join(p.EnvVars(), " and "), config.EnvName(p.Name()+".client_id"), p.Title())
		}
		checks = append(checks, c)
	}
	return checks
}

// portChecks binds the callback port of each redirect URL on both address
// families, exactly as connect will (oauth.CheckRedirect), and names what
// holds a port that is taken where the OS tells it.
func portChecks(cfg *config.Config, opts *DoctorOptions) []Check {
	seen := map[string]bool{}
	var checks []Check
	for _, p := range opts.Providers {
		key := p.Name() + ".redirect_url"
		login, err := p.Login(cfg, provider.LoginOptions{})
		if err != nil {
			continue
		}
		results, err := oauth.CheckRedirect(login.OAuth2.RedirectURL, opts.Listen)
		if err != nil {
			checks = append(checks, Check{Name: "callback port", Level: Fail, Detail: fmt.Sprintf("%s: %v", key, err),
				Fix: "Set " + key + " to the redirect URI registered with the provider, such as http://localhost:3000/callback."})
			continue
		}
		for _, r := range results {
			if seen[r.Addr] {
				continue
			}
			seen[r.Addr] = true
			c := Check{Name: "callback port " + r.Addr}
			switch {
			case r.NoIPv6:
				c.Level, c.Detail = Info, "no IPv6 on this machine; connect listens on 127.0.0.1 only"
			case r.Err != nil:
				_, port, _ := net.SplitHostPort(r.Addr)
				c.Level, c.Detail = Fail, fmt.Sprintf("cannot listen: %v", r.Err)
				c.Fix = fmt.Sprintf("Stop the program that listens on port %s (%s), or connect with --port and a redirect URI registered for that port.", port, portHolderHint(opts.GOOS, port))
				h := portHolder(opts, r.Addr, r.Err)
				if who := h.describe(strconv.Itoa(os.Getuid())); who != "" {
					c.Detail = fmt.Sprintf("cannot listen, %s: %v", who, r.Err)
				}
				switch {
				case len(h.Procs) > 0:
					c.Fix = fmt.Sprintf("Stop %s, which listens on port %s, or connect with --port and a redirect URI registered for that port.", h.names(), port)
				case len(h.UIDs) > 0:
					c.Fix = fmt.Sprintf("Stop the program that listens on port %s (sudo %s), or connect with --port and a redirect URI registered for that port.", port, portHolderHint(opts.GOOS, port))
				}
			default:
				c.Level, c.Detail = OK, "free"
			}
			checks = append(checks, c)
		}
	}
	return checks
}

// portHolder finds who holds addr when listening failed because the
// address is in use and the OS tells it (Linux's /proc); nothing otherwise.
func portHolder(opts *DoctorOptions, addr string, err error) holders {
	if opts.GOOS != "linux" || !errors.Is(err, oauth.ErrPortInUse) || opts.ReadFile == nil || opts.ReadDir == nil || opts.Readlink == nil {
		return holders{}
	}
	fs := procFS{readFile: opts.ReadFile, readDir: opts.ReadDir, readlink: opts.Readlink, now: time.Now}
	return findHolders(fs, addr, holderBudget)
}

func browserChecks(opts *DoctorOptions) []Check {
	var checks []Check
	where := environment(opts)
	if len(where) > 0 {
		checks = append(checks, Check{Name: "session", Level: Info, Detail: strings.Join(where, ", ")})
	}
	c := Check{Name: "browser"}
	switch {
	case opts.Getenv("BROWSER") != "":
		c.Level, c.Detail = OK, fmt.Sprintf("$BROWSER is set (%s)", firstWord(opts.Getenv("BROWSER")))
	case opts.BrowserUsable():
		c.Level, c.Detail = OK, "the system opener will be used"
	default:
		c.Level, c.Detail = Warn, "no browser can open here"
		c.Fix = "connect prints the URL: open it on any machine, approve, then paste the address the browser lands on. Or set BROWSER."
	}
	return append(checks, c)
}

// environment names the kinds of session where browsers and keychains
// behave differently.
func environment(opts *DoctorOptions) []string {
	getenv := opts.Getenv
	var out []string
	if getenv("SSH_CONNECTION") != "" || getenv("SSH_TTY") != "" {
		out = append(out, "SSH session")
	}
	if getenv("WSL_DISTRO_NAME") != "" {
		out = append(out, "WSL")
	} else if b, err := opts.ReadFile("/proc/version"); err == nil && strings.Contains(strings.ToLower(string(b)), "microsoft") {
		out = append(out, "WSL")
	}
	if _, err := opts.Stat("/.dockerenv"); err == nil {
		out = append(out, "container (Docker)")
	} else if _, err := opts.Stat("/run/.containerenv"); err == nil {
		out = append(out, "container (Podman)")
	} else if getenv("container") != "" {
		out = append(out, "container ("+getenv("container")+")")
	}
	if getenv("CI") != "" {
		out = append(out, "CI")
	}
	if opts.GOOS == "linux" && getenv("DISPLAY") == "" && getenv("WAYLAND_DISPLAY") == "" {
		out = append(out, "no display")
	}
	return out
}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return s
}

func envChecks(accounts *account.Resolver, providers []provider.Provider) []Check {
	var checks []Check
	for _, p := range providers {
		c, err := accounts.Env(p)
		switch {
		case err != nil:
			checks = append(checks, Check{Name: p.Name() + " environment", Level: Fail, Detail: err.Error(), Fix: "Set both variables, or neither."})
		case c != nil:
			checks = append(checks, Check{Name: p.Name() + " environment", Level: Info, Detail: strings.Join(c.EnvVars, " and ") + " set: commands use it, not the stored login"})
		}
	}
	return checks
}

// endpointChecks asks each configured endpoint for anything: an HTTP
// answer of any status means it is reachable.
func endpointChecks(ctx context.Context, hc *http.Client, cfg *config.Config) []Check {
	keys := cfg.Endpoints()
	checks := make([]Check, len(keys))
	var wg sync.WaitGroup
	for i, key := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			checks[i] = probe(ctx, hc, key, cfg.String(key))
		}()
	}
	wg.Wait()
	return checks
}

func probe(ctx context.Context, hc *http.Client, key, raw string) Check {
	c := Check{Name: key}
	ctx, cancel := context.WithTimeout(ctx, endpointTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, raw, nil)
	if err != nil {
		c.Level, c.Detail, c.Fix = Fail, fmt.Sprintf("%q is not a URL", raw), "Fix "+config.EnvName(key)+" or the config file."
		return c
	}
	start := time.Now()
	resp, err := hc.Do(req)
	c.DurationMS = float64(time.Since(start).Microseconds()) / 1000
	if err != nil {
		c.Level, c.Detail = Fail, fmt.Sprintf("%s: %v", raw, unwrapURLError(err))
		c.Fix = "Check the network, a proxy (HTTPS_PROXY) or " + config.EnvName(key) + "."
		return c
	}
	resp.Body.Close()
	c.Level, c.Detail = OK, fmt.Sprintf("%s answered %d", raw, resp.StatusCode)
	return c
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
