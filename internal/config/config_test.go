package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/config"
)

// settings stand for the keys providers add; config knows none itself.
const edgeHost = "polyscale.edge_host"

var settings = []config.Setting{
	{Key: edgeHost, Default: "psedge.global"},
	{Key: "upstash.redirect_url", Default: "http://localhost:3000"},
	{Key: "polyscale.token_url", Default: "https://auth.polyscale.ai/oauth2/token", Endpoint: true},
}

// env is a test's own environment: tests pass its get as Options.Getenv
// instead of changing the process's, so they can run in parallel.
type env map[string]string

func (e env) get(k string) string { return e[k] }

// isolate returns an empty temporary config directory and an environment
// that points at it and holds nothing else.
func isolate(t *testing.T) (string, env) {
	t.Helper()
	dir := t.TempDir()
	return dir, env{"CACHELINK_CONFIG_DIR": dir}
}

func writeFile(t *testing.T, path, body string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func TestDefaultsWithoutAnyFile(t *testing.T) {
	t.Parallel()
	_, env := isolate(t)
	c, err := config.Load(config.Options{Settings: settings, Getenv: env.get})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.String(edgeHost); got != "psedge.global" {
		t.Errorf("edge host = %q, want the default psedge.global", got)
	}
	if got := c.String("upstash.redirect_url"); got != "http://localhost:3000" {
		t.Errorf("upstash redirect = %q", got)
	}
	if c.File() != "" {
		t.Errorf("File() = %q, want none", c.File())
	}
}

func TestPrecedenceFlagOverEnvOverFileOverDefault(t *testing.T) {
	t.Parallel()
	dir, env := isolate(t)
	writeFile(t, filepath.Join(dir, "config.yaml"), "polyscale:\n  edge_host: file.example\nno_input: true\nprofile: fromfile\n", 0o600)

	c, err := config.Load(config.Options{Settings: settings, Getenv: env.get})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.String(edgeHost); got != "file.example" {
		t.Errorf("file should beat the default: got %q", got)
	}

	env["CACHELINK_POLYSCALE_EDGE_HOST"] = "env.example:6432"
	env["CACHELINK_PROFILE"] = "fromenv"
	c, _ = config.Load(config.Options{Settings: settings, Getenv: env.get})
	if got := c.String(edgeHost); got != "env.example:6432" {
		t.Errorf("env should beat the file: got %q", got)
	}

	flags := pflag.NewFlagSet("t", pflag.ContinueOnError)
	flags.String("profile", "default", "")
	flags.Bool("no-input", false, "")
	if err := flags.Parse([]string{"--profile", "fromflag"}); err != nil {
		t.Fatal(err)
	}
	c, _ = config.Load(config.Options{Flags: flags, Settings: settings, Getenv: env.get})
	if got := c.String(config.Profile); got != "fromflag" {
		t.Errorf("a set flag should beat env and file: got %q", got)
	}
	if !c.Bool(config.NoInput) {
		t.Error("an unset flag must not hide the file's no_input: true")
	}
}

func TestExplicitConfigFileMustExist(t *testing.T) {
	t.Parallel()
	_, env := isolate(t)
	_, err := config.Load(config.Options{Settings: settings, File: filepath.Join(t.TempDir(), "missing.yaml"), Getenv: env.get})
	var cerr *config.Error
	if !errors.As(err, &cerr) || !cerr.Usage {
		t.Fatalf("err = %v, want a usage config.Error", err)
	}
	if !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("message %q should say the file does not exist", err)
	}
}

