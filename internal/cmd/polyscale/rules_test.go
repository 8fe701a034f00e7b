package polyscale_test

// These tests run `cachelink rules` (list, set, delete) in-process against
// the sandbox and read as the specification of PolyScale's cache rules in
// cachelink: which rule each combination of flags makes, what is printed
// where, which requests reach PolyScale, and the exit codes.

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/cachelink/cachelink/internal/cmdtest"
	"github.com/cachelink/cachelink/internal/sandbox"
)

// rulesEnv is a sandbox in CI mode (POLYSCALE_API_KEY set) with one cache,
// "shop"; it returns the cache's id.
func rulesEnv(t *testing.T) (*cmdtest.Env, string) {
	t.Helper()
	e := cmdtest.New(t, cmdtest.Options{Sandbox: sandbox.Options{PolyScaleAPIKey: "ci-key"}})
	return e, rulesNewCache(t, e)
}

// rulesNewCache creates the cache "shop" and returns its id.
func rulesNewCache(t *testing.T, e *cmdtest.Env) string {
	t.Helper()
	r := e.ExpectExit(t, 0, "create", "polyscale", "--name", "shop", "--type", "postgres", "--host", "db.example.com", "--port", "5432", "--skip-dns-check")
	return strings.TrimSpace(r.Stdout)
}

// rulesStored is what PolyScale (the sandbox) holds for the cache, by key.
func rulesStored(e *cmdtest.Env, cacheID string) map[string]sandbox.CacheRule {
	out := map[string]sandbox.CacheRule{}
	for _, r := range e.Sandbox.Store.State().CacheRules {
		if r.CacheID == cacheID {
			out[r.Key] = r
		}
	}
	return out
}

// ruleOut is a rule as -o json prints it.
type ruleOut struct {
	Key        string `json:"key"`
	Type       string `json:"type"`
	TTLSeconds *int64 `json:"ttl_seconds"`
	Name       string `json:"name"`
	CacheID    string `json:"cache_id"`
	Deleted    bool   `json:"deleted"`
}

func decodeRule(t *testing.T, stdout string) ruleOut {
	t.Helper()
	var r ruleOut
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("stdout is not one JSON rule: %v\n%s", err, stdout)
	}
	return r
}

func secs(n int64) *int64 { return &n }

// sqlKey is the key of a QUERY rule: the first 16 hex characters of the
// SHA-256 of the SQL.
func sqlKey(sql string) string {
	sum := sha256.Sum256([]byte(sql))
	return hex.EncodeToString(sum[:])[:16]
}

const productSQL = "SELECT * FROM products WHERE id = $1"

