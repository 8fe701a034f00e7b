package upstash_test

import (
	"slices"
	"testing"

	"github.com/cachelink/cachelink/internal/upstash"
)

func TestNearestFirst(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		zone    string
		regions []string
		first   []string
		ok      bool
	}{
		{"Europe/Berlin", upstash.PrimaryRegions, []string{"eu-central-1", "europe-west1", "eu-west-2", "eu-west-1"}, true},
		{"America/Los_Angeles", upstash.PrimaryRegions, []string{"us-west-1", "us-west-2"}, true},
		{"Asia/Tokyo", upstash.PrimaryRegions, []string{"ap-northeast-1", "asia-northeast1"}, true}, // equally far: published order
		{"Australia/Sydney", upstash.PrimaryRegions, []string{"ap-southeast-2"}, true},
		{"America/Sao_Paulo", upstash.PrimaryRegions, []string{"sa-east-1"}, true},
		{"Africa/Johannesburg", upstash.PrimaryRegions, []string{"af-south-1"}, true},
		{"Asia/Kolkata", upstash.Vector.Regions, []string{"eu-west-1"}, true},
		{"America/New_York", upstash.Search.Regions, []string{"us-central1", "eu-west-1"}, true},
		{"UTC", upstash.PrimaryRegions, upstash.PrimaryRegions, false},
		{"", upstash.Vector.Regions, upstash.Vector.Regions, false},
	} {
		got, ok := upstash.NearestFirst(tc.regions, tc.zone)
		if ok != tc.ok || !slices.Equal(got[:len(tc.first)], tc.first) {
			t.Errorf("NearestFirst(%s) = %v, %v; want %v first, %v", tc.zone, got, ok, tc.first, tc.ok)
		}
		if sorted, all := slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(tc.regions)); !slices.Equal(sorted, all) {
			t.Errorf("NearestFirst(%s) lost or added regions: %v", tc.zone, got)
		}
	}
	for _, r := range upstash.PrimaryRegions {
		if upstash.RegionCity(r) == "" {
			t.Errorf("region %s has no place: it would sort last", r)
		}
	}
}
