package polyscale_test

// Golden JSON of every PolyScale command that prints a result, beyond the
// create, list and get cases of golden_test.go: delete, purge and the
// rules. Regenerate with
//
//	go test ./internal/cmd/polyscale/ -run TestGoldenJSON -update
//
// and review the diff of testdata/polyscale/ like any other change.

import (
	"testing"

	"github.com/cachelink/cachelink/internal/cmdtest"
)

func TestGoldenJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup [][]string // commands run first, after goldenFixture
		args  []string   // after "cachelink"
		code  int
	}{
		{name: "delete-json", args: []string{"delete", "polyscale", "shop", "--yes", "-o", "json"}},
		{name: "purge-json", args: []string{"purge", "shop", "-o", "json"}},
		{name: "rules-set-json", args: []string{"rules", "set", "shop", "--table", "orders", "--ttl", "5m", "-o", "json"}},
		{name: "rules-list-json", setup: [][]string{{"rules", "set", "shop", "--table", "orders", "--ttl", "5m"}},
			args: []string{"rules", "list", "shop", "-o", "json"}},
		{name: "rules-list-empty-json", args: []string{"rules", "list", "shop", "-o", "json"}},
		{name: "rules-delete-json", setup: [][]string{{"rules", "set", "shop", "--table", "orders", "--ttl", "5m"}},
			args: []string{"rules", "delete", "shop", "--table", "orders", "-o", "json"}},
		// -o json and --format json are one code path: the same bytes.
		{name: "connstr-format-json", args: []string{"connstr", "polyscale", "shop", "--origin-env", "DATABASE_URL", "--format", "json"}},
		{name: "connstr-o-json", args: []string{"connstr", "polyscale", "shop", "--origin-env", "DATABASE_URL", "-o", "json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := ciSandbox(t)
			e.FixColour()
			goldenFixture(t, e)
			for _, args := range tt.setup {
				e.MustRun(t, args...)
			}
			// The ids before the run: a delete takes its cache out of the
			// store.
			var ids []string
			for _, c := range sandboxCaches(e) {
				ids = append(ids, c.ID)
			}
			r := e.RunWith(cmdtest.RunOptions{}, tt.args...)
			checkExit(t, r, tt.code, tt.args)
			cmdtest.AssertGolden(t, "polyscale/"+tt.name, r, func(s string) string { return e.Normalize(s, ids...) })
		})
	}
}