func TestRuleSetMakesOneRuleForEachTargetAndMode(t *testing.T) {
	t.Parallel()
	e, id := rulesEnv(t)
	tests := []struct {
		name string
		args []string
		want ruleOut
	}{
		{"a table with a TTL", []string{"--table", "orders", "--ttl", "5m"},
			ruleOut{Key: "orders", Type: "TABLE", TTLSeconds: secs(300)}},
		{"a table with a name", []string{"--table", "customers", "--ttl", "90s", "--name", "hot customers"},
			ruleOut{Key: "customers", Type: "TABLE", TTLSeconds: secs(90), Name: "hot customers"}},
		// No --query: set refuses it (TestRuleSetRefusesQuery).
		{"a template with a TTL", []string{"--template", "tmpl-1", "--ttl", "1h30m"},
			ruleOut{Key: "tmpl-1", Type: "TEMPLATE", TTLSeconds: secs(5400)}},
		{"a template with the longest TTL", []string{"--template", "tmpl-max", "--ttl", "2147483647s"},
			ruleOut{Key: "tmpl-max", Type: "TEMPLATE", TTLSeconds: secs(2147483647)}},
		{"a template PolyScale decides for", []string{"--template", "tmpl-2", "--auto"},
			ruleOut{Key: "tmpl-2", Type: "AUTO"}},
		{"a template out of automatic caching", []string{"--template", "tmpl-3", "--manual"},
			ruleOut{Key: "tmpl-3", Type: "MANUAL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"rules", "set", "shop", "-o", "json"}, tt.args...)
			r := e.ExpectExit(t, 0, args...)

			want := tt.want
			want.CacheID = id
			if got := decodeRule(t, r.Stdout); !reflect.DeepEqual(got, want) {
				t.Errorf("stdout rule = %+v\nwant          %+v", got, want)
			}
			if !strings.HasPrefix(r.Stderr, "✓ Created the "+want.Type+" rule of ") {
				t.Errorf("stderr should say the rule was created:\n%s", r.Stderr)
			}
			stored, ok := rulesStored(e, id)[want.Key]
			if !ok {
				t.Fatalf("PolyScale has no rule %q", want.Key)
			}
			if stored.Type != want.Type || !reflect.DeepEqual(stored.Value, want.TTLSeconds) || stored.Name != want.Name {
				t.Errorf("PolyScale holds %+v, want type %s, value %v, name %q", stored, want.Type, want.TTLSeconds, want.Name)
			}
		})
	}
	if n := len(rulesStored(e, id)); n != len(tests) {
		t.Errorf("PolyScale holds %d rules, want %d", n, len(tests))
	}
}

func TestRuleSetWithoutJSONPrintsNothingOnStdout(t *testing.T) {
	t.Parallel()
	e, _ := rulesEnv(t)
	r := e.ExpectExit(t, 0, "rules", "set", "shop", "--table", "orders", "--ttl", "5m")
	if r.Stdout != "" {
		t.Errorf("stdout = %q, want nothing: the ✓ line goes to stderr", r.Stdout)
	}
	if r.Stderr != "✓ Created the TABLE rule of table orders on the cache shop: TTL 5m\n" {
		t.Errorf("stderr = %q", r.Stderr)
	}
}

func TestRuleListPipedTerminalAndJSON(t *testing.T) {
	t.Parallel()
	e, id := rulesEnv(t)
	e.ExpectExit(t, 0, "rules", "set", "shop", "--table", "orders", "--ttl", "5m")
	e.ExpectExit(t, 0, "rules", "set", "shop", "--template", "tmpl-1", "--auto")
	seedQueryRule(t, e, id, productSQL, 5400) // made by an earlier cachelink

	// Piped: tab-separated, no header, sorted by type then key; the TTL in
	// seconds, empty when the rule has none.
	r := e.ExpectExit(t, 0, "rules", "list", "shop")
	want := "AUTO\ttmpl-1\t\t\n" +
		"QUERY\t" + sqlKey(productSQL) + "\t5400\t" + productSQL + "\n" +
		"TABLE\torders\t300\t\n"
	if r.Stdout != want {
		t.Errorf("piped list:\n%q\nwant\n%q", r.Stdout, want)
	}
	if r.Stderr != "" {
		t.Errorf("stderr = %q, want nothing", r.Stderr)
	}

	// The cache can be named by id as well.
	if byID := e.ExpectExit(t, 0, "rules", "list", id); byID.Stdout != want {
		t.Errorf("list by id:\n%q\nwant\n%q", byID.Stdout, want)
	}

	// On a terminal: a table with a header and TTLs as durations.
	tty := e.RunOnTerminal("rules", "list", "shop")
	if tty.Code != 0 {
		t.Fatalf("list on a terminal: exit %d\n%s", tty.Code, tty.Stderr)
	}
	lines := strings.Split(strings.TrimSuffix(tty.Stdout, "\n"), "\n")
	if len(lines) != 4 || strings.Join(strings.Fields(lines[0]), " ") != "TYPE KEY TTL NAME" {
		t.Fatalf("terminal table:\n%s", tty.Stdout)
	}
	for i, fields := range [][]string{{"AUTO", "tmpl-1", "-"}, {"QUERY", sqlKey(productSQL), "1h30m", "SELECT"}, {"TABLE", "orders", "5m"}} {
		if got := strings.Fields(lines[i+1]); len(got) < len(fields) || !reflect.DeepEqual(got[:len(fields)], fields) {
			t.Errorf("terminal row %d = %q, want it to start with %q", i+1, lines[i+1], fields)
		}
	}

	// -o json: an array with the contract's keys, ttl_seconds null for AUTO.
	j := e.ExpectExit(t, 0, "rules", "list", "shop", "-o", "json")
	var raw []map[string]any
	if err := json.Unmarshal([]byte(j.Stdout), &raw); err != nil {
		t.Fatalf("list -o json: %v\n%s", err, j.Stdout)
	}
	if len(raw) != 3 {
		t.Fatalf("list -o json has %d rules, want 3:\n%s", len(raw), j.Stdout)
	}
	for _, obj := range raw {
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if want := []string{"cache_id", "key", "name", "ttl_seconds", "type"}; !reflect.DeepEqual(keys, want) {
			t.Errorf("JSON keys = %v, want %v", keys, want)
		}
	}
	var rules []ruleOut
	_ = json.Unmarshal([]byte(j.Stdout), &rules)
	wantJSON := []ruleOut{
		{Key: "tmpl-1", Type: "AUTO", CacheID: id},
		{Key: sqlKey(productSQL), Type: "QUERY", TTLSeconds: secs(5400), Name: productSQL, CacheID: id},
		{Key: "orders", Type: "TABLE", TTLSeconds: secs(300), CacheID: id},
	}
	if !reflect.DeepEqual(rules, wantJSON) {
		t.Errorf("list -o json = %+v\nwant %+v", rules, wantJSON)
	}
}

