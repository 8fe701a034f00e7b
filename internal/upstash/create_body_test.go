package upstash_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/upstash"
)

// The exact body of a Redis create: the specification's fields
// (database_name, platform derived from the primary region, primary_region,
// read_regions, plan, budget, eviction) and the older shape's region
// "global" and tls true, in this order.
func TestCreateSendsBothShapesOfTheBody(t *testing.T) {
	t.Parallel()
	budget, eviction := int64(20), true
	tests := []struct {
		name string
		in   upstash.NewDatabase
		want string
	}{
		{
			name: "AWS primary",
			in:   upstash.NewDatabase{Name: "cache", PrimaryRegion: "eu-west-1"},
			want: `{"database_name":"cache","platform":"aws","primary_region":"eu-west-1","region":"global","tls":true}`,
		},
		{
			name: "AWS primary, read regions and plan",
			in:   upstash.NewDatabase{Name: "cache", PrimaryRegion: "us-east-1", ReadRegions: []string{"eu-west-1", "ap-south-1"}, Plan: "fixed_1gb"},
			want: `{"database_name":"cache","platform":"aws","primary_region":"us-east-1","read_regions":["eu-west-1","ap-south-1"],"plan":"fixed_1gb","region":"global","tls":true}`,
		},
		{
			name: "AWS primary, every field",
			in:   upstash.NewDatabase{Name: "s", PrimaryRegion: "af-south-1", Plan: "payg", Budget: &budget, Eviction: &eviction},
			want: `{"database_name":"s","platform":"aws","primary_region":"af-south-1","plan":"payg","budget":20,"eviction":true,"region":"global","tls":true}`,
		},
		{
			name: "GCP primary",
			in:   upstash.NewDatabase{Name: "cache", PrimaryRegion: "us-central1"},
			want: `{"database_name":"cache","platform":"gcp","primary_region":"us-central1","region":"global","tls":true}`,
		},
		{
			name: "GCP primary and plan",
			in:   upstash.NewDatabase{Name: "cache", PrimaryRegion: "europe-west1", Plan: "free"},
			want: `{"database_name":"cache","platform":"gcp","primary_region":"europe-west1","plan":"free","region":"global","tls":true}`,
		},
		{
			// CreateDatabase fills platform, region and tls whatever the
			// caller put there.
			name: "platform, region and tls are the client's",
			in:   upstash.NewDatabase{Name: "cache", PrimaryRegion: "asia-northeast1", Platform: "aws", Region: "eu-west-1"},
			want: `{"database_name":"cache","platform":"gcp","primary_region":"asia-northeast1","region":"global","tls":true}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got, method, path, ctype string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				got, method, path, ctype = string(b), r.Method, r.URL.Path, r.Header.Get("Content-Type")
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"database_id":"3f6b2d4e-1111-4222-8333-444455556666","database_name":"cache","endpoint":"beloved-stallion-58500","port":6379}`))
			}))
			defer srv.Close()
			d, err := upstash.NewClient(srv.URL, srv.Client()).CreateDatabase(context.Background(), tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if method != http.MethodPost || path != "/v2/redis/database" || !strings.HasPrefix(ctype, "application/json") {
				t.Errorf("request = %s %s (%s)", method, path, ctype)
			}
			if strings.TrimSpace(got) != tt.want {
				t.Errorf("body =\n%s\nwant\n%s", strings.TrimSpace(got), tt.want)
			}
			if h := upstash.Host(d); h != "beloved-stallion-58500.upstash.io" {
				t.Errorf("host of a slug endpoint = %q", h)
			}
		})
	}
}

func TestPlatformOfEveryRegion(t *testing.T) {
	t.Parallel()
	for _, r := range upstash.PrimaryRegions {
		want := upstash.PlatformAWS
		if r == "us-central1" || r == "us-east4" || r == "europe-west1" || r == "asia-northeast1" {
			want = upstash.PlatformGCP
		}
		if got := upstash.PlatformOf(r); got != want {
			t.Errorf("PlatformOf(%s) = %q, want %q", r, got, want)
		}
	}
	if got := upstash.PlatformOf("mars-1"); got != "" {
		t.Errorf("PlatformOf(mars-1) = %q", got)
	}
}

func TestCheckRegionsAndPlan(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		primary string
		reads   []string
		want    string // "" = valid
	}{
		{"us-east-1", []string{"eu-west-1"}, ""},
		{"us-central1", nil, ""},
		{"us-central1", []string{"us-east-1"}, "us-central1 is a GCP region: read regions are AWS regions and need an AWS primary region"},
		{"europe-west1", []string{"eu-west-1"}, "europe-west1 is a GCP region"},
		{"eu-west-1", []string{"us-east4"}, `"us-east4" cannot be a read region`},
	} {
		err := upstash.CheckRegions(c.primary, c.reads)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s %v: %v", c.primary, c.reads, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s %v: %v, want %q", c.primary, c.reads, err, c.want)
		}
	}
	for _, p := range append([]string{""}, upstash.Plans...) {
		if err := upstash.CheckPlan(p); err != nil {
			t.Errorf("plan %q: %v", p, err)
		}
	}
	if len(upstash.Plans) != 9 || upstash.Plans[2] != "fixed_250mb" || upstash.Plans[8] != "fixed_500gb" {
		t.Errorf("Plans = %v, want the specification's nine", upstash.Plans)
	}
	for _, p := range []string{"pro", "paid", "fixed", "FREE", "fixed_2gb"} {
		err := upstash.CheckPlan(p)
		if err == nil || err.Error() != fmt.Sprintf("unknown plan %q", p) ||
			!strings.HasPrefix(clierr.HintOf(err), "Plans: free, payg, fixed_250mb, ") {
			t.Errorf("plan %q: %v (hint %q)", p, err, clierr.HintOf(err))
		}
	}
}
