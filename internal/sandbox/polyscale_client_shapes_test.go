package sandbox

import (
	"net/http"
	"strings"
	"testing"
)

// The steps PolyScale's own Node client (polyscale-node 0.0.23) takes in its
// example, against the sandbox, with the shapes its types expect.
func TestPolyScaleAsItsOwnClientUsesIt(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, RedisSettings{})
	auth := bearer(staticKey)

	r := e.do("POST", "/v1/caches", `{"name":"Example Cache","host":"localhost","port":4000,"database":"mysql","cachingEnabled":true,"defaultCachingBehaviour":"autoCached"}`, auth)
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var created struct{ ID string }
	r.json(t, &created)
	id := created.ID

	// Cache: every field the client's Cache type requires, on get and list.
	var one map[string]any
	e.do("GET", "/v1/caches/"+id, nil, auth).json(t, &one)
	var many []map[string]any
	e.do("GET", "/v1/caches", nil, auth).json(t, &many)
	if len(many) != 1 {
		t.Fatalf("list = %v", many)
	}
	for what, c := range map[string]map[string]any{"get": one, "list": many[0]} {
		for _, k := range []string{"id", "userId", "workspaceId", "name", "host", "database", "defaultCachingBehaviour", "createdAt", "connectionUriTemplate"} {
			if s, ok := c[k].(string); !ok || s == "" {
				t.Errorf("%s: %s = %v, want a non-empty string", what, k, c[k])
			}
		}
		if _, ok := c["port"].(float64); !ok {
			t.Errorf("%s: port = %v", what, c["port"])
		}
		if _, ok := c["cachingEnabled"].(bool); !ok {
			t.Errorf("%s: cachingEnabled = %v", what, c["cachingEnabled"])
		}
		if tmpl, _ := c["connectionUriTemplate"].(string); !strings.Contains(tmpl, id) || !strings.Contains(tmpl, "psedge.global:3306") {
			t.Errorf("%s: connectionUriTemplate %q lacks the cache id or the edge", what, tmpl)
		}
	}

	base := "/v1/caches/" + id + "/cache-ttls"
	rules := func() []CacheRule {
		t.Helper()
		var out []CacheRule
		e.do("GET", base, nil, auth).json(t, &out)
		return out
	}
	create := func(body string) {
		t.Helper()
		if r := e.do("POST", base, body, auth); r.status != http.StatusCreated {
			t.Fatalf("create %s: %d %s", body, r.status, r.body)
		}
	}

	// The client sends cacheId in the body.
	create(`{"cacheId":"` + id + `","type":"AUTO","key":"some-template"}`)
	if got := rules(); len(got) != 1 || got[0].Type != "AUTO" {
		t.Fatalf("after AUTO: %+v", got)
	}
	// MANUAL on the key that holds AUTO switches it: one rule, now MANUAL.
	create(`{"cacheId":"` + id + `","type":"MANUAL","key":"some-template"}`)
	if got := rules(); len(got) != 1 || got[0].Type != "MANUAL" || got[0].Key != "some-template" {
		t.Fatalf("after MANUAL: %+v", got)
	}
	// And back.
	create(`{"cacheId":"` + id + `","type":"AUTO","key":"some-template"}`)
	if got := rules(); len(got) != 1 || got[0].Type != "AUTO" {
		t.Fatalf("after AUTO again: %+v", got)
	}
	create(`{"cacheId":"` + id + `","type":"MANUAL","key":"some-template"}`)
	// The same type twice, or another type on the key, is still a conflict.
	polyErr(t, e.do("POST", base, `{"cacheId":"`+id+`","type":"MANUAL","key":"some-template"}`, auth), http.StatusConflict)
	polyErr(t, e.do("POST", base, `{"cacheId":"`+id+`","type":"TEMPLATE","value":5,"key":"some-template"}`, auth), http.StatusConflict)
	// A cacheId that is not the path's cache is refused.
	polyErr(t, e.do("POST", base, `{"cacheId":"00000000-0000-4000-8000-000000000000","type":"TABLE","value":5,"key":"t"}`, auth), http.StatusBadRequest)

	create(`{"cacheId":"` + id + `","type":"TABLE","value":5,"key":"tableA"}`)
	if got := rules(); len(got) != 2 {
		t.Fatalf("after TABLE: %+v", got)
	}
	if r := e.do("PATCH", base+"/tableA", `{"value":30}`, auth); r.status != http.StatusOK {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	for _, p := range []string{"/TABLE/tableA", "/MANUAL/some-template"} {
		if r := e.do("DELETE", base+p, nil, auth); r.status != http.StatusNoContent {
			t.Fatalf("delete %s: %d %s", p, r.status, r.body)
		}
	}
	if got := rules(); len(got) != 0 {
		t.Fatalf("after deletes: %+v", got)
	}
	if r := e.do("DELETE", "/v1/caches/"+id, nil, auth); r.status != http.StatusNoContent {
		t.Fatalf("delete cache: %d %s", r.status, r.body)
	}
}

// A cache saved before the sandbox returned connectionUriTemplate gets one
// when its state is loaded.
func TestLoadedCachesGetAConnectionURITemplate(t *testing.T) {
	t.Parallel()
	st := StoreState{Caches: []Cache{{ID: "c1", Database: "postgres"}}}
	st.normalize()
	if got := st.Caches[0].ConnectionURITemplate; !strings.Contains(got, "application_name=c1") {
		t.Errorf("template = %q", got)
	}
}