func TestRuleListOfACacheWithoutRules(t *testing.T) {
	t.Parallel()
	e, _ := rulesEnv(t)
	if r := e.ExpectExit(t, 0, "rules", "list", "shop"); r.Stdout != "" || r.Stderr != "" {
		t.Errorf("piped: stdout %q, stderr %q; want nothing at all", r.Stdout, r.Stderr)
	}
	if r := e.ExpectExit(t, 0, "rules", "list", "shop", "-o", "json"); r.Stdout != "[]\n" {
		t.Errorf("-o json = %q, want an empty array", r.Stdout)
	}
	tty := e.RunOnTerminal("rules", "list", "shop")
	if tty.Code != 0 || tty.Stdout != "" || !strings.Contains(tty.Stderr, "cachelink rules set shop --table NAME --ttl 5m") {
		t.Errorf("on a terminal: exit %d, stdout %q, stderr %q; want a hint on stderr only", tty.Code, tty.Stdout, tty.Stderr)
	}
}

func TestRuleSetUpdatesAnExistingRuleInPlace(t *testing.T) {
	t.Parallel()
	e, id := rulesEnv(t)
	e.ExpectExit(t, 0, "rules", "set", "shop", "--table", "orders", "--ttl", "5m")
	base := "/v1/caches/" + id + "/cache-ttls"
	posts, patches, deletes := e.CountRequests(t, "POST", base), e.CountRequests(t, "PATCH", base), e.CountRequests(t, "DELETE", base)

	// A new TTL is a PATCH of the same rule: no second rule.
	r := e.ExpectExit(t, 0, "rules", "set", "shop", "--table", "orders", "--ttl", "10m", "-o", "json")
	if got := decodeRule(t, r.Stdout); got.TTLSeconds == nil || *got.TTLSeconds != 600 {
		t.Errorf("stdout rule = %+v, want ttl_seconds 600", got)
	}
	if !strings.HasPrefix(r.Stderr, "✓ Updated the TABLE rule of table orders on the cache shop: TTL 10m") {
		t.Errorf("stderr = %q", r.Stderr)
	}
	if posts() != 0 || patches() != 1 || deletes() != 0 {
		t.Errorf("requests: %d POST, %d PATCH, %d DELETE; want one PATCH", posts(), patches(), deletes())
	}
	stored := rulesStored(e, id)
	if len(stored) != 1 || *stored["orders"].Value != 600 {
		t.Errorf("PolyScale holds %+v, want the one rule orders at 600s", stored)
	}

	// A name is patched the same way.
	e.ExpectExit(t, 0, "rules", "set", "shop", "--table", "orders", "--ttl", "10m", "--name", "orders hot path")
	if got := rulesStored(e, id)["orders"]; got.Name != "orders hot path" || *got.Value != 600 {
		t.Errorf("after renaming: %+v", got)
	}
	if patches() != 2 {
		t.Errorf("PATCH requests = %d, want 2", patches())
	}

	// Setting what is already there sends nothing and keeps the name.
	r = e.ExpectExit(t, 0, "rules", "set", "shop", "--table", "orders", "--ttl", "600s")
	if !strings.Contains(r.Stderr, "is already as asked: TTL 10m") {
		t.Errorf("stderr = %q", r.Stderr)
	}
	if posts() != 0 || patches() != 2 || deletes() != 0 {
		t.Errorf("requests: %d POST, %d PATCH, %d DELETE; want no new write", posts(), patches(), deletes())
	}
	if got := rulesStored(e, id)["orders"]; got.Name != "orders hot path" {
		t.Errorf("a set without --name changed the name to %q", got.Name)
	}
}

