// Package config reads cachelink's settings with one viper instance per
// command run (never viper's global), in the precedence users expect from
// every CLI: flag > environment (CACHELINK_...) > config file > default.
// The file is $CACHELINK_CONFIG_DIR/config.yaml; a file that others could
// write is refused, because it decides which servers receive credentials.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// Keys of the settings, as written in config.yaml. The environment form is
// CACHELINK_ followed by the key in upper case with "." replaced by "_".
const (
	PolyScaleAPIURL       = "polyscale.api_url"
	PolyScaleAuthURL      = "polyscale.auth_url"
	PolyScaleTokenURL     = "polyscale.token_url"
	PolyScaleRevokeURL    = "polyscale.revoke_url"
	PolyScaleClientID     = "polyscale.client_id"
	PolyScaleClientSecret = "polyscale.client_secret"
	PolyScaleRedirectURL  = "polyscale.redirect_url"
	PolyScaleEdgeHost     = "polyscale.edge_host"

	UpstashAPIURL      = "upstash.api_url"
	UpstashAuthURL     = "upstash.auth_url"
	UpstashTokenURL    = "upstash.token_url"
	UpstashClientID    = "upstash.client_id"
	UpstashRedirectURL = "upstash.redirect_url"

	Profile = "profile"  // --profile, CACHELINK_PROFILE
	NoInput = "no_input" // --no-input, CACHELINK_NO_INPUT
	Debug   = "debug"    // --debug, CACHELINK_DEBUG

	TokenStore     = "token_store"     // CACHELINK_TOKEN_STORE: auto, keyring or file
	KeyringTimeout = "keyring_timeout" // CACHELINK_KEYRING_TIMEOUT: bound on each keychain call
)

// Defaults are the values used when neither a flag, the environment nor the
// config file sets a key. The OAuth client ids and secret are set at build
// time through the variables below.
func Defaults() map[string]any {
	return map[string]any{
		PolyScaleAPIURL:       "https://api.polyscale.ai",
		PolyScaleAuthURL:      "https://auth.polyscale.ai/oauth2/auth",
		PolyScaleTokenURL:     "https://auth.polyscale.ai/oauth2/token",
		PolyScaleRevokeURL:    "https://auth.polyscale.ai/oauth2/revoke",
		PolyScaleClientID:     PolyScaleBuildClientID,
		PolyScaleClientSecret: PolyScaleBuildClientSecret,
		PolyScaleRedirectURL:  "http://localhost:3000/callback",
		PolyScaleEdgeHost:     "psedge.global",
		UpstashAPIURL:         "https://api.upstash.com",
		UpstashAuthURL:        "https://auth.upstash.com/authorize",
		UpstashTokenURL:       "https://auth.upstash.com/oauth/token",
		UpstashClientID:       UpstashBuildClientID,
		UpstashRedirectURL:    "http://localhost:3000",
		Profile:               "default",
		NoInput:               false,
		Debug:                 false,
		TokenStore:            "auto",
		KeyringTimeout:        "3s",
	}
}

// The registered OAuth apps, set by the release build with -ldflags -X.
var (
	PolyScaleBuildClientID     = ""
	PolyScaleBuildClientSecret = ""
	UpstashBuildClientID       = ""
)

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
}

// Config is the resolved configuration of one run.
type Config struct {
	v    *viper.Viper
	file string // the file read, or "" when none
}

// Error is a problem with the configuration itself; Usage is true when it
// comes from what the user typed (a --config path that does not exist).
type Error struct {
	Usage bool
	Err   error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Dir is the configuration directory: $CACHELINK_CONFIG_DIR, else
// os.UserConfigDir()/cachelink.
func Dir() (string, error) {
	if d := os.Getenv(EnvPrefix + "_CONFIG_DIR"); d != "" {
		return d, nil
	}
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("cannot find a configuration directory (%w); set %s_CONFIG_DIR", err, EnvPrefix)
	}
	return filepath.Join(base, "cachelink"), nil
}

// Load resolves the configuration.
func Load(opts Options) (*Config, error) {
	v := viper.New()
	defaults := Defaults()
	for k, val := range defaults {
		v.SetDefault(k, val)
	}
	v.SetEnvPrefix(EnvPrefix)
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()
	if opts.Flags != nil {
		var bindErr error
		opts.Flags.VisitAll(func(f *pflag.Flag) {
			key := strings.ReplaceAll(f.Name, "-", "_")
			if _, known := defaults[key]; known && bindErr == nil {
				bindErr = v.BindPFlag(key, f)
			}
		})
		if bindErr != nil {
			return nil, bindErr
		}
	}

	c := &Config{v: v}
	path, explicit := opts.File, opts.File != ""
	if !explicit {
		dir, err := Dir()
		if err != nil {
			return nil, &Error{Err: err}
		}
		path = filepath.Join(dir, "config.yaml")
	}
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !explicit:
		return c, c.checkEndpoints()
	case errors.Is(err, fs.ErrNotExist):
		return nil, &Error{Usage: true, Err: fmt.Errorf("config file %s does not exist; create it or drop --config", path)}
	case err != nil:
		return nil, &Error{Err: fmt.Errorf("cannot read config file: %w", err)}
	case info.IsDir():
		return nil, &Error{Usage: explicit, Err: fmt.Errorf("config file %s is a directory", path)}
	}
	if err := checkPermissions(path, info.Mode()); err != nil {
		return nil, &Error{Err: err}
	}
	v.SetConfigFile(path)
	v.SetConfigType("yaml")
	if err := v.ReadInConfig(); err != nil {
		return nil, &Error{Err: fmt.Errorf("config file %s is not valid YAML: %w", path, err)}
	}
	c.file = path
	return c, c.checkEndpoints()
}

// endpointKeys are the provider endpoints credentials are sent to.
var endpointKeys = []string{PolyScaleAPIURL, PolyScaleAuthURL, PolyScaleTokenURL, PolyScaleRevokeURL,
	UpstashAPIURL, UpstashAuthURL, UpstashTokenURL}

// checkEndpoints refuses an endpoint that would carry tokens, secrets or
// API keys in clear text: https is required, except on the loopback
// interface (the sandbox).
func (c *Config) checkEndpoints() error {
	for _, key := range endpointKeys {
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
		return fmt.Errorf("config file %s is writable by group or others (mode %04o), so it is ignored; run: chmod go-w %s", path, mode.Perm(), path)
	}
	return nil
}

// File is the config file that was read, or "" when there was none.
func (c *Config) File() string { return c.file }

// String returns the value of key.
func (c *Config) String(key string) string { return c.v.GetString(key) }

// Duration returns the value of key as a duration ("3s", "500ms"). A value
// that is not a positive duration is a usage error naming the key.
func (c *Config) Duration(key string) (time.Duration, error) {
	raw := c.v.GetString(key)
	d, err := time.ParseDuration(raw)
	if err != nil || d <= 0 {
		return 0, &Error{Usage: true, Err: fmt.Errorf("%s (%s) is %q: want a positive duration such as 3s or 500ms", key, EnvName(key), raw)}
	}
	return d, nil
}

// Bool returns the value of key.
func (c *Config) Bool(key string) bool { return c.v.GetBool(key) }
