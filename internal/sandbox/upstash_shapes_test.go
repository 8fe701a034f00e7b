package sandbox

import (
	"regexp"
	"strings"
	"testing"
)

// The two shapes of a Redis create the sandbox accepts: the current
// specification's (platform, no region) and the older one (region
// "global", no platform), and both together as cachelink sends them.
func TestUpstashCreateShapes(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, RedisSettings{})
	auth := basicAuth(e.acct.Email, e.mintKey("k"))
	cases := []struct {
		name string
		body string
		typ  string
	}{
		{"specification, AWS", `{"database_name":"spec-aws","platform":"aws","primary_region":"us-east-1","read_regions":["eu-west-1"]}`, "free"},
		{"specification, GCP", `{"database_name":"spec-gcp","platform":"gcp","primary_region":"europe-west1","plan":"payg"}`, "payg"},
		{"specification, fixed plan", `{"database_name":"spec-fixed","platform":"aws","primary_region":"eu-west-1","plan":"fixed_1gb"}`, "paid"},
		{"older, no platform", `{"database_name":"old","region":"global","primary_region":"us-central1","tls":true}`, "free"},
		{"older, legacy name", `{"name":"older","region":"global","primary_region":"eu-west-1"}`, "free"},
		{"both, as cachelink sends", `{"database_name":"both","platform":"aws","primary_region":"us-east-1","read_regions":["us-west-2"],"plan":"free","region":"global","tls":true}`, "free"},
		{"Terraform's tls false", `{"database_name":"tf","region":"global","primary_region":"eu-west-1","tls":false,"budget":20}`, "payg"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.do("POST", "/v2/redis/database", c.body, auth)
			if r.status != 200 {
				t.Fatalf("create: %d %s", r.status, r.body)
			}
			var d Database
			r.json(t, &d)
			if d.Region != "global" || !d.TLS || d.Type != c.typ || d.DatabaseName == "" {
				t.Errorf("database = %s", r.body)
			}
		})
	}
}

// What the specification's shape refuses: a platform that is not the
// primary region's, read regions on GCP (read regions are AWS regions and a
// database lives on one platform), a regional create.
func TestUpstashCreateRefusals(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, RedisSettings{})
	auth := basicAuth(e.acct.Email, e.mintKey("k"))
	cases := []struct {
		name, body, want string
	}{
		{"aws platform, GCP primary", `{"database_name":"x","platform":"aws","primary_region":"us-central1"}`, "primary_region us-central1 is not available on platform aws"},
		{"gcp platform, AWS primary", `{"database_name":"x","platform":"gcp","primary_region":"eu-west-1"}`, "primary_region eu-west-1 is not available on platform gcp"},
		{"GCP primary with an AWS read region", `{"database_name":"x","platform":"gcp","primary_region":"us-central1","read_regions":["us-east-1"]}`, "read regions are only available for aws databases"},
		{"older shape, GCP primary with a read region", `{"database_name":"x","region":"global","primary_region":"us-east4","read_regions":["us-east-1"]}`, "read regions are only available for aws databases"},
		{"regional", `{"database_name":"x","region":"eu-west-1","primary_region":"eu-west-1"}`, "regional db creation is deprecated"},
		{"regional with platform", `{"database_name":"x","region":"us-east-1","platform":"aws","primary_region":"us-east-1"}`, "regional db creation is deprecated"},
		{"neither shape", `{"database_name":"x","primary_region":"eu-west-1"}`, "platform is required"},
		{"no primary", `{"database_name":"x","platform":"aws"}`, "primary_region is required"},
		{"plan of another product", `{"database_name":"x","platform":"aws","primary_region":"eu-west-1","plan":"pro"}`, "invalid plan: pro"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if msg := upErr(t, e.do("POST", "/v2/redis/database", c.body, auth), 400); msg != c.want && !strings.HasPrefix(msg, c.want) {
				t.Errorf("message %q, want %q", msg, c.want)
			}
		})
	}
	if n := e.counters.Snapshot().Creates; n != 0 {
		t.Errorf("refused creates counted: %d", n)
	}
}

// Errors are JSON-encoded strings with Upstash's wording.
func TestUpstashErrorsAreJSONStrings(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, RedisSettings{})
	auth := basicAuth(e.acct.Email, e.mintKey("k"))
	const id = "00000000-0000-4000-8000-000000000000"
	for _, req := range [][2]string{
		{"GET", "/v2/redis/database/" + id},
		{"DELETE", "/v2/redis/database/" + id},
		{"POST", "/v2/redis/reset-password/" + id},
	} {
		r := e.do(req[0], req[1], nil, auth)
		if got := strings.TrimSpace(string(r.body)); got != `"database not found"` {
			t.Errorf("%s %s: body %s, want the JSON string \"database not found\"", req[0], req[1], got)
		}
		upErr(t, r, 404)
	}
	upErr(t, e.do("GET", "/v2/redis/databases", nil, nil), 401)
	upErr(t, e.do("GET", "/v2/nothing-here", nil, auth), 404)
}

var bareSlug = regexp.MustCompile(`^[a-z]+-[a-z]+-\d{5}$`)

// RedisSettings.SlugEndpoints gives that share of new databases a bare
// slug (beloved-stallion-58500), the others a full host, in a repeatable
// order.
func TestUpstashSlugEndpoints(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		share float64
		want  string // s: slug, h: host, per database in creation order
	}{
		{0, "hhhh"},
		{0.5, "hshs"},
		{1, "ssss"},
		{0.25, "hhhs"},
	} {
		e := newTestEnv(t, RedisSettings{SlugEndpoints: c.share})
		auth := basicAuth(e.acct.Email, e.mintKey("k"))
		got := ""
		for range len(c.want) {
			var d Database
			e.do("POST", "/v2/redis/database", validDB(), auth).json(t, &d)
			switch {
			case bareSlug.MatchString(d.Endpoint):
				got += "s"
			case strings.HasSuffix(d.Endpoint, ".upstash.io"):
				got += "h"
			default:
				t.Fatalf("endpoint %q is neither a slug nor a host", d.Endpoint)
			}
		}
		if got != c.want {
			t.Errorf("share %v: %s, want %s", c.share, got, c.want)
		}
	}
	// A fixed endpoint wins.
	e := newTestEnv(t, RedisSettings{Endpoint: "127.0.0.1", SlugEndpoints: 1})
	var d Database
	e.do("POST", "/v2/redis/database", validDB(), basicAuth(e.acct.Email, e.mintKey("k"))).json(t, &d)
	if d.Endpoint != "127.0.0.1" {
		t.Errorf("endpoint %q, want the fixed one", d.Endpoint)
	}
}
