package polyscale

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/output"
	"github.com/cachelink/cachelink/internal/polyscale"
)

// RulesListOptions is what `rules list` needs.
type RulesListOptions struct {
	IO        *iostreams.IOStreams
	PolyScale func() (*polyscale.Client, error) // the API client
	JSON      bool                              // -o json

	CacheRef string // the cache id or name
}

// NewCmdRulesList returns `rules list`. runF replaces the run function in
// tests.
func NewCmdRulesList(f *cmdutil.Factory, runF func(context.Context, *RulesListOptions) error) *cobra.Command {
	opts := &RulesListOptions{IO: f.IOStreams, PolyScale: newClient(f)}
	return &cobra.Command{
		Use:   "list <cache-id|cache-name>",
		Short: "List a cache's rules",
		Long: `List the cache rules of a PolyScale cache, sorted by type, then key.

On a terminal: a table of TYPE, KEY, TTL and NAME (a QUERY rule's name is its
SQL, shortened to fit). Piped: tab-separated lines without a header: type, key,
TTL in seconds (empty for AUTO and MANUAL rules) and name. With -o json: an
array of objects with the keys key, type, ttl_seconds (null for AUTO and
MANUAL), name and cache_id.

Exits 3 when there is no such cache.`,
		Example: `  cachelink rules list shop
  cachelink rules list shop | awk -F'\t' '$1 == "TABLE" {print $2, $3}'
  cachelink rules list shop -o json | jq -r '.[] | select(.type == "AUTO") | .key'`,
		Args: cmdutil.ExactArgs(1, "a cache id or name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.CacheRef = args[0]
			opts.JSON = f.Globals.JSON()
			return cmdutil.Run(cmd, opts, runF, rulesListRun)
		},
	}
}

func rulesListRun(ctx context.Context, opts *RulesListOptions) error {
	ref := opts.CacheRef
	client, cache, err := findCache(ctx, opts.PolyScale, ref)
	if err != nil {
		return err
	}
	rules, err := client.ListRules(ctx, cache.ID)
	if err != nil {
		return err
	}
	sort.SliceStable(rules, func(i, j int) bool {
		if rules[i].Type != rules[j].Type {
			return rules[i].Type < rules[j].Type
		}
		return rules[i].Key < rules[j].Key
	})
	out := make([]RuleJSON, len(rules))
	for i := range rules {
		out[i] = ruleJSON(&rules[i], cache.ID)
	}
	empty := fmt.Sprintf("The cache %s has no rules yet: add one with 'cachelink rules set %s --table NAME --ttl 5m'.",
		cmdutil.OneLine(cache.Name), hintRef(ref, cache.ID))
	return output.Print(opts.IO, opts.JSON, out, rulesTable(rules, empty))
}

// rulesTable is the list of rules: on a terminal the TTL for people and
// long names shortened, piped the TTL in seconds and the whole name.
func rulesTable(rules []polyscale.Rule, empty string) output.Table {
	t := output.Table{Headers: []string{"TYPE", "KEY", "TTL", "NAME"}, Empty: empty, Piped: [][]string{}}
	for _, r := range rules {
		ttl, secs := "-", ""
		if r.Value != nil {
			ttl, secs = polyscale.FormatTTL(*r.Value), strconv.FormatInt(*r.Value, 10)
		}
		t.Rows = append(t.Rows, []string{string(r.Type), r.Key, ttl, shorten(cmdutil.OneLine(r.Name), 60)})
		t.Piped = append(t.Piped, []string{string(r.Type), r.Key, secs, r.Name})
	}
	return t
}
