package upstash

// The kinds of Upstash resource beyond Redis: Vector and Search indexes
// (created, listed, shown, deleted, and their REST URL and token printed)
// and the account's QStash (its token printed and rotated). The Redis
// commands dispatch here on --kind; without --kind a name is looked up as
// a Redis database first, then as an index.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/envfile"
	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/output"
	"github.com/cachelink/cachelink/internal/upstash"
)

// The values of --kind.
const (
	KindRedis  = "redis"
	KindVector = "vector"
	KindSearch = "search"
	KindQStash = "qstash"
)

// resourceKinds are the kinds list, get and delete cover.
var resourceKinds = []string{KindRedis, KindVector, KindSearch}

// IndexCreateFlags are the flags of `create upstash --kind vector|search`.
type IndexCreateFlags struct {
	Kind                 string // --kind: "" (redis), redis, vector or search
	Dimensions           int    // --dimensions
	Similarity           string // --similarity: cosine, euclidean or dot_product
	EmbeddingModel       string // --embedding-model
	IndexType            string // --index-type: dense, sparse or hybrid
	SparseEmbeddingModel string // --sparse-embedding-model
	Plan                 string // --plan, for an index (the plan of the index's kind)
}

// indexFlags are the flags only an index create takes; redisFlags those
// only a Redis create takes.
var (
	indexFlags = []string{"dimensions", "similarity", "embedding-model", "index-type", "sparse-embedding-model"}
	redisFlags = []string{"read-region", "eviction", "budget"}
)

// addKindCreateFlags adds --kind and the Vector flags to `create upstash`,
// and checks, before the command runs, that the flags given suit the kind.
func addKindCreateFlags(cmd *cobra.Command, opts *CreateOptions) {
	fs := cmd.Flags()
	x := &opts.Index
	fs.StringVar(&x.Kind, "kind", "", "What to create: redis (the default), vector or search")
	fs.IntVar(&x.Dimensions, "dimensions", 0, "Vector: values in a vector (set by --embedding-model when omitted)")
	fs.StringVar(&x.Similarity, "similarity", "", "Vector: cosine, euclidean or dot_product")
	fs.StringVar(&x.EmbeddingModel, "embedding-model", "", "Vector: Upstash's embedding model: "+lower(upstash.EmbeddingModels))
	fs.StringVar(&x.IndexType, "index-type", "", "Vector: dense (the default), sparse or hybrid")
	fs.StringVar(&x.SparseEmbeddingModel, "sparse-embedding-model", "", "Vector: sparse model of a sparse or hybrid index: "+lower(upstash.SparseEmbeddingModel))
	run := cmd.RunE
	cmd.RunE = func(c *cobra.Command, args []string) error {
		if err := checkCreateKind(c, x); err != nil {
			return err
		}
		return run(c, args)
	}
}

// lower is vs in lower case, as the flags take them, for a help text or
// an error: "cosine, euclidean, dot_product".
func lower(vs []string) string { return strings.Join(lowered(vs), ", ") }

// lowered is each of vs in lower case: the values of a flag.
func lowered(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = strings.ToLower(v)
	}
	return out
}

// checkCreateKind refuses a --kind that cannot be created and flags of
// another kind, and takes --plan for an index.
func checkCreateKind(c *cobra.Command, x *IndexCreateFlags) error {
	changed := func(names []string) string {
		for _, n := range names {
			if c.Flags().Changed(n) {
				return n
			}
		}
		return ""
	}
	switch x.Kind {
	case "", KindRedis:
		if n := changed(indexFlags); n != "" {
			return clierr.Usagef("--%s is for --kind vector", n)
		}
		return nil
	case KindVector, KindSearch:
	case KindQStash:
		return clierr.Usagef("QStash is not created: every Upstash account has it").
			WithHint("Run 'cachelink connstr upstash --kind qstash' for its token.")
	default:
		kinds := []string{KindRedis, KindVector, KindSearch}
		return cmdutil.Suggesting(clierr.Usagef("invalid --kind %q", x.Kind).WithHint(cmdutil.ListHint("Kinds", kinds)), x.Kind, kinds)
	}
	if n := changed(redisFlags); n != "" {
		return clierr.Usagef("--%s is for Redis databases, not --kind %s", n, x.Kind)
	}
	if x.Kind == KindSearch {
		if n := changed(indexFlags); n != "" {
			return clierr.Usagef("--%s is for --kind vector", n)
		}
	}
	if f := c.Flags().Lookup("plan"); f != nil && f.Changed {
		x.Plan = f.Value.String()
	}
	return nil
}