func TestRuleSetChangesTheTypeByReplacingTheRule(t *testing.T) {
	t.Parallel()
	e, id := rulesEnv(t)
	e.ExpectExit(t, 0, "rules", "set", "shop", "--template", "checkout", "--auto", "--name", "checkout flow")
	base := "/v1/caches/" + id + "/cache-ttls"
	posts, patches, deletes := e.CountRequests(t, "POST", base), e.CountRequests(t, "PATCH", base), e.CountRequests(t, "DELETE", base)

	// AUTO -> a TTL: PolyScale cannot patch a type, so the AUTO rule is
	// deleted and a TEMPLATE rule created under the same key, same name.
	r := e.ExpectExit(t, 0, "rules", "set", "shop", "--template", "checkout", "--ttl", "2m", "-o", "json")
	want := ruleOut{Key: "checkout", Type: "TEMPLATE", TTLSeconds: secs(120), Name: "checkout flow", CacheID: id}
	if got := decodeRule(t, r.Stdout); !reflect.DeepEqual(got, want) {
		t.Errorf("stdout rule = %+v\nwant %+v", got, want)
	}
	if !strings.HasPrefix(r.Stderr, "✓ Replaced the AUTO rule with the TEMPLATE rule of template checkout") {
		t.Errorf("stderr = %q", r.Stderr)
	}
	if deletes() != 1 || posts() != 1 || patches() != 0 {
		t.Errorf("requests: %d DELETE, %d POST, %d PATCH; want one DELETE then one POST", deletes(), posts(), patches())
	}
	stored := rulesStored(e, id)
	if len(stored) != 1 || stored["checkout"].Type != "TEMPLATE" || *stored["checkout"].Value != 120 {
		t.Errorf("PolyScale holds %+v, want one TEMPLATE rule at 120s", stored)
	}

	// And back: a TTL -> MANUAL.
	e.ExpectExit(t, 0, "rules", "set", "shop", "--template", "checkout", "--manual")
	if got := rulesStored(e, id)["checkout"]; got.Type != "MANUAL" || got.Value != nil || got.Name != "checkout flow" {
		t.Errorf("PolyScale holds %+v, want a MANUAL rule without a value, same name", got)
	}
}

