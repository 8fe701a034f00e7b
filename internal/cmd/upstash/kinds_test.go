package upstash_test

// Vector and Search indexes and the account's QStash, run in-process
// against the sandbox in CI mode and with a stored login: create ->
// connstr (every format) -> list -> get -> delete, a dropped create
// adopted, one request per connstr, and the QStash token rotated.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cachelink/cachelink/internal/cmd/upstash"
	"github.com/cachelink/cachelink/internal/cmdtest"
	"github.com/cachelink/cachelink/internal/sandbox"
)

// kindCase is one kind of index and how to create one.
type kindCase struct {
	kind, region   string
	create         []string // the kind's flags
	envURL, envTok string
	host           string // the host suffix of the REST URL
	wantSimilarity string
	wantDimensions int
	otherRegion    string // a region of another kind, refused
}

var kindCases = []kindCase{
	{kind: "vector", region: "eu-west-1", create: []string{"--dimensions", "384", "--similarity", "cosine"},
		envURL: "UPSTASH_VECTOR_REST_URL", envTok: "UPSTASH_VECTOR_REST_TOKEN", host: "-vector.upstash.io",
		wantSimilarity: "COSINE", wantDimensions: 384, otherRegion: "eu-central-1"},
	{kind: "search", region: "us-central1",
		envURL: "UPSTASH_SEARCH_REST_URL", envTok: "UPSTASH_SEARCH_REST_TOKEN", host: "-search.upstash.io",
		otherRegion: "us-east-1"},
}

func indexes(e *cmdtest.Env, kind string) []sandbox.Index { return e.Sandbox.Store.Indexes(kind) }

// indexSecrets are every index token and QStash token the sandbox holds.
func indexSecrets(e *cmdtest.Env) []string {
	var out []string
	for _, k := range []string{"vector", "search"} {
		for _, ix := range indexes(e, k) {
			out = append(out, ix.Token, ix.ReadOnlyToken)
		}
	}
	for _, u := range e.Sandbox.Store.QStashUsers() {
		out = append(out, u.Token, u.ReadOnlyToken)
	}
	return out
}

// kindRun runs cachelink, wants exit 0 and no token on stderr.
func kindRun(t *testing.T, e *cmdtest.Env, args ...string) cmdtest.Result {
	t.Helper()
	r := mustSucceed(t, e, args...)
	cmdtest.CheckNoSecrets(t, cmdtest.Result{Stderr: r.Stderr}, indexSecrets(e))
	return r
}

func restURL(c kindCase, ix sandbox.Index) string { return "https://" + ix.Endpoint + c.host }

