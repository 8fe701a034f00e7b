package config_test

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cachelink/cachelink/internal/config"
)

// A key no setting has is a typo viper would ignore without a word. It is
// reported (never an error: an old config file keeps working), with the
// key it probably meant.
func TestUnknownKeysAreReportedWithASuggestion(t *testing.T) {
	t.Parallel()
	dir, env := isolate(t)
	path := filepath.Join(dir, "config.yaml")
	writeFile(t, path, `profile: work
polyscale:
  edge_host: file.example
  api_urll: https://api.example
upstash: {}
edge_host: top.example
no_inputt: true
polyscal:
  edge_host: x
  token_url: y
flavour: vanilla
`, 0o600)
	c, err := config.Load(config.Options{Settings: settings, Getenv: env.get})
	if err != nil {
		t.Fatalf("an unknown key is an error: %v", err)
	}
	if got := c.String(edgeHost); got != "file.example" {
		t.Errorf("the known keys beside them are not read: edge host = %q", got)
	}
	want := []config.UnknownKey{
		{Key: "edge_host", Suggestion: "polyscale.edge_host"}, // the right key in the wrong place
		{Key: "flavour"}, // nothing close
		{Key: "no_inputt", Suggestion: "no_input"},
		{Key: "polyscal", Section: true, Suggestion: "polyscale"}, // one warning for the section
		{Key: "polyscale.api_urll", Suggestion: ""},               // the test's settings have no api_url
	}
	if got := c.Unknown(); !reflect.DeepEqual(got, want) {
		t.Errorf("Unknown() =\n%+v\nwant\n%+v", got, want)
	}
	warnings := strings.Join(c.Warnings(), "\n")
	for _, line := range []string{
		`unknown key "no_inputt" in ` + path + "\nDid you mean no_input?",
		`unknown section "polyscal" in ` + path + "\nDid you mean polyscale?",
		`unknown key "flavour" in ` + path,
	} {
		if !strings.Contains(warnings, line) {
			t.Errorf("warnings lack %q:\n%s", line, warnings)
		}
	}
}

func TestATypoOfAProviderKeyIsNamed(t *testing.T) {
	t.Parallel()
	dir, env := isolate(t)
	writeFile(t, filepath.Join(dir, "config.yaml"), "polyscale:\n  api_urll: https://api.example\n", 0o600)
	all := append([]config.Setting{{Key: "polyscale.api_url", Default: "https://api.polyscale.ai", Endpoint: true}}, settings...)
	c, err := config.Load(config.Options{Settings: all, Getenv: env.get})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`unknown key "polyscale.api_urll" in ` + filepath.Join(dir, "config.yaml") + "\nDid you mean polyscale.api_url?"}
	if got := c.Warnings(); !reflect.DeepEqual(got, want) {
		t.Errorf("Warnings() = %q, want %q", got, want)
	}
}

func TestAFileOfKnownKeysOrNoFileHasNoWarning(t *testing.T) {
	t.Parallel()
	dir, env := isolate(t)
	c, err := config.Load(config.Options{Settings: settings, Getenv: env.get})
	if err != nil || c.Unknown() != nil || c.Warnings() != nil {
		t.Fatalf("no file: Unknown() = %v, Warnings() = %v, err %v", c.Unknown(), c.Warnings(), err)
	}
	writeFile(t, filepath.Join(dir, "config.yaml"), "PROFILE: work\napi_timeout: 5s\npolyscale:\n  Edge_Host: e.example\n  token_url: https://t.example\nupstash:\n  redirect_url: http://localhost:3000\n", 0o600)
	c, err = config.Load(config.Options{Settings: settings, Getenv: env.get})
	if err != nil || c.Unknown() != nil {
		t.Fatalf("known keys (any case): Unknown() = %v, err %v", c.Unknown(), err)
	}
}

func TestAPITimeoutMustBeAPositiveDuration(t *testing.T) {
	t.Parallel()
	_, env := isolate(t)
	c, err := config.Load(config.Options{Settings: settings, Getenv: env.get})
	if err != nil {
		t.Fatal(err)
	}
	if d, err := c.Duration(config.APITimeout); err != nil || d.String() != "1m0s" {
		t.Errorf("default api_timeout = %v, %v; want 60s", d, err)
	}
	env["CACHELINK_API_TIMEOUT"] = "soon"
	_, err = config.Load(config.Options{Settings: settings, Getenv: env.get})
	var ce *config.Error
	if !errors.As(err, &ce) || !ce.Usage || !strings.Contains(err.Error(), "api_timeout") {
		t.Errorf("api_timeout=soon: err = %v, want a usage error naming the key", err)
	}
}