func TestRuleSetRefusesAKeyHeldByAnotherKindOfRule(t *testing.T) {
	t.Parallel()
	e, id := rulesEnv(t)
	e.ExpectExit(t, 0, "rules", "set", "shop", "--table", "orders", "--ttl", "5m")

	// A template named like the table has the same key: set does not
	// silently replace the table's rule.
	r := e.ExpectExit(t, 2, "rules", "set", "shop", "--template", "orders", "--auto")
	for _, want := range []string{`the key "orders", which a TABLE rule of the cache shop already has`, "cachelink rules delete shop --key orders"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.Stderr)
		}
	}
	if got := rulesStored(e, id)["orders"]; got.Type != "TABLE" || *got.Value != 300 {
		t.Errorf("the table's rule changed: %+v", got)
	}
}

func TestRuleDeleteFindsTheRuleAndItsType(t *testing.T) {
	t.Parallel()
	e, id := rulesEnv(t)
	e.ExpectExit(t, 0, "rules", "set", "shop", "--table", "orders", "--ttl", "5m")
	seedQueryRule(t, e, id, productSQL, 30) // made by an earlier cachelink
	e.ExpectExit(t, 0, "rules", "set", "shop", "--template", "tmpl-1", "--auto")
	e.ExpectExit(t, 0, "rules", "set", "shop", "--template", "tmpl-2", "--manual")

	r := e.ExpectExit(t, 0, "rules", "delete", "shop", "--table", "orders")
	if r.Stdout != "" || r.Stderr != "✓ Deleted the TABLE rule of table orders from the cache shop\n" {
		t.Errorf("stdout %q, stderr %q", r.Stdout, r.Stderr)
	}

	// A query's rule an earlier cachelink made is found from its SQL;
	// whitespace around the SQL does not change the key.
	e.ExpectExit(t, 0, "rules", "delete", "shop", "--query", "  "+productSQL+"\n")

	// --template finds an AUTO rule too; -o json prints what was deleted.
	r = e.ExpectExit(t, 0, "rules", "delete", "shop", "--template", "tmpl-1", "-o", "json")
	want := ruleOut{Key: "tmpl-1", Type: "AUTO", CacheID: id, Deleted: true}
	if got := decodeRule(t, r.Stdout); !reflect.DeepEqual(got, want) {
		t.Errorf("stdout = %+v, want %+v", got, want)
	}

	// --key deletes whatever rule has the key, as `rules list` shows it.
	e.ExpectExit(t, 0, "rules", "delete", "shop", "--key", "tmpl-2")

	if stored := rulesStored(e, id); len(stored) != 0 {
		t.Errorf("PolyScale still holds %+v", stored)
	}
}

func TestRuleDeleteOfAMissingRuleExits3(t *testing.T) {
	t.Parallel()
	e, id := rulesEnv(t)
	r := e.ExpectExit(t, 3, "rules", "delete", "shop", "--table", "orders")
	for _, want := range []string{"the cache shop has no rule for table orders", "cachelink rules list shop"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.Stderr)
		}
	}
	e.ExpectExit(t, 3, "rules", "delete", "shop", "--query", productSQL)

	// A template named like a table has no rule of its own: the table's
	// rule stays.
	e.ExpectExit(t, 0, "rules", "set", "shop", "--table", "orders", "--ttl", "5m")
	r = e.ExpectExit(t, 3, "rules", "delete", "shop", "--template", "orders")
	if !strings.Contains(r.Stderr, "holds a TABLE rule") || !strings.Contains(r.Stderr, "--key orders") {
		t.Errorf("stderr should say which rule the key holds:\n%s", r.Stderr)
	}
	if _, ok := rulesStored(e, id)["orders"]; !ok {
		t.Error("the table's rule was deleted")
	}
}

