// Package config reads cachelink's settings with one viper instance per
// command run (never viper's global), in the precedence users expect from
// every CLI: flag > environment (CACHELINK_...) > config file > default.
// The file is $CACHELINK_CONFIG_DIR/config.yaml; a file that others could
// write is refused, because it decides which servers receive credentials.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/cachelink/cachelink/internal/clierr"
)

// Keys of the settings every run has, as written in config.yaml. The
// environment form is CACHELINK_ followed by the key in upper case with "."
// replaced by "_". Each provider adds its own (Options.Settings), named
// "<provider>.<key>".
const (
	Profile = "profile"  // --profile, CACHELINK_PROFILE
	NoInput = "no_input" // --no-input, CACHELINK_NO_INPUT
	Debug   = "debug"    // --debug, CACHELINK_DEBUG

	TokenStore     = "token_store"     // CACHELINK_TOKEN_STORE: auto, keyring or file
	KeyringTimeout = "keyring_timeout" // CACHELINK_KEYRING_TIMEOUT: bound on each keychain call
	// APITimeout bounds each request to a provider (its API, token and
	// revocation endpoints), retries included: CACHELINK_API_TIMEOUT.
	APITimeout = "api_timeout"
)

// Setting is one configuration key with its default.
type Setting struct {
	Key     string
	Default any
	// Endpoint marks a URL credentials are sent to: it must be https
	// (plain http only on loopback, for the sandbox).
	Endpoint bool
}

// Defaults are the values of the settings every run has, used when neither
// a flag, the environment nor the config file sets them.
func Defaults() map[string]any {
	return map[string]any{
		Profile:        "default",
		NoInput:        false,
		Debug:          false,
		TokenStore:     "auto",
		KeyringTimeout: "3s",
		APITimeout:     "60s",
	}
}

// EnvPrefix is the prefix of every environment variable cachelink reads.
const EnvPrefix = "CACHELINK"

