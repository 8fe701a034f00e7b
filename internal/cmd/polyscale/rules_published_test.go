package polyscale_test

// PolyScale as published (polyscale-node 0.0.23 and PolyScale's docs):
// AUTO and MANUAL on one key switch that key's rule, the create body
// carries cacheId, rules are for tables and template ids.

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/cachelink/cachelink/internal/cmdtest"
)

func TestRuleSetSwitchesAutoAndManualWithOneCreate(t *testing.T) {
	t.Parallel()
	e, id := rulesEnv(t)
	e.ExpectExit(t, 0, "rules", "set", "shop", "--template", "checkout", "--auto", "--name", "checkout flow")
	base := "/v1/caches/" + id + "/cache-ttls"
	posts, deletes := e.CountRequests(t, "POST", base), e.CountRequests(t, "DELETE", base)

	r := e.ExpectExit(t, 0, "rules", "set", "shop", "--template", "checkout", "--manual", "-o", "json")
	if got := decodeRule(t, r.Stdout); got.Type != "MANUAL" || got.Key != "checkout" || got.Name != "checkout flow" || got.CacheID != id {
		t.Errorf("stdout rule = %+v", got)
	}
	if !strings.HasPrefix(r.Stderr, "✓ Switched to the MANUAL rule of template checkout") {
		t.Errorf("stderr = %q", r.Stderr)
	}
	if posts() != 1 || deletes() != 0 {
		t.Errorf("requests: %d POST, %d DELETE; want one POST, no DELETE", posts(), deletes())
	}
	stored := rulesStored(e, id)
	if len(stored) != 1 || stored["checkout"].Type != "MANUAL" || stored["checkout"].Name != "checkout flow" {
		t.Errorf("PolyScale holds %+v, want one MANUAL rule, same name", stored)
	}

	e.ExpectExit(t, 0, "rules", "set", "shop", "--template", "checkout", "--auto")
	if stored := rulesStored(e, id); len(stored) != 1 || stored["checkout"].Type != "AUTO" {
		t.Errorf("PolyScale holds %+v, want one AUTO rule", stored)
	}
	if posts() != 2 || deletes() != 0 {
		t.Errorf("requests: %d POST, %d DELETE; want two POSTs, no DELETE", posts(), deletes())
	}
}

// The hint of a 403 names the scope the command needs and the scopes the
// stored login holds; the sandbox's message text plays no part.
func TestRulesWithoutTheScopeSayWhichTheLoginHolds(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	if r := e.Run("connect", "polyscale", "--scopes", "caches:read,caches:write"); r.Code != 0 {
		t.Fatalf("connect: exit %d\n%s", r.Code, r.Stderr)
	}
	rulesNewCache(t, e)
	r := e.ExpectExit(t, 4, "rules", "list", "shop")
	for _, want := range []string{"lacks the scope cacheRules:read (it holds caches:read, caches:write)", "cachelink connect polyscale --scopes caches:read,caches:write,cacheRules:read,cacheRules:write"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.Stderr)
		}
	}
}

// seedQueryRule stores, straight through the API, the QUERY rule an earlier
// cachelink made for sql with `rules set --query` (keyed by the SQL's hash,
// named by the SQL).
func seedQueryRule(t *testing.T, e *cmdtest.Env, cacheID, sql string, ttl int64) {
	t.Helper()
	body := fmt.Sprintf(`{"cacheId":%q,"key":%q,"type":"QUERY","value":%d,"name":%q}`, cacheID, sqlKey(sql), ttl, sql)
	req, _ := http.NewRequest(http.MethodPost, e.Server.URL+"/v1/caches/"+cacheID+"/cache-ttls", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+ciKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST QUERY rule: %s", resp.Status)
	}
}

// set makes no rule keyed by a hash of the SQL, which PolyScale never
// matches: --query is refused (exit 2, nothing sent) with a hint to use the
// template id. A QUERY rule already there is still listed and deletable.
func TestRuleSetRefusesQuery(t *testing.T) {
	t.Parallel()
	e, id := rulesEnv(t)
	requests := e.CountRequests(t, "", "/v1/")
	r := e.ExpectExit(t, 2, "rules", "set", "shop", "--query", productSQL, "--ttl", "30s")
	for _, want := range []string{"does not take --query", "template", "run 'cachelink rules set shop --template ID --ttl 30s'."} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.Stderr)
		}
	}
	if n := requests(); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
	if stored := rulesStored(e, id); len(stored) != 0 {
		t.Errorf("PolyScale holds %+v", stored)
	}
	if h := e.ExpectExit(t, 0, "rules", "set", "--help"); strings.Contains(h.Stdout, "--query string") {
		t.Errorf("set --help still offers --query:\n%s", h.Stdout)
	}

	seedQueryRule(t, e, id, productSQL, 30)
	l := e.ExpectExit(t, 0, "rules", "list", "shop")
	if want := "QUERY\t" + sqlKey(productSQL) + "\t30\t" + productSQL + "\n"; l.Stdout != want {
		t.Errorf("list = %q, want %q", l.Stdout, want)
	}
	e.ExpectExit(t, 0, "rules", "delete", "shop", "--key", sqlKey(productSQL))
	if stored := rulesStored(e, id); len(stored) != 0 {
		t.Errorf("PolyScale holds %+v", stored)
	}
}

// Tables and template ids go to PolyScale as given: the key is the table's
// name or the template id, nothing derived.
func TestRuleSetKeysAreTheTableAndTheTemplateID(t *testing.T) {
	t.Parallel()
	e, id := rulesEnv(t)
	e.ExpectExit(t, 0, "rules", "set", "shop", "--table", "public.orders", "--ttl", "5m")
	e.ExpectExit(t, 0, "rules", "set", "shop", "--template", "b2f6c9a1-0d4e-4b8a-9c3f-1e2d3c4b5a69", "--ttl", "30s")
	stored := rulesStored(e, id)
	if got := stored["public.orders"]; got.Type != "TABLE" || *got.Value != 300 {
		t.Errorf("table rule = %+v", got)
	}
	if got := stored["b2f6c9a1-0d4e-4b8a-9c3f-1e2d3c4b5a69"]; got.Type != "TEMPLATE" || *got.Value != 30 {
		t.Errorf("template rule = %+v", got)
	}
	if len(stored) != 2 {
		t.Errorf("PolyScale holds %+v", stored)
	}
}
