// Package build says which cachelink this is. Release builds set the
// variables below with -ldflags; a `go install` or `go build` falls back to
// what the Go toolchain recorded in the binary, so every binary can answer
// `cachelink version` and send a meaningful User-Agent.
package build

import (
	"runtime"
	"runtime/debug"
)

// Set at link time by the release build, for example:
//
//	-X github.com/cachelink/cachelink/internal/build.Version=1.2.3
var (
	Version = "" // semantic version without the leading "v"; empty: read the build info
	Commit  = "" // full commit hash; empty: read the build info
	Date    = "" // RFC 3339 build or commit time; empty: read the build info
)

// Info describes one binary.
type Info struct {
	Version   string `json:"version"`    // "1.2.3", or "dev" for a local build
	Commit    string `json:"commit"`     // commit hash, or "" when unknown
	Date      string `json:"date"`       // RFC 3339 time, or "" when unknown
	GoVersion string `json:"go_version"` // the toolchain that built it
	Platform  string `json:"platform"`   // GOOS/GOARCH
}

// Current returns the Info of the running binary.
func Current() Info {
	info := Info{
		Version:   Version,
		Commit:    Commit,
		Date:      Date,
		GoVersion: runtime.Version(),
		Platform:  runtime.GOOS + "/" + runtime.GOARCH,
	}
	bi, ok := debug.ReadBuildInfo()
	if ok {
		fillFromBuildInfo(&info, bi)
	}
	if info.Version == "" {
		info.Version = "dev"
	}
	return info
}

func fillFromBuildInfo(info *Info, bi *debug.BuildInfo) {
	if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		info.Version = trimV(bi.Main.Version)
	}
	modified := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			if info.Commit == "" {
				info.Commit = s.Value
			}
		case "vcs.time":
			if info.Date == "" {
				info.Date = s.Value
			}
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if modified && Commit == "" && info.Commit != "" {
		info.Commit += "-dirty"
	}
}

func trimV(v string) string {
	if len(v) > 1 && v[0] == 'v' {
		return v[1:]
	}
	return v
}
