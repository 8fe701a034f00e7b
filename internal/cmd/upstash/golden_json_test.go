package upstash_test

// Golden JSON of every Upstash command that prints a result, beyond the
// create, list, get and connstr cases of golden_test.go: delete (of a
// database and of an index), reset-password, the QStash token, and the
// create, get and list of a Vector index. Regenerate with
//
//	go test ./internal/cmd/upstash/ -run TestGoldenJSON -update
//
// and review the diff of testdata/upstash/ like any other change.

import (
	"regexp"
	"strings"
	"testing"

	"github.com/cachelink/cachelink/internal/cmdtest"
)

var (
	anyUUIDText   = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	tokenValue    = regexp.MustCompile(`"(token|read_only_token|rest_token|read_only_rest_token)":"[^"]*"`)
	indexEndpoint = regexp.MustCompile(`[a-z0-9-]+-(vector|search)\.upstash\.io`)
)

// normalizeAll is normalize for outputs that name resources the fixture's
// databases do not cover (indexes, QStash, a deleted database): dbs are
// the databases before the run; every other UUID becomes a placeholder
// numbered from 101 in the order it first appears, tokens "<token>", and
// an index's endpoint INDEX-vector.upstash.io (or -search).
func normalizeAll(e *cmdtest.Env, before []string, s string) string {
	s = normalize(e, s)
	ids := append([]string{}, before...)
	for len(ids) < 100 {
		ids = append(ids, "")
	}
	for _, id := range anyUUIDText.FindAllString(s, -1) {
		if !strings.HasPrefix(id, "00000000-0000-4000-8000-") && !contains(ids, id) {
			ids = append(ids, id)
		}
	}
	s = e.Normalize(s, ids...)
	s = tokenValue.ReplaceAllString(s, `"$1":"<token>"`)
	return indexEndpoint.ReplaceAllString(s, "INDEX-$1.upstash.io")
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func TestGoldenJSON(t *testing.T) {
	t.Parallel()
	vector := []string{"create", "upstash", "--kind", "vector", "--name", "embeddings", "--region", "eu-west-1",
		"--dimensions", "384", "--similarity", "cosine"}
	tests := []struct {
		name  string
		setup [][]string // commands run first, after goldenFixture
		args  []string   // after "cachelink"
		code  int
	}{
		{name: "delete-json", args: []string{"delete", "upstash", "cache", "--yes", "-o", "json"}},
		{name: "reset-password-json", args: []string{"reset-password", "cache", "--yes", "-o", "json"}},
		{name: "connstr-qstash-json", args: []string{"connstr", "upstash", "--kind", "qstash", "-o", "json"}},
		{name: "reset-password-qstash-json", args: []string{"reset-password", "--kind", "qstash", "--yes", "-o", "json"}},
		{name: "create-vector-json", args: append(append([]string{}, vector...), "-o", "json")},
		{name: "get-vector-json", setup: [][]string{vector}, args: []string{"get", "upstash", "embeddings", "-o", "json"}},
		{name: "list-vector-json", setup: [][]string{vector}, args: []string{"list", "upstash", "--kind", "vector", "-o", "json"}},
		{name: "delete-vector-json", setup: [][]string{vector}, args: []string{"delete", "upstash", "embeddings", "--yes", "-o", "json"}},
		// -o json and --format json are one code path: the same bytes.
		{name: "connstr-format-json", args: []string{"connstr", "upstash", "cache", "--format", "json"}},
		{name: "connstr-o-json", args: []string{"connstr", "upstash", "cache", "-o", "json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := ciMode(t)
			e.FixColour()
			goldenFixture(t, e)
			for _, args := range tt.setup {
				mustSucceed(t, e, args...)
			}
			var before []string
			for _, d := range databases(e) {
				before = append(before, d.DatabaseID)
			}
			r := e.RunWith(cmdtest.RunOptions{}, tt.args...)
			checkExit(t, e, r, tt.code, tt.args)
			cmdtest.AssertGolden(t, "upstash/"+tt.name, r, func(s string) string { return normalizeAll(e, before, s) })
		})
	}
}