// isIndexKind reports whether kind is vector or search.
func isIndexKind(kind string) bool { return kind == KindVector || kind == KindSearch }

// IndexJSON is an index in -o json; its keys are part of the contract. It
// holds the tokens: -o json is asked for them.
type IndexJSON struct {
	ID                   string `json:"id"`
	Name                 string `json:"name"`
	Kind                 string `json:"kind"`
	Region               string `json:"region"`
	Plan                 string `json:"plan,omitempty"`
	Endpoint             string `json:"endpoint"`
	RESTURL              string `json:"rest_url"`
	RESTToken            string `json:"rest_token,omitempty"`
	ReadOnlyRESTToken    string `json:"read_only_rest_token,omitempty"`
	SimilarityFunction   string `json:"similarity_function,omitempty"`
	DimensionCount       int    `json:"dimension_count,omitempty"`
	EmbeddingModel       string `json:"embedding_model,omitempty"`
	SparseEmbeddingModel string `json:"sparse_embedding_model,omitempty"`
	IndexType            string `json:"index_type,omitempty"`
	CreatedAt            string `json:"created_at,omitempty"`
	Existed              bool   `json:"existed,omitempty"`
}

// IndexToJSON is the JSON of ix, an index of kind k.
func IndexToJSON(k *upstash.IndexKind, ix *upstash.Index) IndexJSON {
	out := IndexJSON{ID: ix.ID, Name: ix.Name, Kind: k.Name, Region: ix.Region, Plan: ix.Type,
		Endpoint: upstash.IndexHost(k, ix), RESTURL: upstash.IndexURL(k, ix), RESTToken: ix.Token, ReadOnlyRESTToken: ix.ReadOnlyToken,
		SimilarityFunction: ix.SimilarityFunction, DimensionCount: ix.DimensionCount, EmbeddingModel: ix.EmbeddingModel,
		SparseEmbeddingModel: ix.SparseEmbeddingModel, IndexType: ix.IndexType}
	out.CreatedAt = output.FormatUnix(ix.CreationTime)
	return out
}

// indexEnv are the env lines of an index: its kind's URL and token
// variables (the read-only token with readOnly).
func indexEnv(k *upstash.IndexKind, ix *upstash.Index, readOnly bool) []envfile.Entry {
	token := ix.Token
	if readOnly {
		token = ix.ReadOnlyToken
	}
	return []envfile.Entry{{Key: k.EnvURL, Value: upstash.IndexURL(k, ix)}, {Key: k.EnvToken, Value: token}}
}

// vectorBody is the create body of --kind vector, checked before any
// request: the lower-case flag values in the API's spelling, the
// dimensions of the embedding model when they are not given.
func vectorBody(opts *CreateOptions) (upstash.NewIndex, error) {
	x := opts.Index
	body := upstash.NewIndex{Name: opts.Name, Region: opts.Region, DimensionCount: x.Dimensions, Type: x.Plan}
	var err error
	if x.Similarity == "" {
		return body, clierr.Usagef("--similarity is required for --kind vector").
			WithHint(cmdutil.ListHint("Valid values", lowered(upstash.SimilarityFunctions)))
	}
	if body.SimilarityFunction, err = enumFlag("similarity", x.Similarity, upstash.SimilarityFunctions); err != nil {
		return body, err
	}
	if body.EmbeddingModel, err = enumFlag("embedding-model", x.EmbeddingModel, upstash.EmbeddingModels); err != nil {
		return body, err
	}
	if body.IndexType, err = enumFlag("index-type", x.IndexType, upstash.IndexTypes); err != nil {
		return body, err
	}
	if body.SparseEmbeddingModel, err = enumFlag("sparse-embedding-model", x.SparseEmbeddingModel, upstash.SparseEmbeddingModel); err != nil {
		return body, err
	}
	if d, ok := embeddingDimensions[body.EmbeddingModel]; ok {
		switch {
		case body.DimensionCount == 0:
			body.DimensionCount = d
		case body.DimensionCount != d:
			return body, clierr.Usagef("--embedding-model %s makes vectors of %d dimensions, not %d", x.EmbeddingModel, d, body.DimensionCount)
		}
	}
	switch {
	case body.DimensionCount < 0:
		return body, clierr.Usagef("--dimensions must be positive")
	case body.DimensionCount == 0 && body.IndexType != "SPARSE":
		return body, clierr.Usagef("--dimensions is required for --kind vector (or give --embedding-model)")
	}
	return body, cmdutil.Suggesting(upstash.Vector.CheckPlan(body.Type), body.Type, upstash.Vector.Plans)
}

