package upstash

// Upstash Vector and Search indexes, managed with the same Developer API
// key as Redis. The requests and answers follow the specification in
// Upstash's docs repository (devops/developer-api/openapi.yml: the paths
// /vector/index... and /search..., the schemas VectorIndex,
// CreateIndexRequest and SearchIndex); both kinds of index share one shape
// here (Index), told apart by their IndexKind.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/provider"
)

// IndexKind is a kind of Upstash index: Vector or Search.
type IndexKind struct {
	Name  string // "vector", as --kind takes it
	Title string // "Vector", for people
	// Collection is the path that lists (GET) and creates (POST) the
	// kind's indexes; Collection/{id} (Item) gets and deletes one.
	Collection string
	item       string
	// Regions are the specification's regions of the kind.
	Regions []string
	// Plans are the values the create's type takes.
	Plans []string
	// HostSuffix turns a bare endpoint slug into the index's host:
	// glowing-baboon-15797-us1 + "-vector.upstash.io".
	HostSuffix string
	// The variables Upstash's SDKs of the kind read.
	EnvURL, EnvToken string
}

// Vector is Upstash Vector (/v2/vector/index...). Its regions and plans
// are those of the specification's CreateIndexRequest.
var Vector = &IndexKind{
	Name: "vector", Title: "Vector",
	Collection: "/v2/vector/index", item: "/v2/vector/index/",
	Regions:    []string{"eu-west-1", "us-east-1", "us-central1"},
	Plans:      []string{"payg", "fixed", "paid"},
	HostSuffix: "-vector.upstash.io",
	EnvURL:     "UPSTASH_VECTOR_REST_URL", EnvToken: "UPSTASH_VECTOR_REST_TOKEN",
}

// The enums of the specification's CreateIndexRequest, in the API's
// spelling (cachelink's flags take them in lower case).
var (
	SimilarityFunctions  = []string{"COSINE", "EUCLIDEAN", "DOT_PRODUCT"}
	EmbeddingModels      = []string{"BGE_SMALL_EN_V1_5", "BGE_BASE_EN_V1_5", "BGE_LARGE_EN_V1_5", "BGE_M3"}
	SparseEmbeddingModel = []string{"BM25", "BGE_M3"}
	IndexTypes           = []string{"DENSE", "SPARSE", "HYBRID"}
)

// IndexKinds are the kinds of index, in the order lists show them.
var IndexKinds = []*IndexKind{Vector, Search}

// KindNamed is the index kind called name ("vector", "search"), or nil.
func KindNamed(name string) *IndexKind {
	for _, k := range IndexKinds {
		if k.Name == name {
			return k
		}
	}
	return nil
}

// Noun is "Vector index", for messages.
func (k *IndexKind) Noun() string { return k.Title + " index" }

// Item is the path of one index.
func (k *IndexKind) Item(id string) string { return k.item + url.PathEscape(id) }

// CheckRegion validates an index's region before any request.
func (k *IndexKind) CheckRegion(region string) error {
	if slices.Contains(k.Regions, region) {
		return nil
	}
	return clierr.Hinted(fmt.Errorf("unknown %s region %q", k.Title, region), "Regions: "+strings.Join(k.Regions, ", "))
}

// CheckPlan validates an index's plan ("" = none) before any request.
func (k *IndexKind) CheckPlan(plan string) error {
	if plan == "" || slices.Contains(k.Plans, plan) {
		return nil
	}
	return clierr.Hinted(fmt.Errorf("unknown %s plan %q", k.Title, plan), "Plans: "+strings.Join(k.Plans, ", "))
}

// Index is a Vector or Search index as the Developer API returns it
// (VectorIndex, SearchIndex). Unknown fields are ignored.
type Index struct {
	ID                   string `json:"id"`
	Name                 string `json:"name"`
	CustomerID           string `json:"customer_id,omitempty"`
	Region               string `json:"region"`
	Type                 string `json:"type"`
	Endpoint             string `json:"endpoint"`
	Token                string `json:"token"`
	ReadOnlyToken        string `json:"read_only_token"`
	SimilarityFunction   string `json:"similarity_function,omitempty"`
	DimensionCount       int    `json:"dimension_count,omitempty"`
	EmbeddingModel       string `json:"embedding_model,omitempty"`
	SparseEmbeddingModel string `json:"sparse_embedding_model,omitempty"`
	IndexType            string `json:"index_type,omitempty"`
	CreationTime         int64  `json:"creation_time,omitempty"`
}

