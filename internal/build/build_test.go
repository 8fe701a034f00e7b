package build

import (
	"runtime/debug"
	"testing"
)

func TestLinkTimeValuesWinOverBuildInfo(t *testing.T) {
	t.Parallel()
	info := Info{Version: "1.2.3", Commit: "abc", Date: "2026-01-02T03:04:05Z"}
	fillFromBuildInfo(&info, &debug.BuildInfo{
		Main:     debug.Module{Version: "v9.9.9"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "zzz"}, {Key: "vcs.time", Value: "x"}},
	})
	if info.Version != "1.2.3" || info.Commit != "abc" || info.Date != "2026-01-02T03:04:05Z" {
		t.Fatalf("link-time values were overwritten: %+v", info)
	}
}

func TestGoInstallFallsBackToModuleVersion(t *testing.T) {
	t.Parallel()
	var info Info
	fillFromBuildInfo(&info, &debug.BuildInfo{
		Main: debug.Module{Version: "v0.4.1"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef"},
			{Key: "vcs.time", Value: "2026-11-01T10:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	})
	if info.Version != "0.4.1" {
		t.Errorf("Version = %q, want 0.4.1 (leading v dropped)", info.Version)
	}
	if info.Commit != "0123456789abcdef-dirty" {
		t.Errorf("Commit = %q, want the revision marked dirty", info.Commit)
	}
	if info.Date != "2026-11-01T10:00:00Z" {
		t.Errorf("Date = %q", info.Date)
	}
}

func TestLocalBuildIsDev(t *testing.T) {
	t.Parallel()
	var info Info
	fillFromBuildInfo(&info, &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}})
	if info.Version != "" {
		t.Fatalf("(devel) must not become a version, got %q", info.Version)
	}
	if got := Current().Version; got == "" {
		t.Fatal("Current().Version is empty; want a version or \"dev\"")
	}
}
