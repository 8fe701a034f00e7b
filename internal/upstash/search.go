package upstash

// Search is Upstash Search (/v2/search...): the specification's list,
// create (name, region and type, all required), get and delete. Its
// regions and plans are the enums of that create body.
var Search = &IndexKind{
	Name: "search", Title: "Search",
	Collection: "/v2/search", item: "/v2/search/",
	Regions:    []string{"eu-west-1", "us-central1"},
	Plans:      []string{"free", "payg", "fixed"},
	HostSuffix: "-search.upstash.io",
	EnvURL:     "UPSTASH_SEARCH_REST_URL", EnvToken: "UPSTASH_SEARCH_REST_TOKEN",
}

// DefaultSearchPlan is the type a Search create sends when no plan is
// given: the specification requires one, and "free" costs nothing.
const DefaultSearchPlan = "free"

// NewSearchIndex is the body of a Search create.
type NewSearchIndex struct {
	Name   string `json:"name"`
	Region string `json:"region"`
	Type   string `json:"type"`
}
