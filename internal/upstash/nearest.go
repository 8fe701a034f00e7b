package upstash

import (
	"slices"

	"github.com/cachelink/cachelink/internal/tzgeo"
)

// regionSites are where the regions are (AWS's and Google Cloud's
// published locations), for offering the nearest first and naming the
// city in a picker.
var regionSites = map[string]struct {
	City string
	At   tzgeo.Point
}{
	"us-east-1":       {"N. Virginia", tzgeo.Point{Lat: 38.9, Lon: -77.4}},
	"us-east-2":       {"Ohio", tzgeo.Point{Lat: 40, Lon: -83}},
	"us-west-1":       {"N. California", tzgeo.Point{Lat: 37.4, Lon: -122}},
	"us-west-2":       {"Oregon", tzgeo.Point{Lat: 45.6, Lon: -121.2}},
	"ca-central-1":    {"Montreal", tzgeo.Point{Lat: 45.5, Lon: -73.6}},
	"eu-central-1":    {"Frankfurt", tzgeo.Point{Lat: 50.1, Lon: 8.7}},
	"eu-west-1":       {"Ireland", tzgeo.Point{Lat: 53.3, Lon: -6.3}},
	"eu-west-2":       {"London", tzgeo.Point{Lat: 51.5, Lon: -0.1}},
	"sa-east-1":       {"São Paulo", tzgeo.Point{Lat: -23.5, Lon: -46.6}},
	"ap-south-1":      {"Mumbai", tzgeo.Point{Lat: 19.1, Lon: 72.9}},
	"ap-northeast-1":  {"Tokyo", tzgeo.Point{Lat: 35.7, Lon: 139.7}},
	"ap-southeast-1":  {"Singapore", tzgeo.Point{Lat: 1.35, Lon: 103.8}},
	"ap-southeast-2":  {"Sydney", tzgeo.Point{Lat: -33.9, Lon: 151.2}},
	"af-south-1":      {"Cape Town", tzgeo.Point{Lat: -33.9, Lon: 18.4}},
	"us-central1":     {"Iowa, GCP", tzgeo.Point{Lat: 41.3, Lon: -95.9}},
	"us-east4":        {"N. Virginia, GCP", tzgeo.Point{Lat: 39, Lon: -77.5}},
	"europe-west1":    {"Belgium, GCP", tzgeo.Point{Lat: 50.4, Lon: 3.8}},
	"asia-northeast1": {"Tokyo, GCP", tzgeo.Point{Lat: 35.7, Lon: 139.7}},
}

// RegionCity is where region is ("Frankfurt"), "" for an unknown one.
func RegionCity(region string) string { return regionSites[region].City }

// NearestFirst is regions ordered by distance from the place the time
// zone zone suggests (see tzgeo), the nearest first; regions equally far
// keep their order. ok is false, and regions come back in the order given
// (the published one), when zone places nothing (UTC, unknown).
func NearestFirst(regions []string, zone string) (sorted []string, ok bool) {
	sorted = slices.Clone(regions)
	here, ok := tzgeo.Locate(zone)
	if !ok {
		return sorted, false
	}
	dist := func(r string) float64 {
		s, known := regionSites[r]
		if !known {
			return 1e9 // unknown regions last
		}
		return tzgeo.Distance(here, s.At)
	}
	slices.SortStableFunc(sorted, func(a, b string) int {
		da, db := dist(a), dist(b)
		switch {
		case da < db:
			return -1
		case da > db:
			return 1
		}
		return 0
	})
	return sorted, true
}
