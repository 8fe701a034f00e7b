// Package tzgeo guesses roughly where a machine is from its time zone, so
// that a list of cloud regions can be offered nearest first. It never asks
// the network: the zone comes from TZ or the system's zone setting, and a
// zone is placed by a small table of common zones, else by its continent
// and its standard UTC offset (15 degrees of longitude an hour). UTC and
// the Etc/ zones, usual on servers and in containers, place nothing.
package tzgeo

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Point is a place on Earth in degrees.
type Point struct{ Lat, Lon float64 }

// Zone is the IANA name of the time zone in use: TZ (without POSIX's
// leading ":"), else the target of /etc/localtime (Linux, macOS), else
// /etc/timezone (Debian); "" when none of them tells (Windows, or no
// setting), and then nothing can be placed.
func Zone(getenv func(string) string) string {
	if tz := strings.TrimPrefix(getenv("TZ"), ":"); tz != "" {
		return tz
	}
	if target, err := os.Readlink("/etc/localtime"); err == nil {
		if _, name, ok := strings.Cut(filepath.ToSlash(target), "zoneinfo/"); ok {
			return name
		}
	}
	if b, err := os.ReadFile("/etc/timezone"); err == nil {
		return strings.TrimSpace(string(b))
	}
	return ""
}

// Locate places zone roughly; ok is false when it cannot be told (UTC,
// Etc/, an unknown or POSIX-style zone).
func Locate(zone string) (p Point, ok bool) {
	zone = strings.TrimSpace(zone)
	if p, ok := zones[zone]; ok {
		return p, true
	}
	area, _, found := strings.Cut(zone, "/")
	lat, known := areas[area]
	if !found || !known {
		return Point{}, false
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return Point{}, false
	}
	// The standard offset is the smaller of winter's and summer's
	// (daylight saving adds an hour in either hemisphere).
	y := time.Now().Year()
	_, jan := time.Date(y, 1, 1, 12, 0, 0, 0, loc).Zone()
	_, jul := time.Date(y, 7, 1, 12, 0, 0, 0, loc).Zone()
	return Point{Lat: lat, Lon: float64(min(jan, jul)) / 3600 * 15}, true
}

// Distance is the great-circle distance between a and b in kilometres.
func Distance(a, b Point) float64 {
	const r = 6371
	rad := func(d float64) float64 { return d * math.Pi / 180 }
	dlat, dlon := rad(b.Lat-a.Lat), rad(b.Lon-a.Lon)
	h := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(rad(a.Lat))*math.Cos(rad(b.Lat))*math.Sin(dlon/2)*math.Sin(dlon/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(h)))
}

// areas is a typical latitude of each IANA area, for zones not in zones.
var areas = map[string]float64{
	"Europe": 50, "America": 40, "US": 40, "Canada": 50, "Asia": 30, "Africa": 5,
	"Australia": -30, "Pacific": -15, "Atlantic": 35, "Indian": -10,
}

// zones places the common zones, and those the rules of areas would put
// in the wrong hemisphere or continent.
var zones = map[string]Point{
	"America/New_York": {40.7, -74}, "America/Chicago": {41.9, -87.6}, "America/Denver": {39.7, -105},
	"America/Phoenix": {33.4, -112}, "America/Los_Angeles": {34, -118.2}, "America/Vancouver": {49.3, -123.1},
	"America/Toronto": {43.7, -79.4}, "America/Montreal": {45.5, -73.6}, "America/Halifax": {44.6, -63.6},
	"America/Anchorage": {61.2, -149.9}, "Pacific/Honolulu": {21.3, -157.9},
	"America/Mexico_City": {19.4, -99.1}, "America/Bogota": {4.7, -74.1}, "America/Lima": {-12, -77},
	"America/Caracas": {10.5, -66.9}, "America/Santiago": {-33.4, -70.7}, "America/Sao_Paulo": {-23.5, -46.6},
	"America/Argentina/Buenos_Aires": {-34.6, -58.4}, "America/Buenos_Aires": {-34.6, -58.4}, "America/Montevideo": {-34.9, -56.2},
	"Europe/London": {51.5, -0.1}, "Europe/Dublin": {53.3, -6.3}, "Europe/Lisbon": {38.7, -9.1},
	"Europe/Madrid": {40.4, -3.7}, "Europe/Paris": {48.9, 2.3}, "Europe/Brussels": {50.8, 4.4},
	"Europe/Amsterdam": {52.4, 4.9}, "Europe/Berlin": {52.5, 13.4}, "Europe/Zurich": {47.4, 8.5},
	"Europe/Rome": {41.9, 12.5}, "Europe/Stockholm": {59.3, 18.1}, "Europe/Warsaw": {52.2, 21},
	"Europe/Athens": {38, 23.7}, "Europe/Istanbul": {41, 29}, "Europe/Kiev": {50.5, 30.5}, "Europe/Kyiv": {50.5, 30.5},
	"Europe/Moscow":     {55.8, 37.6},
	"Africa/Casablanca": {33.6, -7.6}, "Africa/Lagos": {6.5, 3.4}, "Africa/Cairo": {30, 31.2},
	"Africa/Nairobi": {-1.3, 36.8}, "Africa/Johannesburg": {-26.2, 28}, "Africa/Windhoek": {-22.6, 17.1},
	"Asia/Dubai": {25.2, 55.3}, "Asia/Karachi": {24.9, 67}, "Asia/Kolkata": {22.6, 88.4}, "Asia/Calcutta": {22.6, 88.4},
	"Asia/Dhaka": {23.8, 90.4}, "Asia/Bangkok": {13.8, 100.5}, "Asia/Jakarta": {-6.2, 106.8},
	"Asia/Singapore": {1.35, 103.8}, "Asia/Kuala_Lumpur": {3.1, 101.7}, "Asia/Manila": {14.6, 121},
	"Asia/Hong_Kong": {22.3, 114.2}, "Asia/Shanghai": {31.2, 121.5}, "Asia/Taipei": {25, 121.5},
	"Asia/Seoul": {37.6, 127}, "Asia/Tokyo": {35.7, 139.7},
	"Australia/Perth": {-32, 115.9}, "Australia/Adelaide": {-34.9, 138.6}, "Australia/Brisbane": {-27.5, 153},
	"Australia/Sydney": {-33.9, 151.2}, "Australia/Melbourne": {-37.8, 145}, "Pacific/Auckland": {-36.8, 174.8},
}
