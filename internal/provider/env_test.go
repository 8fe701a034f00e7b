package provider

import (
	"strings"
	"testing"

	"github.com/cachelink/cachelink/internal/clierr"
)

func TestEnvValueIsTrimmedAndMustFitAHeader(t *testing.T) {
	t.Parallel()
	env := map[string]string{"OK": " key-1\r\n", "EMPTY": " \n", "BAD": "key\n2", "CTRL": "k\x7fey"}
	getenv := func(k string) string { return env[k] }
	if v, err := EnvValue(getenv, "OK"); v != "key-1" || err != nil {
		t.Errorf("EnvValue(OK) = %q, %v; want key-1", v, err)
	}
	if v, err := EnvValue(getenv, "EMPTY"); v != "" || err != nil {
		t.Errorf("EnvValue(EMPTY) = %q, %v; want unset", v, err)
	}
	for _, name := range []string{"BAD", "CTRL"} {
		_, err := EnvValue(getenv, name)
		if clierr.KindOf(err) != clierr.Usage || !strings.Contains(err.Error(), name) {
			t.Errorf("EnvValue(%s) = %v; want a usage error naming it", name, err)
		}
	}
}