func TestEveryIndexKindFromCreateToDelete(t *testing.T) {
	t.Parallel()
	for _, c := range kindCases {
		t.Run(c.kind, func(t *testing.T) {
			t.Parallel()
			bothModes(t, func(t *testing.T, e *cmdtest.Env) {
				// create: the env lines on stdout.
				r := kindRun(t, e, append([]string{"create", "upstash", "--kind", c.kind, "--name", "docs", "--region", c.region}, c.create...)...)
				all := indexes(e, c.kind)
				if len(all) != 1 {
					t.Fatalf("%d %s indexes, want 1", len(all), c.kind)
				}
				ix := all[0]
				if ix.Name != "docs" || ix.Region != c.region || ix.SimilarityFunction != c.wantSimilarity || ix.DimensionCount != c.wantDimensions {
					t.Errorf("index = %+v", ix)
				}
				if c.kind == "search" && ix.Type != "free" {
					t.Errorf("search plan = %q, want free (the default)", ix.Type)
				}
				env := c.envURL + "=" + restURL(c, ix) + "\n" + c.envTok + "=" + ix.Token + "\n"
				if r.Stdout != env {
					t.Errorf("create stdout = %q\nwant %q", r.Stdout, env)
				}

				// connstr, by name, without and with --kind.
				for _, args := range [][]string{{"connstr", "upstash", "docs"}, {"connstr", "upstash", "docs", "--kind", c.kind}, {"connstr", "upstash", ix.ID}} {
					if r := kindRun(t, e, args...); r.Stdout != env {
						t.Errorf("%v: stdout = %q\nwant %q", args, r.Stdout, env)
					}
				}
				ro := c.envURL + "=" + restURL(c, ix) + "\n" + c.envTok + "=" + ix.ReadOnlyToken + "\n"
				if r := kindRun(t, e, "connstr", "upstash", "--kind", c.kind, "docs", "--read-only"); r.Stdout != ro {
					t.Errorf("--read-only: stdout = %q\nwant %q", r.Stdout, ro)
				}
				if r := kindRun(t, e, "connstr", "upstash", "docs", "--format", "rest"); r.Stdout != restURL(c, ix)+"\n" {
					t.Errorf("--format rest: %q", r.Stdout)
				}
				if r := kindRun(t, e, "connstr", "upstash", "docs", "--format", "token", "--read-only"); r.Stdout != ix.ReadOnlyToken+"\n" {
					t.Errorf("--format token --read-only: %q", r.Stdout)
				}
				var j upstash.IndexJSON
				if err := json.Unmarshal([]byte(kindRun(t, e, "connstr", "upstash", "docs", "-o", "json").Stdout), &j); err != nil {
					t.Fatal(err)
				}
				if j.ID != ix.ID || j.Kind != c.kind || j.RESTURL != restURL(c, ix) || j.RESTToken != ix.Token || j.ReadOnlyRESTToken != ix.ReadOnlyToken {
					t.Errorf("-o json = %+v", j)
				}
				fails(t, e, 2, "connstr", "upstash", "docs", "--format", "redis")

				// --write-env merges the two variables.
				path := filepath.Join(t.TempDir(), ".env")
				if err := os.WriteFile(path, []byte("KEEP=1\n"+c.envTok+"=old\n"), 0o600); err != nil {
					t.Fatal(err)
				}
				kindRun(t, e, "connstr", "upstash", "docs", "--write-env", path)
				b, _ := os.ReadFile(path)
				if got := string(b); !strings.Contains(got, "KEEP=1\n") || !strings.Contains(got, c.envTok+"="+ix.Token+"\n") ||
					!strings.Contains(got, c.envURL+"="+restURL(c, ix)+"\n") || strings.Contains(got, "=old") {
					t.Errorf(".env = %q", got)
				}

				// list: a row of its kind; --kind filters.
				newDB(t, e, "cache", "eu-west-1")
				r = kindRun(t, e, "list", "upstash")
				row := ix.ID + "\tdocs\t" + c.region + "\t-\t" + ix.Endpoint + c.host + "\t-\t" + c.kind + "\n"
				if !strings.Contains(r.Stdout, row) || !strings.Contains(r.Stdout, "\tredis\n") {
					t.Errorf("list = %q, want the row %q and the database", r.Stdout, row)
				}
				if r := kindRun(t, e, "list", "upstash", "--kind", c.kind); r.Stdout != row {
					t.Errorf("list --kind %s = %q, want %q", c.kind, r.Stdout, row)
				}
				if r := kindRun(t, e, "list", "upstash", "--kind", "redis"); strings.Contains(r.Stdout, ix.ID) {
					t.Errorf("list --kind redis shows the index: %q", r.Stdout)
				}
				var rows []map[string]any
				if err := json.Unmarshal([]byte(kindRun(t, e, "list", "upstash", "-o", "json").Stdout), &rows); err != nil {
					t.Fatal(err)
				}
				kinds := []string{}
				for _, r := range rows {
					kinds = append(kinds, r["kind"].(string))
				}
				if !slices.Equal(kinds, []string{"redis", c.kind}) {
					t.Errorf("list -o json kinds = %v", kinds)
				}

				// get: masked text, JSON with the tokens.
				r = kindRun(t, e, "get", "upstash", "docs")
				if !strings.Contains(r.Stdout, "kind") || !strings.Contains(r.Stdout, c.kind) || strings.Contains(r.Stdout, ix.Token) {
					t.Errorf("get = %q", r.Stdout)
				}
				if err := json.Unmarshal([]byte(kindRun(t, e, "get", "upstash", "--kind", c.kind, ix.ID, "-o", "json").Stdout), &j); err != nil || j.RESTToken != ix.Token {
					t.Errorf("get -o json = %+v, %v", j, err)
				}

				// delete: asks (no terminal: exit 2), then --yes.
				fails(t, e, 2, "delete", "upstash", "docs")
				kindRun(t, e, "delete", "upstash", "docs", "--yes")
				if n := len(indexes(e, c.kind)); n != 0 {
					t.Errorf("%d indexes after delete", n)
				}
				fails(t, e, 3, "get", "upstash", "docs")
				fails(t, e, 3, "delete", "upstash", "--kind", c.kind, "docs", "--yes")
			})
		})
	}
}

func TestAnIndexCreateIsCheckedBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	e := ciMode(t)
	requests := e.CountRequests(t, "", "/v2/")
	for _, args := range [][]string{
		{"--kind", "vector", "--name", "v", "--region", "eu-central-1", "--dimensions", "3", "--similarity", "cosine"}, // not a Vector region
		{"--kind", "vector", "--name", "v", "--region", "eu-west-1", "--dimensions", "3"},                              // no similarity
		{"--kind", "vector", "--name", "v", "--region", "eu-west-1", "--similarity", "cosine"},                         // no dimensions
		{"--kind", "vector", "--name", "v", "--region", "eu-west-1", "--dimensions", "3", "--similarity", "manhattan"}, // bad similarity
		{"--kind", "vector", "--name", "v", "--region", "eu-west-1", "--dimensions", "3", "--similarity", "cosine", "--embedding-model", "bge_m3"},
		{"--kind", "vector", "--name", "v", "--region", "eu-west-1", "--dimensions", "3", "--similarity", "cosine", "--read-region", "us-east-1"},
		{"--kind", "search", "--name", "s", "--region", "us-east-1"}, // not a Search region
		{"--kind", "search", "--name", "s", "--region", "eu-west-1", "--dimensions", "3"},
		{"--kind", "qstash", "--name", "q", "--region", "eu-west-1"},
		{"--kind", "kafka", "--name", "k", "--region", "eu-west-1"},
		{"--name", "r", "--region", "eu-west-1", "--similarity", "cosine"}, // an index flag for Redis
	} {
		fails(t, e, 2, append([]string{"create", "upstash"}, args...)...)
	}
	if n := requests(); n != 0 {
		t.Errorf("%d requests reached Upstash, want none", n)
	}
}

func TestAVectorEmbeddingModelGivesItsDimensions(t *testing.T) {
	t.Parallel()
	e := ciMode(t)
	kindRun(t, e, "create", "upstash", "--kind", "vector", "--name", "v", "--region", "us-east-1", "--similarity", "dot_product",
		"--embedding-model", "bge_base_en_v1_5", "--index-type", "hybrid", "--sparse-embedding-model", "bm25")
	ix := indexes(e, "vector")[0]
	if ix.DimensionCount != 768 || ix.EmbeddingModel != "BGE_BASE_EN_V1_5" || ix.IndexType != "HYBRID" || ix.SparseEmbeddingModel != "BM25" || ix.SimilarityFunction != "DOT_PRODUCT" {
		t.Errorf("index = %+v", ix)
	}
}

func TestAnIndexCreateWhoseAnswerWasLostIsAdoptedNotRepeated(t *testing.T) {
	t.Parallel()
	for _, c := range kindCases {
		t.Run(c.kind, func(t *testing.T) {
			t.Parallel()
			bothModes(t, func(t *testing.T, e *cmdtest.Env) {
				path := "/v2/vector/index"
				if c.kind == "search" {
					path = "/v2/search"
				}
				posts := e.CountRequests(t, "POST", path)
				e.AddFault(t, sandbox.FaultRule{Kind: sandbox.FaultDropAfterCreate, Count: 1})
				r := kindRun(t, e, append([]string{"create", "upstash", "--kind", c.kind, "--name", "docs", "--region", c.region, "-o", "json"}, c.create...)...)
				all := indexes(e, c.kind)
				if n := posts(); n != 1 || len(all) != 1 {
					t.Fatalf("POSTs = %d, indexes = %d; want one of each", n, len(all))
				}
				var j upstash.IndexJSON
				if err := json.Unmarshal([]byte(r.Stdout), &j); err != nil || j.ID != all[0].ID || j.RESTToken != all[0].Token {
					t.Errorf("json = %+v, %v", j, err)
				}
				if !strings.Contains(r.Stderr, "adopting "+all[0].ID) {
					t.Errorf("stderr = %q", r.Stderr)
				}
			})
		})
	}
}

func TestAnIndexCreateIfNotExistsReturnsTheNamesake(t *testing.T) {
	t.Parallel()
	e := ciMode(t)
	args := []string{"create", "upstash", "--kind", "vector", "--name", "v", "--region", "eu-west-1", "--dimensions", "3", "--similarity", "cosine", "--if-not-exists"}
	first := kindRun(t, e, args...)
	again := kindRun(t, e, append(args, "-o", "json")...)
	var j upstash.IndexJSON
	if err := json.Unmarshal([]byte(again.Stdout), &j); err != nil || !j.Existed || len(indexes(e, "vector")) != 1 {
		t.Errorf("json %+v (%v), %d indexes; want the first, existed", j, err, len(indexes(e, "vector")))
	}
	if !strings.Contains(first.Stdout, j.RESTToken) {
		t.Errorf("not the same index: %q vs %+v", first.Stdout, j)
	}
	fails(t, e, 2, "create", "upstash", "--kind", "vector", "--name", "v", "--region", "us-east-1", "--dimensions", "3", "--similarity", "cosine", "--if-not-exists")
}