// EnvName returns the environment variable that sets key.
func EnvName(key string) string {
	return EnvPrefix + "_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// Options says where to read from.
type Options struct {
	// File is the --config flag. Empty: Dir()/config.yaml, which may be absent.
	// A named file must exist.
	File string
	// Flags are bound on top of everything else: a flag the user set wins.
	// Flag names map to keys by replacing "-" with "_" ("no-input" -> no_input).
	Flags *pflag.FlagSet
	// Settings are the providers' keys, added to Defaults().
	Settings []Setting
	// Getenv reads the environment; nil means os.Getenv. Tests pass their
	// own, so they need not change the process's environment.
	Getenv func(string) string
}

// Config is the resolved configuration of one run.
type Config struct {
	v         *viper.Viper
	file      string   // the file read, or "" when none
	endpoints []string // keys of the settings marked Endpoint
	// env holds the keys set in the environment, and flags the flags bound
	// to keys: a flag the user set wins over env, env over the file.
	env   map[string]string
	flags map[string]*pflag.Flag
	// unknown are the keys of the file that no setting has (Unknown).
	unknown []UnknownKey
}

// Error is a problem with the configuration itself; Usage is true when it
// comes from what the user typed (a --config path that does not exist).
type Error struct {
	Usage bool
	Err   error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Dir is the configuration directory: $CACHELINK_CONFIG_DIR (read with
// getenv; nil means os.Getenv), else os.UserConfigDir()/cachelink.
func Dir(getenv func(string) string) (string, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if d := getenv(EnvPrefix + "_CONFIG_DIR"); d != "" {
		return d, nil
	}
	base, err := os.UserConfigDir()
	if err != nil {
		return "", clierr.Hinted(fmt.Errorf("cannot find a configuration directory (%w)", err), "Set "+EnvPrefix+"_CONFIG_DIR.")
	}
	return filepath.Join(base, "cachelink"), nil
}

// Load resolves the configuration.
func Load(opts Options) (*Config, error) {
	v := viper.New()
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	defaults := Defaults()
	c := &Config{v: v, env: map[string]string{}, flags: map[string]*pflag.Flag{}}
	for _, st := range opts.Settings {
		defaults[st.Key] = st.Default
		if st.Endpoint {
			c.endpoints = append(c.endpoints, st.Key)
		}
	}
	for k, val := range defaults {
		v.SetDefault(k, val)
	}
	for k := range defaults {
		if val := getenv(EnvName(k)); val != "" {
			c.env[k] = val
		}
	}
	if opts.Flags != nil {
		var bindErr error
		opts.Flags.VisitAll(func(f *pflag.Flag) {
			key := strings.ReplaceAll(f.Name, "-", "_")
			if _, known := defaults[key]; known && bindErr == nil {
				bindErr = v.BindPFlag(key, f)
				c.flags[key] = f
			}
		})
		if bindErr != nil {
			return nil, bindErr
		}
	}

	path, explicit := opts.File, opts.File != ""
	if !explicit {
		dir, err := Dir(getenv)
		if err != nil {
			return nil, &Error{Err: err}
		}
		path = filepath.Join(dir, "config.yaml")
	}
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !explicit:
		return c, c.check()
	case errors.Is(err, fs.ErrNotExist):
		return nil, &Error{Usage: true, Err: clierr.Hinted(fmt.Errorf("config file %s does not exist", path), "Create it, or drop --config.")}
	case err != nil:
		return nil, &Error{Err: fmt.Errorf("cannot read config file: %w", err)}
	case info.IsDir():
		return nil, &Error{Usage: explicit, Err: clierr.Hinted(fmt.Errorf("config file %s is a directory", path),
			fmt.Sprintf("Point --config or %s_CONFIG_DIR at a regular file.", EnvPrefix))}
	case !info.Mode().IsRegular():
		// A FIFO would block the run until someone writes to it, a
		// device would be read forever: neither is a config file.
		return nil, &Error{Usage: explicit, Err: clierr.Hinted(fmt.Errorf("config file %s is not a regular file (%s)", path, fileKind(info.Mode())),
			fmt.Sprintf("Point --config or %s_CONFIG_DIR at a regular file.", EnvPrefix))}
	}
	if err := checkPermissions(path, info.Mode()); err != nil {
		return nil, &Error{Err: err}
	}
	data, err := readRegular(path)
	if err != nil {
		return nil, &Error{Usage: explicit, Err: err}
	}
	v.SetConfigFile(path)
	v.SetConfigType("yaml")
	if err := v.ReadConfig(bytes.NewReader(data)); err != nil {
		return nil, &Error{Err: clierr.Hinted(fmt.Errorf("config file %s is not valid YAML: %w", path, err),
			fmt.Sprintf("Fix the YAML in %s, or move the file aside to use the defaults.", path))}
	}
	c.file = path
	c.unknown = unknownKeys(data, defaults)
	return c, c.check()
}

// maxFileSize bounds what is read of a config file.
const maxFileSize = 1 << 20

// readRegular reads the config file at path, checking again on the open
// file that it is a regular file (it may have been replaced since it was
// looked at), and at most maxFileSize bytes of it.
func readRegular(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read config file: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("cannot read config file: %w", err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("config file %s is not a regular file (%s)", path, fileKind(info.Mode()))
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read config file %s: %w", path, err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("config file %s is bigger than %d bytes", path, maxFileSize)
	}
	return data, nil
}

// fileKind names the type of a file that is not a regular file.
func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "a special file"
}

// checkEndpoints refuses an endpoint that would carry tokens, secrets or
// API keys in clear text: https is required, except on the loopback
// interface (the sandbox).
func (c *Config) checkEndpoints() error {
	for _, key := range c.endpoints {
		raw := c.String(key)
		u, err := url.Parse(raw)
		bad := err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http")
		if !bad && u.Scheme == "http" {
			h := u.Hostname()
			ip := net.ParseIP(h)
			bad = h != "localhost" && (ip == nil || !ip.IsLoopback())
		}
		if bad {
			return &Error{Usage: true, Err: fmt.Errorf("%s (%s) is %q: want an https:// URL (plain http only on localhost, for the sandbox)", key, EnvName(key), raw)}
		}
	}
	return nil
}

// checkPermissions refuses a config file that anyone but its owner can write:
// it names the servers cachelink sends credentials to.
func checkPermissions(path string, mode fs.FileMode) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	if mode.Perm()&0o022 != 0 {
		return clierr.Hinted(fmt.Errorf("config file %s is writable by group or others (mode %04o), so it is ignored", path, mode.Perm()), "Run: chmod go-w "+path)
	}
	return nil
}

// Endpoints are the keys of the provider endpoints credentials are sent
// to, in the order the settings were given.
func (c *Config) Endpoints() []string { return c.endpoints }

// File is the config file that was read, or "" when there was none.
func (c *Config) File() string { return c.file }

// String returns the value of key.
func (c *Config) String(key string) string {
	if f := c.flags[key]; f != nil && f.Changed {
		return c.v.GetString(key)
	}
	if val, ok := c.env[key]; ok {
		return val
	}
	return c.v.GetString(key)
}

// Duration returns the value of key as a duration ("3s", "500ms"). A value
// that is not a positive duration is a usage error naming the key.
func (c *Config) Duration(key string) (time.Duration, error) {
	raw := c.String(key)
	d, err := time.ParseDuration(raw)
	if err != nil || d <= 0 {
		return 0, &Error{Usage: true, Err: fmt.Errorf("%s (%s) is %q: want a positive duration such as 3s or 500ms", key, EnvName(key), raw)}
	}
	return d, nil
}

// Explicit reports whether key was set by the user: a flag given on the
// command line, its environment variable, or the config file. A key at its
// default is not (`--profile typo` is explicit; no --profile is not).
func (c *Config) Explicit(key string) bool {
	if f := c.flags[key]; f != nil && f.Changed {
		return true
	}
	if _, ok := c.env[key]; ok {
		return true
	}
	return c.file != "" && c.v.InConfig(key)
}

// Bool returns the value of key.
func (c *Config) Bool(key string) bool {
	if f := c.flags[key]; f != nil && f.Changed {
		return c.v.GetBool(key)
	}
	if val, ok := c.env[key]; ok {
		b, _ := strconv.ParseBool(val)
		return b
	}
	return c.v.GetBool(key)
}
