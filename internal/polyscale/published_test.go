package polyscale_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/polyscale"
)

// The create body carries cacheId, as PolyScale's own client sends it.
func TestCreateRuleSendsCacheID(t *testing.T) {
	t.Parallel()
	var body map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &body); err != nil {
			t.Errorf("body %q: %v", b, err)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		w.Write(b)
	}))
	defer srv.Close()
	c := &polyscale.Client{BaseURL: srv.URL, HTTP: srv.Client()}
	v := int64(300)
	got, err := c.CreateRule(context.Background(), "c-1", polyscale.Rule{Key: "orders", Type: polyscale.RuleTable, Value: &v})
	if err != nil {
		t.Fatal(err)
	}
	if body["cacheId"] != "c-1" || body["key"] != "orders" || body["type"] != "TABLE" || body["value"] != float64(300) {
		t.Errorf("create body = %v, want cacheId c-1, key, type and value", body)
	}
	if got.CacheID != "c-1" {
		t.Errorf("rule = %+v", got)
	}
}

// A 403's hint comes from the scope the request needs and the scopes the
// credential holds, whatever the answer's message says.
func TestForbiddenHintFromStatusAndScopesHeld(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		// A message naming another scope, or none, must not steer the hint.
		w.Write([]byte(`{"statusCode":403,"code":"FORBIDDEN","error":"Forbidden","message":"Forbidden resource caches:write"}`))
	}))
	defer srv.Close()
	held := func(scopes ...string) func(context.Context) ([]string, bool) {
		return func(context.Context) ([]string, bool) { return scopes, true }
	}
	for _, tc := range []struct {
		name   string
		scopes func(context.Context) ([]string, bool)
		call   func(*polyscale.Client) error
		want   []string
		reject string
	}{
		{"unknown scopes: the needed one", nil,
			func(c *polyscale.Client) error { _, err := c.ListRules(context.Background(), "c-1"); return err },
			[]string{"needs the scope cacheRules:read", "API key", "cachelink connect polyscale --scopes "}, "caches:write:"},
		{"a login without the scope", held("caches:read", "caches:write"),
			func(c *polyscale.Client) error {
				_, err := c.CreateRule(context.Background(), "c-1", polyscale.Rule{Key: "k", Type: polyscale.RuleAuto})
				return err
			},
			[]string{"lacks the scope cacheRules:write", "holds caches:read, caches:write", "--scopes caches:read,caches:write,cacheRules:read,cacheRules:write"}, ""},
		{"a login with the scope", held("caches:read"),
			func(c *polyscale.Client) error { _, err := c.ListCaches(context.Background()); return err },
			[]string{"holds the scope caches:read", "role"}, "lacks"},
	} {
		c := &polyscale.Client{BaseURL: srv.URL, HTTP: srv.Client(), HeldScopes: tc.scopes}
		err := tc.call(c)
		if clierr.KindOf(err) != clierr.Auth {
			t.Errorf("%s: kind %v, want Auth (exit 4): %v", tc.name, clierr.KindOf(err), err)
		}
		hint := clierr.HintOf(err)
		for _, w := range tc.want {
			if !strings.Contains(hint, w) {
				t.Errorf("%s: hint %q lacks %q", tc.name, hint, w)
			}
		}
		if tc.reject != "" && strings.Contains(hint, tc.reject) {
			t.Errorf("%s: hint %q has %q", tc.name, hint, tc.reject)
		}
	}
}
