package upstash_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/upstash"
)

func TestTheAccountHintNamesTheProfileInUse(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`"Unauthorized"`))
	}))
	defer srv.Close()
	for profile, want := range map[string]string{
		"work":    "'cachelink connect upstash --profile work'",
		"default": "'cachelink connect upstash'",
	} {
		c := &upstash.Client{BaseURL: srv.URL, HTTP: srv.Client(), Profile: profile}
		_, err := c.ListDatabases(context.Background())
		if hint := clierr.HintOf(err); !strings.Contains(hint, want) || !strings.Contains(hint, "Vercel or Fly.io") {
			t.Errorf("profile %s: hint %q, want %s", profile, hint, want)
		}
	}
	if upstash.ProfileAccountHint("default") != upstash.AccountHint {
		t.Error("the default profile's hint differs from AccountHint")
	}
}
