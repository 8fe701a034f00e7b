package tzgeo_test

import (
	"testing"

	"github.com/cachelink/cachelink/internal/tzgeo"
)

func TestZoneComesFromTZFirst(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ tz, want string }{
		{"Europe/Berlin", "Europe/Berlin"},
		{":America/New_York", "America/New_York"}, // POSIX's leading colon
	} {
		getenv := func(k string) string {
			if k == "TZ" {
				return tc.tz
			}
			return ""
		}
		if got := tzgeo.Zone(getenv); got != tc.want {
			t.Errorf("Zone with TZ=%q = %q, want %q", tc.tz, got, tc.want)
		}
	}
}

func TestLocate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		zone   string
		ok     bool
		latMin float64 // a rough band: the point is a guess
		latMax float64
		lonMin float64
		lonMax float64
	}{
		{"Europe/Berlin", true, 50, 55, 10, 16},
		{"Australia/Sydney", true, -36, -30, 148, 154},
		{"America/Sao_Paulo", true, -26, -20, -50, -40},
		// Not in the table: the area's latitude, the standard offset's
		// longitude (UTC+1 is 15 degrees east).
		{"Europe/Vienna", true, 45, 55, 14, 16},
		{"America/Regina", true, 35, 45, -91, -89},
		{"UTC", false, 0, 0, 0, 0},
		{"Etc/UTC", false, 0, 0, 0, 0},
		{"", false, 0, 0, 0, 0},
		{"CET-1CEST", false, 0, 0, 0, 0},
		{"Nowhere/Special", false, 0, 0, 0, 0},
	} {
		p, ok := tzgeo.Locate(tc.zone)
		if ok != tc.ok {
			t.Errorf("Locate(%q) ok = %v, want %v", tc.zone, ok, tc.ok)
			continue
		}
		if ok && (p.Lat < tc.latMin || p.Lat > tc.latMax || p.Lon < tc.lonMin || p.Lon > tc.lonMax) {
			t.Errorf("Locate(%q) = %+v, out of its band", tc.zone, p)
		}
	}
}

func TestDistance(t *testing.T) {
	t.Parallel()
	london, paris := tzgeo.Point{Lat: 51.5, Lon: -0.1}, tzgeo.Point{Lat: 48.9, Lon: 2.3}
	if d := tzgeo.Distance(london, paris); d < 320 || d > 360 {
		t.Errorf("London-Paris = %.0f km, want about 340", d)
	}
	if d := tzgeo.Distance(paris, paris); d != 0 {
		t.Errorf("a place to itself = %v", d)
	}
}