// embeddingDimensions are the dimensions of Upstash's embedding models
// (Upstash's docs, vector/features/embeddingmodels.mdx).
var embeddingDimensions = map[string]int{
	"BGE_SMALL_EN_V1_5": 384, "BGE_BASE_EN_V1_5": 768, "BGE_LARGE_EN_V1_5": 1024, "BGE_M3": 1024,
}

// enumFlag is v, given in any case, as the API spells it ("" stays "").
func enumFlag(flag, v string, allowed []string) (string, error) {
	if v == "" {
		return "", nil
	}
	up := strings.ToUpper(v)
	if !slices.Contains(allowed, up) {
		return "", cmdutil.Suggesting(clierr.Usagef("invalid --%s %q", flag, v).WithHint(cmdutil.ListHint("Valid values", lowered(allowed))),
			v, lowered(allowed))
	}
	return up, nil
}

// createIndexRun is `create upstash --kind vector|search`: as for Redis,
// the input is checked first, --if-not-exists returns a namesake that
// matches, and a create whose answer was lost is adopted, never repeated.
// stdout gets the index's two env lines (or JSON).
func createIndexRun(ctx context.Context, opts *CreateOptions) error {
	k := upstash.KindNamed(opts.Index.Kind)
	if err := cmdutil.CheckName(opts.Name, "index id"); err != nil {
		return err
	}
	if opts.Region == "" {
		return clierr.Usagef("--region is required").WithHint(cmdutil.ListHint("Regions", k.Regions))
	}
	if err := checkIndexRegion(k, opts.Region); err != nil {
		return clierr.Wrap(clierr.Usage, err)
	}
	var body any
	matches := func(ix *upstash.Index) bool { return ix.Region == opts.Region }
	if k == upstash.Vector {
		vb, err := vectorBody(opts)
		if err != nil {
			return err
		}
		body = vb
		matches = func(ix *upstash.Index) bool {
			return ix.Region == vb.Region && strings.EqualFold(ix.SimilarityFunction, vb.SimilarityFunction) &&
				(vb.DimensionCount == 0 || ix.DimensionCount == vb.DimensionCount)
		}
	} else {
		plan := opts.Index.Plan
		if plan == "" {
			plan = upstash.DefaultSearchPlan
		}
		if err := k.CheckPlan(plan); err != nil {
			return cmdutil.Suggesting(err, plan, k.Plans)
		}
		body = upstash.NewSearchIndex{Name: opts.Name, Region: opts.Region, Type: plan}
	}
	client, err := opts.Upstash()
	if err != nil {
		return err
	}
	ios := opts.IO
	before, err := client.IndexesNamed(ctx, k, opts.Name)
	if err != nil {
		return err
	}
	var ix *upstash.Index
	existed := false
	if opts.IfNotExists && len(before) > 0 {
		for i := range before {
			if matches(&before[i]) {
				existed = true
				if ix, err = client.GetIndex(ctx, k, before[i].ID); err != nil {
					return err
				}
				break
			}
		}
		if ix == nil {
			b := before[0]
			return clierr.Usagef("an Upstash %s named %q exists with other settings (%s, id %s)", k.Noun(), opts.Name, b.Region, b.ID).
				WithHint("Choose another --name, or match its settings.")
		}
	}
	if ix == nil {
		once := cmdutil.CreateOnce[upstash.Index]{
			Provider: "Upstash", Kind: k.Noun(), Name: opts.Name, ListCmd: "cachelink list upstash --kind " + k.Name, Before: before,
			Named:   func(ctx context.Context) ([]upstash.Index, error) { return client.IndexesNamed(ctx, k, opts.Name) },
			ID:      func(ix *upstash.Index) string { return ix.ID },
			Matches: matches,
			Fetch: func(ctx context.Context, id string) (*upstash.Index, error) {
				return client.GetIndex(ctx, k, id)
			},
			IOStream: ios,
		}
		ix, err = once.Do(ctx, func(ctx context.Context) (*upstash.Index, error) { return client.CreateIndex(ctx, k, body) })
		if err != nil {
			return err
		}
	}
	verb := "Created"
	if existed {
		verb = "Using the existing"
	}
	fmt.Fprintf(ios.ErrOut, "%s %s Upstash %s %s (%s, %s)\n", ios.SuccessIcon(), verb, k.Noun(), cmdutil.OneLine(ix.Name), ix.ID, ix.Region)
	if opts.JSON {
		out := IndexToJSON(k, ix)
		out.Existed = existed
		return output.JSON(ios, out)
	}
	return cmdutil.PrintEnv(ios, "", indexEnv(k, ix, false))
}

