package polyscale_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cachelink/cachelink/internal/clierr"

	"github.com/cachelink/cachelink/internal/polyscale"
)

func TestCheckScopes(t *testing.T) {
	t.Parallel()
	if err := polyscale.CheckScopes([]string{"caches:read", "cacheRules:write"}); err != nil {
		t.Errorf("known scopes refused: %v", err)
	}
	err := polyscale.CheckScopes([]string{"caches:admin"})
	if err == nil {
		t.Fatal("an unknown scope was accepted")
	}
	// The scope on the first line, the valid ones on the hint's.
	if err.Error() != `unknown PolyScale scope "caches:admin"` || clierr.HintOf(err) != "Scopes: "+strings.Join(polyscale.Scopes, ", ") {
		t.Errorf("CheckScopes: %q, hint %q", err, clierr.HintOf(err))
	}
}

// PolyScale's errors map to the contract's exit codes, keep the server's
// message, and only a create can be "ambiguous".
func TestErrorsMapToExitCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method  string
		status  int
		body    string
		kind    clierr.Kind
		inError string
		inHint  string
		ambig   bool
	}{
		{"POST", 400, `{"statusCode":400,"code":"VALIDATION_ERROR","error":"Bad Request","message":"host must not be empty"}`, clierr.Usage, "host must not be empty", "", false},
		{"GET", 401, `{"statusCode":401,"message":"invalid or expired access token"}`, clierr.Auth, "401", "cachelink connect polyscale", false},
		{"POST", 403, `{"statusCode":403,"code":"INSUFFICIENT_SCOPE","message":"the access token is missing the required scope caches:write"}`, clierr.Auth, "caches:write", "--scopes", false},
		{"GET", 404, `{"statusCode":404,"message":"cache x not found"}`, clierr.NotFound, "cache x not found", "", false},
		{"POST", 409, `{"statusCode":409,"message":"exists"}`, clierr.Usage, "exists", "", false},
		{"GET", 429, `{}`, clierr.Unreachable, "429", "try again later", false},
		{"GET", 502, `not json`, clierr.Unreachable, "502", "", false},
		{"POST", 502, ``, clierr.Unreachable, "502", "", true},
		{"POST", 503, ``, clierr.Unreachable, "503", "", false},
	}
	for _, tt := range tests {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(tt.status)
			_, _ = w.Write([]byte(tt.body))
		}))
		c := &polyscale.Client{BaseURL: srv.URL, HTTP: srv.Client()}
		var err error
		if tt.method == "POST" {
			_, err = c.CreateCache(context.Background(), polyscale.NewCache{Name: "n"})
		} else {
			_, err = c.ListCaches(context.Background())
		}
		srv.Close()
		if clierr.KindOf(err) != tt.kind || !strings.Contains(err.Error(), tt.inError) || !strings.Contains(clierr.HintOf(err), tt.inHint) {
			t.Errorf("%s %d: kind %v, err %q, hint %q", tt.method, tt.status, clierr.KindOf(err), err, clierr.HintOf(err))
		}
		if errors.Is(err, polyscale.ErrAmbiguous) != tt.ambig {
			t.Errorf("%s %d: ambiguous = %v, want %v", tt.method, tt.status, !tt.ambig, tt.ambig)
		}
	}
}
