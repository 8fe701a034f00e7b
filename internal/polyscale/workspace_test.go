package polyscale

import "testing"

func TestWorkspaceOfTheCaches(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		caches []Cache
		want   string
	}{
		{nil, ""},
		{[]Cache{{WorkspaceID: "ws-1"}, {WorkspaceID: "ws-1"}}, "ws-1"},
		{[]Cache{{WorkspaceID: ""}, {WorkspaceID: "ws-1"}}, "ws-1"},
		{[]Cache{{WorkspaceID: "ws-1"}, {WorkspaceID: "ws-2"}}, ""},
		{[]Cache{{WorkspaceID: "ws-\x1b[31m1"}}, "ws- [31m1"}, // no escape reaches the terminal
	} {
		if got := workspaceOf(tc.caches); got != tc.want {
			t.Errorf("workspaceOf(%+v) = %q, want %q", tc.caches, got, tc.want)
		}
	}
}