// NewIndex is the body of a Vector create (CreateIndexRequest): name,
// region, similarity_function and dimension_count are required.
type NewIndex struct {
	Name                 string `json:"name"`
	Region               string `json:"region"`
	SimilarityFunction   string `json:"similarity_function"`
	DimensionCount       int    `json:"dimension_count"`
	Type                 string `json:"type,omitempty"`
	EmbeddingModel       string `json:"embedding_model,omitempty"`
	IndexType            string `json:"index_type,omitempty"`
	SparseEmbeddingModel string `json:"sparse_embedding_model,omitempty"`
}

// IndexHost is the index's host name: the endpoint as returned when it is
// a host, else the slug the specification shows
// (glowing-baboon-15797-us1) with the kind's suffix.
func IndexHost(k *IndexKind, ix *Index) string {
	e := ix.Endpoint
	if e == "" || strings.ContainsAny(e, ".:") {
		return e
	}
	return e + k.HostSuffix
}

// IndexURL is the index's REST URL, what the kind's EnvURL holds.
func IndexURL(k *IndexKind, ix *Index) string {
	host := IndexHost(k, ix)
	if strings.Count(host, ":") > 1 {
		host = "[" + host + "]" // IPv6
	}
	return (&url.URL{Scheme: "https", Host: host}).String()
}

// ListIndexes returns the account's indexes of kind k.
func (c *Client) ListIndexes(ctx context.Context, k *IndexKind) ([]Index, error) {
	var out []Index
	err := c.do(ctx, http.MethodGet, k.Collection, nil, &out)
	return out, err
}

// GetIndex returns one index of kind k, with its tokens.
func (c *Client) GetIndex(ctx context.Context, k *IndexKind, id string) (*Index, error) {
	var out Index
	if err := c.do(ctx, http.MethodGet, k.Item(id), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateIndex creates an index of kind k from body (NewIndex for Vector,
// NewSearchIndex for Search). An error wrapping ErrAmbiguous means it may
// exist anyway.
func (c *Client) CreateIndex(ctx context.Context, k *IndexKind, body any) (*Index, error) {
	var out Index
	if err := c.do(ctx, http.MethodPost, k.Collection, body, &out); err != nil {
		return nil, err
	}
	if out.ID == "" {
		return nil, clierr.Wrap(clierr.General, fmt.Errorf("%w: Upstash answered the create without an index id", ErrAmbiguous))
	}
	return &out, nil
}

// DeleteIndex deletes an index of kind k (Upstash answers "OK").
func (c *Client) DeleteIndex(ctx context.Context, k *IndexKind, id string) error {
	return c.do(ctx, http.MethodDelete, k.Item(id), nil, nil)
}

// IndexesNamed returns the indexes of kind k called name.
func (c *Client) IndexesNamed(ctx context.Context, k *IndexKind, name string) ([]Index, error) {
	all, err := c.ListIndexes(ctx, k)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(ix Index) bool { return ix.Name != name }), nil
}

// FindIndex returns the index of kind k that ref names, with its tokens:
// by id (one GET) or by name (one list, which carries the tokens; a GET
// only when it does not). None is exit 3; a name two indexes share is
// exit 2 listing their ids.
func (c *Client) FindIndex(ctx context.Context, k *IndexKind, ref string) (*Index, error) {
	look := provider.Resources{Title: Title, Name: Name, Noun: k.Title + " index", Plural: k.Title + " indexes"}
	id := ref
	if !IsID(ref) {
		found, err := c.IndexesNamed(ctx, k, ref)
		if err != nil {
			return nil, err
		}
		ix, err := provider.OneNamed(look, ref, found, func(ix *Index) string { return ix.ID })
		if err != nil || ix.Token != "" {
			return ix, err
		}
		id = ix.ID
	}
	ix, err := c.GetIndex(ctx, k, id)
	if err != nil && clierr.KindOf(err) == clierr.NotFound {
		return nil, look.NoSuchID(id)
	}
	return ix, err
}