// resource is what a reference names: a Redis database or an index.
type resource struct {
	DB    *upstash.Database
	Kind  *upstash.IndexKind // the index's kind
	Index *upstash.Index
}

// checkResourceKind refuses a --kind that list, get and delete do not take.
func checkResourceKind(kind string) error {
	if kind == "" || slices.Contains(resourceKinds, kind) {
		return nil
	}
	if kind == KindQStash {
		return clierr.Usagef("QStash is not listed, shown or deleted here: every account has it").
			WithHint("Run 'cachelink connstr upstash --kind qstash' for its token.")
	}
	return cmdutil.Suggesting(clierr.Usagef("invalid --kind %q", kind).WithHint(cmdutil.ListHint("Kinds", resourceKinds)), kind, resourceKinds)
}

// findResource finds what ref names: of kind when given, else a Redis
// database first (one request, as before there were other kinds), then a
// Vector or Search index (the two looked up at once).
func findResource(ctx context.Context, client *upstash.Client, kind, ref string) (*resource, error) {
	if kind == KindRedis || kind == "" {
		d, err := client.FindDatabase(ctx, ref)
		if err == nil || kind == KindRedis || clierr.KindOf(err) != clierr.NotFound {
			return &resource{DB: d}, err
		}
	}
	if k := upstash.KindNamed(kind); k != nil {
		ix, err := client.FindIndex(ctx, k, ref)
		return &resource{Kind: k, Index: ix}, err
	}
	found := make([]*resource, len(upstash.IndexKinds))
	errs := make([]error, len(upstash.IndexKinds))
	var wg sync.WaitGroup
	for i, k := range upstash.IndexKinds {
		wg.Go(func() {
			ix, err := client.FindIndex(ctx, k, ref)
			found[i], errs[i] = &resource{Kind: k, Index: ix}, err
		})
	}
	wg.Wait()
	var hits []*resource
	for i, err := range errs {
		switch {
		case err == nil:
			hits = append(hits, found[i])
		case clierr.KindOf(err) != clierr.NotFound:
			return nil, err
		}
	}
	switch len(hits) {
	case 0:
		what := "named " + strconv.Quote(ref)
		if upstash.IsID(ref) {
			what = "with id " + ref
		}
		return nil, clierr.NotFoundf("no Upstash database, Vector index or Search index %s", what).
			WithHint("Run 'cachelink list upstash' to see them.")
	case 1:
		return hits[0], nil
	}
	return nil, clierr.Usagef("both a Vector and a Search index are named %q", ref).
		WithHint("Choose one with --kind vector or --kind search.")
}