func TestRuleCommandsOnAnUnknownCacheExit3(t *testing.T) {
	t.Parallel()
	e, id := rulesEnv(t)
	for _, ref := range []string{"no-such-cache", "00000000-0000-4000-8000-000000000000"} {
		for _, args := range [][]string{
			{"rules", "list", ref},
			{"rules", "set", ref, "--table", "orders", "--ttl", "5m"},
			{"rules", "delete", ref, "--table", "orders"},
		} {
			r := e.ExpectExit(t, 3, args...)
			if !strings.Contains(r.Stderr, "no PolyScale cache") || !strings.Contains(r.Stderr, "cachelink list polyscale") {
				t.Errorf("cachelink %s: stderr:\n%s", strings.Join(args, " "), r.Stderr)
			}
		}
	}
	if n := len(rulesStored(e, id)); n != 0 {
		t.Errorf("PolyScale holds %d rules, want none", n)
	}
}

func TestRuleFlagErrorsExit2BeforeAnyRequest(t *testing.T) {
	t.Parallel()
	e, id := rulesEnv(t)
	requests := e.CountRequests(t, "", "")
	tests := []struct {
		args []string
		want string // in stderr
	}{
		// What the rule is for: exactly one target.
		{[]string{"set", "shop", "--ttl", "5m"}, "needs what the rule is for: --table or --template"},
		{[]string{"set", "shop", "--table", "orders", "--template", "t1", "--ttl", "5m"}, "--table and --template cannot be used together"},
		{[]string{"set", "shop", "--table", "", "--ttl", "5m"}, "--table must not be empty"},
		{[]string{"set", "shop", "--query", "  ", "--ttl", "5m"}, "--query must not be empty"},
		{[]string{"set", "shop", "--table", "public/orders", "--ttl", "5m"}, "contains '/'"},
		{[]string{"set", "shop", "--template", "..", "--ttl", "5m"}, "is not a valid rule key"},
		// What the rule does: exactly one of --ttl, --auto, --manual.
		{[]string{"set", "shop", "--table", "orders"}, "needs what the rule does: --ttl DURATION, --auto or --manual"},
		{[]string{"set", "shop", "--template", "t1", "--ttl", "5m", "--auto"}, "--ttl and --auto cannot be used together"},
		{[]string{"set", "shop", "--template", "t1", "--auto", "--manual"}, "--auto and --manual cannot be used together"},
		// AUTO and MANUAL are for templates.
		{[]string{"set", "shop", "--table", "orders", "--auto"}, "--auto is for query templates (--template ID), not for tables"},
		{[]string{"set", "shop", "--query", "SELECT 1", "--manual"}, "set' does not take --query"},
		// --ttl: a duration of whole seconds, 1s to 2147483647s.
		{[]string{"set", "shop", "--table", "orders", "--ttl", "300"}, "--ttl 300 has no unit"},
		{[]string{"set", "shop", "--table", "orders", "--ttl", "5 minutes"}, `--ttl "5 minutes" is not a duration`},
		{[]string{"set", "shop", "--table", "orders", "--ttl", "0s"}, "--ttl 0s is too short: a rule caches for at least 1s"},
		{[]string{"set", "shop", "--table", "orders", "--ttl", "-5m"}, "--ttl -5m is too short"},
		{[]string{"set", "shop", "--table", "orders", "--ttl", "1500ms"}, "--ttl 1500ms is not a whole number of seconds"},
		{[]string{"set", "shop", "--table", "orders", "--ttl", "2147483648s"}, "--ttl 2147483648s is longer than PolyScale allows"},
		// Arguments and subcommands.
		{[]string{"set", "--table", "orders", "--ttl", "5m"}, "needs a cache id or name"},
		{[]string{"list"}, "needs a cache id or name"},
		{[]string{"list", "shop", "extra"}, "takes a cache id or name, got 2 arguments"},
		{[]string{"delete", "shop"}, "needs what the rule is for: --table, --query, --template or --key"},
		{[]string{"delete", "shop", "--table", "orders", "--key", "orders"}, "--table and --key cannot be used together"},
		{[]string{"delete", "shop", "--table", "orders", "--ttl", "5m"}, "unknown flag: --ttl"},
		{[]string{"set", "shop", "--key", "orders", "--ttl", "5m"}, "unknown flag: --key"},
		{nil, "needs a subcommand: list, set or delete"},
		{[]string{"purge-all"}, `unknown command "purge-all"`},
	}
	for _, tt := range tests {
		args := append([]string{"rules"}, tt.args...)
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := e.ExpectExit(t, 2, args...)
			if !strings.Contains(r.Stderr, tt.want) {
				t.Errorf("stderr lacks %q:\n%s", tt.want, r.Stderr)
			}
			if lines := strings.Split(strings.TrimSuffix(r.Stderr, "\n"), "\n"); len(lines) < 2 {
				t.Errorf("the error should come with a line saying what to do:\n%s", r.Stderr)
			}
		})
	}
	if n := requests(); n != 0 {
		t.Errorf("PolyScale received %d requests, want none: flags are checked first", n)
	}
	if n := len(rulesStored(e, id)); n != 0 {
		t.Errorf("PolyScale holds %d rules, want none", n)
	}
}