func TestConnstrCostsOneRequestWhateverTheKind(t *testing.T) {
	t.Parallel()
	e := ciMode(t)
	newDB(t, e, "cache", "eu-west-1")
	for _, c := range kindCases {
		kindRun(t, e, append([]string{"create", "upstash", "--kind", c.kind, "--name", c.kind + "-docs", "--region", c.region}, c.create...)...)
	}
	for _, args := range [][]string{
		{"connstr", "upstash", "cache"},
		{"connstr", "upstash", "cache", "--kind", "redis"},
		{"connstr", "upstash", "vector-docs", "--kind", "vector"},
		{"connstr", "upstash", "search-docs", "--kind", "search", "--format", "json"},
		{"connstr", "upstash", indexes(e, "vector")[0].ID, "--kind", "vector"},
		{"connstr", "upstash", "--kind", "qstash", "--format", "env"},
	} {
		requests := e.CountRequests(t, "", "/v2/")
		kindRun(t, e, args...)
		if n := requests(); n != 1 {
			t.Errorf("%v: %d requests, want 1", args, n)
		}
	}
}

func TestQStashConnstrAndRotate(t *testing.T) {
	t.Parallel()
	bothModes(t, func(t *testing.T, e *cmdtest.Env) {
		u := e.Sandbox.Store.QStashUsers()[0]
		if r := kindRun(t, e, "connstr", "upstash", "--kind", "qstash"); r.Stdout != u.Token+"\n" {
			t.Errorf("token = %q, want %q", r.Stdout, u.Token)
		}
		env := "QSTASH_TOKEN=" + u.Token + "\nQSTASH_URL=https://qstash-eu-central-1.upstash.io\n"
		if r := kindRun(t, e, "connstr", "upstash", "--kind", "qstash", "--format", "env"); r.Stdout != env {
			t.Errorf("env = %q\nwant %q", r.Stdout, env)
		}
		var j upstash.QStashJSON
		if err := json.Unmarshal([]byte(kindRun(t, e, "connstr", "upstash", "--kind", "qstash", "-o", "json").Stdout), &j); err != nil ||
			j.Token != u.Token || j.Region != "eu-central-1" || j.Kind != "qstash" {
			t.Errorf("json = %+v, %v", j, err)
		}
		fails(t, e, 2, "connstr", "upstash", "--kind", "qstash", "extra")
		fails(t, e, 2, "create", "upstash", "--kind", "qstash", "--name", "q", "--region", "eu-central-1")

		// Rotation asks; without a terminal and --yes nothing changes.
		fails(t, e, 2, "reset-password", "--kind", "qstash")
		if e.Sandbox.Store.QStashUsers()[0].Token != u.Token {
			t.Fatal("the token was rotated without confirmation")
		}
		path := filepath.Join(t.TempDir(), ".env")
		kindRun(t, e, "reset-password", "--kind", "qstash", "--yes", "--write-env", path)
		nu := e.Sandbox.Store.QStashUsers()[0]
		b, _ := os.ReadFile(path)
		if nu.Token == u.Token || string(b) != "QSTASH_TOKEN="+nu.Token+"\nQSTASH_URL=https://qstash-eu-central-1.upstash.io\n" {
			t.Errorf("after rotation: .env %q, token changed %v", b, nu.Token != u.Token)
		}
		if r := kindRun(t, e, "reset-password", "--kind", "qstash", "-y"); r.Stdout != e.Sandbox.Store.QStashUsers()[0].Token+"\n" {
			t.Errorf("rotate stdout = %q", r.Stdout)
		}
	})
}

func TestQStashInTwoRegionsNeedsRegion(t *testing.T) {
	t.Parallel()
	e := ciMode(t)
	us := e.Sandbox.Store.AddQStashUser("us-east-1")
	fails(t, e, 2, "connstr", "upstash", "--kind", "qstash")
	r := kindRun(t, e, "connstr", "upstash", "--kind", "qstash", "--region", "us-east-1", "--format", "env")
	if r.Stdout != "QSTASH_TOKEN="+us.Token+"\nQSTASH_URL=https://qstash-us-east-1.upstash.io\n" {
		t.Errorf("env = %q", r.Stdout)
	}
	fails(t, e, 2, "connstr", "upstash", "--kind", "qstash", "--region", "ap-south-1")
}

