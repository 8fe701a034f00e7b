package polyscale_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/polyscale"
)

// Following a hint must log in to the profile in use, not overwrite the
// default one.
func TestHintsNameTheProfileInUse(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.HasPrefix(r.URL.Path, "/unauthorized/") {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"statusCode":401,"code":"UNAUTHORIZED","message":"bad token"}`))
			return
		}
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte(`{"statusCode":403,"code":"FORBIDDEN","message":"the token lacks the scope caches:write"}`))
	}))
	defer srv.Close()
	for _, tc := range []struct {
		profile, wantScopes, want401 string
	}{
		{"work", "cachelink connect polyscale --profile work --scopes ", "cachelink connect polyscale --profile work'"},
		{"default", "cachelink connect polyscale --scopes ", "cachelink connect polyscale'"},
		{"", "cachelink connect polyscale --scopes ", "cachelink connect polyscale'"},
	} {
		c := &polyscale.Client{BaseURL: srv.URL, HTTP: srv.Client(), Profile: tc.profile}
		_, err := c.ListCaches(context.Background())
		if hint := clierr.HintOf(err); !strings.Contains(hint, tc.wantScopes) || !strings.Contains(hint, "caches:write") {
			t.Errorf("profile %q: 403 hint %q, want %q", tc.profile, hint, tc.wantScopes)
		}
		c.BaseURL = srv.URL + "/unauthorized"
		_, err = c.ListCaches(context.Background())
		if hint := clierr.HintOf(err); !strings.Contains(hint, tc.want401) {
			t.Errorf("profile %q: 401 hint %q, want %q", tc.profile, hint, tc.want401)
		}
	}
}