// lookupResource builds the client and finds what ref names.
func lookupResource(ctx context.Context, newClient func() (*upstash.Client, error), kind, ref string) (*upstash.Client, *resource, error) {
	if err := checkResourceKind(kind); err != nil {
		return nil, nil, err
	}
	client, err := newClient()
	if err != nil {
		return nil, nil, err
	}
	r, err := findResource(ctx, client, kind, ref)
	if err != nil {
		return nil, nil, err
	}
	return client, r, nil
}

// listKindsRun is `list upstash`: the databases, then the indexes of
// every kind (their lists asked for at once), or those of --kind.
func listKindsRun(ctx context.Context, opts *ListOptions) error {
	if err := checkResourceKind(opts.Kind); err != nil {
		return err
	}
	client, err := opts.Upstash()
	if err != nil {
		return err
	}
	var (
		dbs     []upstash.Database
		indexes = make([][]upstash.Index, len(upstash.IndexKinds))
		errs    = make([]error, len(upstash.IndexKinds)+1)
		wg      sync.WaitGroup
	)
	if opts.Kind == "" || opts.Kind == KindRedis {
		// First and alone: the databases are what most accounts have.
		if dbs, err = client.ListDatabases(ctx); err != nil {
			return err
		}
	}
	for i, k := range upstash.IndexKinds {
		if opts.Kind == "" || opts.Kind == k.Name {
			wg.Go(func() { indexes[i], errs[i+1] = client.ListIndexes(ctx, k) })
		}
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		for _, e := range errs {
			if e != nil {
				return e // the first: its exit code and hint
			}
		}
	}
	out := []any{}
	t := table(dbs)
	t.Headers = append(t.Headers, "KIND")
	t.Empty = "No databases yet, and no indexes: create one with 'cachelink create upstash --name NAME --region eu-west-1' " +
		"(add --kind vector or --kind search for an index)."
	for i := range t.Rows {
		t.Rows[i] = append(t.Rows[i], KindRedis)
	}
	for i := range dbs {
		if !opts.ShowSecrets {
			dropSecrets(&dbs[i])
		}
		out = append(out, ToJSON(&dbs[i])) // its kind is "redis"
	}
	for i, k := range upstash.IndexKinds {
		for j := range indexes[i] {
			ix := &indexes[i][j]
			if !opts.ShowSecrets {
				ix.Token, ix.ReadOnlyToken = "", ""
			}
			t.Rows = append(t.Rows, []string{ix.ID, ix.Name, ix.Region, "-", upstash.IndexHost(k, ix), "-", k.Name})
			out = append(out, IndexToJSON(k, ix))
		}
	}
	return output.Print(opts.IO, opts.JSON, out, t)
}

// indexDetail is one index for `get upstash`, with its tokens masked; its
// labels are the JSON keys (IndexJSON).
func indexDetail(k *upstash.IndexKind, ix *upstash.Index) output.Detail {
	out := output.Detail{Width: 24}
	out.Add("id", ix.ID)
	out.Add("name", ix.Name)
	out.Add("kind", k.Name)
	out.Add("region", ix.Region)
	out.Add("endpoint", upstash.IndexHost(k, ix))
	out.Add("rest_url", upstash.IndexURL(k, ix))
	out.Add("rest_token", "******** (print it with: cachelink connstr upstash --kind "+k.Name+" "+ix.ID+")")
	if ix.Type != "" {
		out.Add("plan", ix.Type)
	}
	if ix.SimilarityFunction != "" {
		out.Add("similarity_function", strings.ToLower(ix.SimilarityFunction))
	}
	if ix.DimensionCount > 0 {
		out.Add("dimension_count", strconv.Itoa(ix.DimensionCount))
	}
	if ix.EmbeddingModel != "" {
		out.Add("embedding_model", strings.ToLower(ix.EmbeddingModel))
	}
	if ix.SparseEmbeddingModel != "" {
		out.Add("sparse_embedding_model", strings.ToLower(ix.SparseEmbeddingModel))
	}
	if ix.IndexType != "" {
		out.Add("index_type", strings.ToLower(ix.IndexType))
	}
	if ix.CreationTime > 0 {
		out.Add("created_at", output.FormatUnix(ix.CreationTime))
	}
	return out
}

