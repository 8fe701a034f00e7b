package upstash_test

// `create upstash` and the Developer API as published: the platform of the
// primary region, --plan, and endpoints that are bare slugs.

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/cachelink/cachelink/internal/cmdtest"
	"github.com/cachelink/cachelink/internal/sandbox"
)

func TestCreateRefusesPlatformAndPlanMistakesBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		args   []string // after create upstash
		stderr string   // a part of the message
	}{
		{"a GCP primary with an AWS read region", []string{"--name", "c", "--region", "us-central1", "--read-region", "us-east-1"},
			"us-central1 is a GCP region: read regions are AWS regions and need an AWS primary region"},
		{"a GCP primary with a GCP read region", []string{"--name", "c", "--region", "europe-west1", "--read-region", "us-central1"},
			"europe-west1 is a GCP region"},
		{"an unknown plan", []string{"--name", "c", "--region", "eu-west-1", "--plan", "fixed_2gb"},
			"Error: unknown plan \"fixed_2gb\"\nDid you mean fixed_1gb or fixed_5gb? Plans: free, payg, fixed_250mb, fixed_1gb, fixed_5gb, fixed_10gb, fixed_50gb, fixed_100gb, fixed_500gb\n"},
		{"the Database object's type as a plan", []string{"--name", "c", "--region", "eu-west-1", "--plan", "paid"}, `unknown plan "paid"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := ciMode(t)
			requests := e.CountRequests(t, "", "")
			r := expectExit(t, e, 2, append([]string{"create", "upstash"}, tt.args...)...)
			if !strings.Contains(r.Stderr, tt.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderr, r.Stderr)
			}
			if n := requests(); n != 0 {
				t.Errorf("%d requests reached Upstash; invalid input must be refused before the first", n)
			}
		})
	}
}

func TestCreateOnGCPAndWithAPlan(t *testing.T) {
	t.Parallel()
	e := ciMode(t)
	gcp := newDB(t, e, "on-gcp", "us-east4")
	fixed := newDB(t, e, "fixed", "us-east-1", "--read-region", "eu-west-1", "--plan", "fixed_1gb")
	payg := newDB(t, e, "payg", "asia-northeast1", "--plan", "payg")
	if gcp.PrimaryRegion != "us-east4" || gcp.Type != "free" {
		t.Errorf("GCP database = %+v", gcp)
	}
	// The sandbox answers a fixed plan with the Database object's type "paid".
	if fixed.Type != "paid" || payg.Type != "payg" {
		t.Errorf("plans: fixed_1gb gave %q, payg gave %q", fixed.Type, payg.Type)
	}
}

var slugEndpoint = regexp.MustCompile(`^[a-z]+-[a-z]+-\d{5}$`)

// An endpoint Upstash returns as a bare slug (beloved-stallion-58500)
// reaches every printed URL as SLUG.upstash.io, through create, connstr
// (every format), get and list.
func TestSlugEndpointsEndToEnd(t *testing.T) {
	t.Parallel()
	opts := sandbox.Options{Redis: sandbox.RedisSettings{SlugEndpoints: 1}}
	for _, mode := range []struct {
		name string
		env  func(*testing.T, ...sandbox.Options) *cmdtest.Env
	}{{"stored login", connected}, {"CI mode", ciMode}} {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			e := mode.env(t, opts)
			r := mustSucceed(t, e, "create", "upstash", "--name", "cache", "--region", "eu-west-1")
			d := onlyDatabase(t, e)
			if !slugEndpoint.MatchString(d.Endpoint) {
				t.Fatalf("the sandbox gave endpoint %q, want a bare slug", d.Endpoint)
			}
			host := d.Endpoint + ".upstash.io"
			redis := "rediss://default:" + d.Password + "@" + host + ":" + strconv.Itoa(d.Port)
			rest := "https://" + host
			if r.Stdout != redis+"\n" {
				t.Errorf("create printed %q, want %q", r.Stdout, redis)
			}
			if got := run(t, e, "connstr", "upstash", "cache").Stdout; got != redis+"\n" {
				t.Errorf("connstr = %q, want %q", got, redis)
			}
			if got := run(t, e, "connstr", "upstash", "cache", "--format", "rest").Stdout; got != rest+"\n" {
				t.Errorf("connstr --format rest = %q, want %q", got, rest)
			}
			wantEnv := "REDIS_URL=" + redis + "\nUPSTASH_REDIS_REST_URL=" + rest + "\nUPSTASH_REDIS_REST_TOKEN=" + d.RestToken + "\n"
			if got := run(t, e, "connstr", "upstash", d.DatabaseID, "--format", "env").Stdout; got != wantEnv {
				t.Errorf("connstr --format env =\n%s\nwant\n%s", got, wantEnv)
			}
			j := cmdtest.DecodePipedJSON[dbJSON](t, run(t, e, "connstr", "upstash", "cache", "--format", "json").Stdout)
			if j.Endpoint != host || j.RedisURL != redis || j.RESTURL != rest {
				t.Errorf("connstr --format json = %+v", j)
			}
			g := cmdtest.DecodePipedJSON[dbJSON](t, run(t, e, "get", "upstash", "cache", "-o", "json").Stdout)
			if g.Endpoint != host || g.RedisURL != redis || g.RESTURL != rest {
				t.Errorf("get -o json = %+v", g)
			}
			text := run(t, e, "get", "upstash", "cache").Stdout
			for _, want := range []string{"endpoint:       " + host + "\nport:           " + strconv.Itoa(d.Port) + "\n", "rediss://default:********@" + host + ":", rest} {
				if !strings.Contains(text, want) {
					t.Errorf("get lacks %q:\n%s", want, text)
				}
			}
			if strings.Contains(text, host+".upstash.io") {
				t.Errorf("get added the domain twice:\n%s", text)
			}
			if list := run(t, e, "list", "upstash").Stdout; !strings.Contains(list, host) {
				t.Errorf("list lacks %s:\n%s", host, list)
			}
		})
	}
}