func TestRuleCommandsWithoutTheRuleScopesExit4NamingTheScope(t *testing.T) {
	t.Parallel()
	tests := []struct {
		scopes  string
		listOK  bool
		missing string // the scope the error names for set
	}{
		// Rules can be read but not written.
		{"caches:read,caches:write,cacheRules:read", true, "cacheRules:write"},
		// No rule scope at all: even reading the rules is refused.
		{"caches:read,caches:write", false, "cacheRules:read"},
	}
	for _, tt := range tests {
		t.Run(tt.scopes, func(t *testing.T) {
			t.Parallel()
			// A stored login, no API key: the token has only these scopes.
			e := cmdtest.New(t, cmdtest.Options{})
			e.ExpectExit(t, 0, "connect", "polyscale", "--scopes", tt.scopes)
			id := rulesNewCache(t, e)

			if tt.listOK {
				e.ExpectExit(t, 0, "rules", "list", "shop")
			} else if r := e.ExpectExit(t, 4, "rules", "list", "shop"); !strings.Contains(r.Stderr, "cacheRules:read") {
				t.Errorf("list: stderr should name cacheRules:read:\n%s", r.Stderr)
			}

			r := e.ExpectExit(t, 4, "rules", "set", "shop", "--table", "orders", "--ttl", "5m")
			for _, want := range []string{tt.missing, "cachelink connect polyscale --scopes"} {
				if !strings.Contains(r.Stderr, want) {
					t.Errorf("set: stderr lacks %q:\n%s", want, r.Stderr)
				}
			}
			if n := len(rulesStored(e, id)); n != 0 {
				t.Errorf("PolyScale holds %d rules, want none", n)
			}
		})
	}
}

func TestRuleSetWhoseAnswerWasLostFindsTheRuleInsteadOfFailing(t *testing.T) {
	t.Parallel()
	e, id := rulesEnv(t)
	// PolyScale creates the rule, then the connection drops before the answer.
	e.AddFault(t, sandbox.FaultRule{Kind: sandbox.FaultDropAfterCreate, Method: "POST", PathPrefix: "/v1/caches/" + id + "/cache-ttls"})
	r := e.ExpectExit(t, 0, "rules", "set", "shop", "--table", "orders", "--ttl", "5m", "-o", "json")
	if !strings.Contains(r.Stderr, "the answer to the create was lost") || !strings.Contains(r.Stderr, "✓ Created the TABLE rule") {
		t.Errorf("stderr = %q", r.Stderr)
	}
	if got := decodeRule(t, r.Stdout); got.Key != "orders" || got.TTLSeconds == nil || *got.TTLSeconds != 300 {
		t.Errorf("stdout rule = %+v", got)
	}
	if stored := rulesStored(e, id); len(stored) != 1 {
		t.Errorf("PolyScale holds %+v, want exactly one rule", stored)
	}
}