// connstrIndex prints how to reach an index: env lines (the default; its
// kind's URL and token variables), the REST URL, the token alone, or JSON.
func connstrIndex(opts *ConnstrOptions, k *upstash.IndexKind, ix *upstash.Index) error {
	format, err := cmdutil.ResolveFormat(opts.Format, opts.JSON, opts.WriteEnv, "env", "rest", "token", "json")
	if err != nil {
		return err
	}
	ios := opts.IO
	switch format {
	case "json":
		out := IndexToJSON(k, ix)
		if opts.ReadOnly {
			out.RESTToken = ""
		}
		return output.JSON(ios, out)
	case "rest":
		_, err = fmt.Fprintln(ios.Out, upstash.IndexURL(k, ix))
		return err
	case "token":
		token := ix.Token
		if opts.ReadOnly {
			token = ix.ReadOnlyToken
		}
		_, err = fmt.Fprintln(ios.Out, token)
		return err
	}
	return cmdutil.PrintEnv(ios, opts.WriteEnv, indexEnv(k, ix, opts.ReadOnly))
}

// connstrFormats are the --format values of every kind together.
var connstrFormats = []string{"redis", "rest", "env", "json", "token"}

// connstrKindRun is `connstr upstash` for --kind vector, search or
// qstash, or without --kind (a Redis database first, then an index); it
// reports false for --kind redis, which the Redis code prints.
func connstrKindRun(ctx context.Context, opts *ConnstrOptions) (bool, error) {
	switch {
	case opts.Kind == KindRedis:
		return false, nil
	case opts.Kind == KindQStash:
		return true, connstrQStash(ctx, opts)
	case opts.Kind != "" && !isIndexKind(opts.Kind):
		kinds := []string{KindRedis, KindVector, KindSearch, KindQStash}
		return true, cmdutil.Suggesting(clierr.Usagef("invalid --kind %q", opts.Kind).WithHint(cmdutil.ListHint("Kinds", kinds)), opts.Kind, kinds)
	}
	if opts.Region != "" {
		return true, clierr.Usagef("--region is for --kind qstash")
	}
	// Everything that can be checked before the kind is known is, before
	// any request.
	format, err := cmdutil.ResolveFormat(opts.Format, opts.JSON, opts.WriteEnv, connstrFormats...)
	if err != nil {
		return true, err
	}
	explicit := opts.Format != "" || opts.JSON || opts.WriteEnv != ""
	if opts.ReadOnly && format == "redis" && (explicit || opts.Kind == "") {
		e := clierr.Usagef("the Redis protocol has no read-only password; --read-only works with --format rest, env or json")
		if !explicit && opts.Kind == "" {
			e = e.WithHint("For a Vector or Search index, add --kind vector or --kind search.")
		}
		return true, e
	}
	if opts.Kind == "" {
		if err := cmdutil.CheckEnvName(opts.EnvName); err != nil {
			return true, err
		}
	}
	_, r, err := lookupResource(ctx, opts.Upstash, opts.Kind, opts.DBRef)
	if err != nil {
		return true, err
	}
	if r.DB != nil {
		if opts.Format == "token" {
			return true, clierr.Usagef("--format token is for indexes and QStash; %s is a Redis database", opts.DBRef)
		}
		return true, connstrDatabase(opts, r.DB)
	}
	if explicit && format == "redis" {
		return true, clierr.Usagef("%s is an Upstash %s, not a Redis database", opts.DBRef, r.Kind.Noun()).
			WithHint("Use --format env, rest, token or json.")
	}
	return true, connstrIndex(opts, r.Kind, r.Index)
}