func TestKindFlagsParse(t *testing.T) {
	t.Parallel()
	parseTest(t, upstash.NewCmdCreate, []parseCase[upstash.CreateOptions]{
		{
			name: "vector",
			args: []string{"--kind", "vector", "--name", "v", "--region", "eu-west-1", "--dimensions", "1024", "--similarity", "euclidean",
				"--embedding-model", "bge_m3", "--index-type", "hybrid", "--sparse-embedding-model", "bm25"},
			want: upstash.CreateOptions{Name: "v", Region: "eu-west-1", Index: upstash.IndexCreateFlags{Kind: "vector", Dimensions: 1024,
				Similarity: "euclidean", EmbeddingModel: "bge_m3", IndexType: "hybrid", SparseEmbeddingModel: "bm25"}},
		},
		{
			name: "search",
			args: []string{"--kind", "search", "--name", "s", "--region", "us-central1", "--if-not-exists"},
			want: upstash.CreateOptions{Name: "s", Region: "us-central1", IfNotExists: true, Index: upstash.IndexCreateFlags{Kind: "search"}},
		},
		{name: "bad dimensions", args: []string{"--kind", "vector", "--dimensions", "many"}, wantErr: "invalid argument"},
		{name: "qstash", args: []string{"--kind", "qstash"}, wantErr: "QStash is not created"},
		{name: "vector flag for redis", args: []string{"--similarity", "cosine"}, wantErr: "--similarity is for --kind vector"},
		{name: "redis flag for vector", args: []string{"--kind", "vector", "--eviction"}, wantErr: "--eviction is for Redis databases"},
	})
	parseTest(t, upstash.NewCmdConnstr, []parseCase[upstash.ConnstrOptions]{
		{name: "vector", args: []string{"docs", "--kind", "vector", "--read-only"},
			want: upstash.ConnstrOptions{DBRef: "docs", Kind: "vector", ReadOnly: true, EnvName: "REDIS_URL"}},
		{name: "qstash", args: []string{"--kind", "qstash", "--region", "us-east-1", "--format", "env"},
			want: upstash.ConnstrOptions{Kind: "qstash", Region: "us-east-1", Format: "env", EnvName: "REDIS_URL"}},
		{name: "qstash takes no argument", args: []string{"--kind", "qstash", "x"}, wantErr: "takes no argument"},
		{name: "an index needs one", args: []string{"--kind", "vector"}, wantErr: "needs a database id or name"},
	})
	parseTest(t, upstash.NewCmdList, []parseCase[upstash.ListOptions]{
		{name: "kind", args: []string{"--kind", "search"}, want: upstash.ListOptions{Kind: "search"}},
	})
	parseTest(t, upstash.NewCmdGet, []parseCase[upstash.GetOptions]{
		{name: "kind", args: []string{"docs", "--kind", "vector"}, want: upstash.GetOptions{DBRef: "docs", Kind: "vector"}},
	})
	parseTest(t, upstash.NewCmdDelete, []parseCase[upstash.DeleteOptions]{
		{name: "kind", args: []string{"docs", "--kind", "vector", "-y"}, want: upstash.DeleteOptions{DBRef: "docs", Kind: "vector", Yes: true}},
	})
	parseTest(t, upstash.NewCmdResetPassword, []parseCase[upstash.ResetPasswordOptions]{
		{name: "qstash", args: []string{"--kind", "qstash", "--yes", "--region", "eu-central-1", "--write-env", ".env"},
			want: upstash.ResetPasswordOptions{QStash: upstash.QStashRotateOptions{Kind: "qstash", Yes: true, Region: "eu-central-1", WriteEnv: ".env"}}},
		{name: "qstash takes no argument", args: []string{"--kind", "qstash", "x"}, wantErr: "takes no argument"},
	})
}

func TestAnIndexPlanIsTheKindsOwn(t *testing.T) {
	t.Parallel()
	e := ciMode(t)
	kindRun(t, e, "create", "upstash", "--kind", "search", "--name", "s", "--region", "eu-west-1", "--plan", "payg")
	kindRun(t, e, "create", "upstash", "--kind", "vector", "--name", "v", "--region", "eu-west-1", "--dimensions", "8", "--similarity", "euclidean", "--plan", "fixed")
	if s, v := indexes(e, "search")[0], indexes(e, "vector")[0]; s.Type != "payg" || v.Type != "fixed" {
		t.Errorf("plans = %q, %q; want payg, fixed", s.Type, v.Type)
	}
	requests := e.CountRequests(t, "", "/v2/")
	fails(t, e, 2, "create", "upstash", "--kind", "search", "--name", "s2", "--region", "eu-west-1", "--plan", "fixed_1gb")
	fails(t, e, 2, "create", "upstash", "--kind", "vector", "--name", "v2", "--region", "eu-west-1", "--dimensions", "8", "--similarity", "cosine", "--plan", "free")
	if n := requests(); n != 0 {
		t.Errorf("%d requests, want none", n)
	}
}