func TestWritableByOthersIsRefused(t *testing.T) {
	t.Parallel()
	dir, env := isolate(t)
	path := filepath.Join(dir, "config.yaml")
	for _, mode := range []os.FileMode{0o620, 0o602, 0o666} {
		writeFile(t, path, "polyscale:\n  edge_host: evil.example\n", mode)
		_, err := config.Load(config.Options{Settings: settings, Getenv: env.get})
		if err == nil {
			t.Fatalf("mode %04o: a group/world-writable config file was accepted", mode)
		}
		if !strings.Contains(clierr.HintOf(err), "chmod go-w") {
			t.Errorf("mode %04o: message %q should say how to fix it in its hint", mode, err)
		}
	}
	writeFile(t, path, "polyscale:\n  edge_host: ok.example\n", 0o644)
	c, err := config.Load(config.Options{Settings: settings, Getenv: env.get})
	if err != nil || c.String(edgeHost) != "ok.example" {
		t.Fatalf("a 0644 file should be read: %v", err)
	}
}

func TestInvalidYAMLIsAnError(t *testing.T) {
	t.Parallel()
	dir, env := isolate(t)
	writeFile(t, filepath.Join(dir, "config.yaml"), "polyscale: [unclosed\n", 0o600)
	_, err := config.Load(config.Options{Settings: settings, Getenv: env.get})
	if err == nil || !strings.Contains(err.Error(), "not valid YAML") {
		t.Fatalf("err = %v, want a YAML error", err)
	}
}

func TestEnvName(t *testing.T) {
	t.Parallel()
	if got := config.EnvName("polyscale.api_url"); got != "CACHELINK_POLYSCALE_API_URL" {
		t.Fatalf("EnvName = %q", got)
	}
}

// Endpoints carry tokens and keys: plain http is refused except on
// loopback, where the sandbox runs.
func TestEndpointsMustBeHTTPSExceptOnLoopback(t *testing.T) {
	t.Parallel()
	_, env := isolate(t)
	for value, ok := range map[string]bool{
		"https://auth.example.com/oauth2/token": true,
		"http://127.0.0.1:8085/oauth2/token":    true,
		"http://[::1]:8085/oauth2/token":        true,
		"http://localhost:8085/oauth2/token":    true,
		"http://auth.example.com/oauth2/token":  false,
		"ftp://auth.example.com/":               false,
		"auth.example.com":                      false,
	} {
		env["CACHELINK_POLYSCALE_TOKEN_URL"] = value
		_, err := config.Load(config.Options{Settings: settings, Getenv: env.get})
		if (err == nil) != ok {
			t.Errorf("%s: err = %v, want ok = %v", value, err, ok)
		}
		var cerr *config.Error
		if err != nil && (!errors.As(err, &cerr) || !cerr.Usage || !strings.Contains(err.Error(), "CACHELINK_POLYSCALE_TOKEN_URL")) {
			t.Errorf("%s: err = %v, want a usage error naming the variable", value, err)
		}
	}
}

func TestExplicitTellsASetKeyFromItsDefault(t *testing.T) {
	t.Parallel()
	dir, env := isolate(t)
	load := func(args ...string) *config.Config {
		t.Helper()
		flags := pflag.NewFlagSet("t", pflag.ContinueOnError)
		flags.String("profile", "default", "")
		if err := flags.Parse(args); err != nil {
			t.Fatal(err)
		}
		c, err := config.Load(config.Options{Flags: flags, Settings: settings, Getenv: env.get})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if load().Explicit(config.Profile) {
		t.Error("the default profile counts as explicit")
	}
	if c := load("--profile", "work"); !c.Explicit(config.Profile) || c.String(config.Profile) != "work" {
		t.Error("--profile work is not explicit")
	}
	if !load("--profile", "default").Explicit(config.Profile) {
		t.Error("--profile default given on the command line is not explicit")
	}
	env["CACHELINK_PROFILE"] = "fromenv"
	if !load().Explicit(config.Profile) {
		t.Error("CACHELINK_PROFILE is not explicit")
	}
	delete(env, "CACHELINK_PROFILE")
	writeFile(t, filepath.Join(dir, "config.yaml"), "profile: fromfile\n", 0o600)
	if !load().Explicit(config.Profile) {
		t.Error("a profile set in the config file is not explicit")
	}
	if load().Explicit(config.NoInput) {
		t.Error("no_input is set nowhere, yet explicit")
	}
}