// connstrQStash prints the account's QStash token: alone (the default),
// as env lines (QSTASH_TOKEN, and QSTASH_URL for a region whose URL
// Upstash's docs give), or JSON. One request.
func connstrQStash(ctx context.Context, opts *ConnstrOptions) error {
	format, err := cmdutil.ResolveFormat(opts.Format, opts.JSON, opts.WriteEnv, "token", "env", "json")
	if err != nil {
		return err
	}
	if err := checkQStashRegion(opts.Region); err != nil {
		return err
	}
	client, err := opts.Upstash()
	if err != nil {
		return err
	}
	u, err := client.FindQStashUser(ctx, opts.Region)
	if err != nil {
		return err
	}
	return printQStash(opts.IO, format, opts.WriteEnv, opts.ReadOnly, u)
}

func checkQStashRegion(region string) error {
	if region == "" || slices.Contains(upstash.QStashRegions, region) {
		return nil
	}
	return cmdutil.Suggesting(clierr.Usagef("unknown QStash region %q", region).WithHint(cmdutil.ListHint("Regions", upstash.QStashRegions)),
		region, upstash.QStashRegions)
}

// QStashJSON is the account's QStash in -o json.
type QStashJSON struct {
	ID            string `json:"id"`
	Kind          string `json:"kind"`
	Region        string `json:"region,omitempty"`
	Plan          string `json:"plan,omitempty"`
	State         string `json:"state,omitempty"`
	URL           string `json:"url,omitempty"`
	Token         string `json:"token,omitempty"`
	ReadOnlyToken string `json:"read_only_token,omitempty"`
}

func qstashEnv(u *upstash.QStashUser, readOnly bool) []envfile.Entry {
	token := u.Token
	if readOnly {
		token = u.ReadOnlyToken
	}
	out := []envfile.Entry{{Key: upstash.EnvQStashToken, Value: token}}
	if url := upstash.QStashURL(u.Region); url != "" {
		out = append(out, envfile.Entry{Key: upstash.EnvQStashURL, Value: url})
	}
	return out
}

func printQStash(s *iostreams.IOStreams, format, writeEnv string, readOnly bool, u *upstash.QStashUser) error {
	switch format {
	case "json":
		out := QStashJSON{ID: u.ID, Kind: KindQStash, Region: u.Region, Plan: u.Type, State: u.State, URL: upstash.QStashURL(u.Region),
			Token: u.Token, ReadOnlyToken: u.ReadOnlyToken}
		if readOnly {
			out.Token = ""
		}
		return output.JSON(s, out)
	case "env":
		return cmdutil.PrintEnv(s, writeEnv, qstashEnv(u, readOnly))
	}
	token := u.Token
	if readOnly {
		token = u.ReadOnlyToken
	}
	_, err := fmt.Fprintln(s.Out, token)
	return err
}

// deleteIndex deletes an index after the confirmation a database gets.
func deleteIndex(ctx context.Context, opts *DeleteOptions, client *upstash.Client, k *upstash.IndexKind, ix *upstash.Index) error {
	what := fmt.Sprintf("the Upstash %s %s (%s, %s)", k.Noun(), cmdutil.OneLine(ix.Name), ix.ID, cmdutil.OneLine(ix.Region))
	if err := opts.ConfirmDelete(opts.Yes, what, ix.Name, "Its data is lost."); err != nil {
		return err
	}
	if err := cmdutil.Deleted(client.DeleteIndex(ctx, k, ix.ID)); err != nil {
		return err
	}
	ios := opts.IO
	fmt.Fprintf(ios.ErrOut, "%s Deleted the Upstash %s %s (%s)\n", ios.SuccessIcon(), k.Noun(), cmdutil.OneLine(ix.Name), ix.ID)
	if opts.JSON {
		return output.JSON(ios, output.Deleted{Deleted: true, Provider: "upstash", Kind: k.Name, ID: ix.ID, Name: ix.Name})
	}
	return nil
}

// connstrArgs: one database or index, none with --kind qstash.
func connstrArgs(kind *string) cobra.PositionalArgs {
	one := cmdutil.ExactArgs(1, "a database id or name")
	return func(cmd *cobra.Command, args []string) error {
		if *kind == KindQStash {
			if len(args) > 0 {
				return clierr.Usagef("--kind qstash takes no argument: it is the account's QStash")
			}
			return nil
		}
		return one(cmd, args)
	}
}
