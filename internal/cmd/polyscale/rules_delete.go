package polyscale

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/output"
	"github.com/cachelink/cachelink/internal/polyscale"
)

// RulesDeleteOptions is what `rules delete` needs.
type RulesDeleteOptions struct {
	IO        *iostreams.IOStreams
	PolyScale func() (*polyscale.Client, error) // the API client
	JSON      bool                              // -o json

	CacheRef string      // the cache id or name
	Target   targetFlags // --table, --query, --template, --key

	target ruleTarget // the rule's target, resolved from Target
}

// NewCmdRulesDelete returns `rules delete`. runF replaces the run function
// in tests.
func NewCmdRulesDelete(f *cmdutil.Factory, runF func(context.Context, *RulesDeleteOptions) error) *cobra.Command {
	opts := &RulesDeleteOptions{IO: f.IOStreams, PolyScale: newClient(f),
		Target: targetFlags{withKey: true}}
	cmd := &cobra.Command{
		Use:   "delete <cache-id|cache-name> (--table T | --query SQL | --template ID | --key KEY)",
		Short: "Delete a rule",
		Long: `Delete the cache rule of a table, a query or a query template; what it covered
falls back to the cache's default caching behaviour.

--query finds the rule by the key rules set gave it (the first 16 hex
characters of the SHA-256 of the SQL, surrounding whitespace removed), so
the SQL must be the same. --template finds a TEMPLATE, AUTO or MANUAL rule.
--key deletes the rule with that key whatever its type, as rules list shows
it: use it for rules made elsewhere, such as in PolyScale's console.

Exits 3 when the cache or the rule does not exist. With -o json the deleted
rule is printed on stdout, with "deleted": true, "provider": "polyscale" and
"kind": "rule", as every delete prints.`,
		Example: `  cachelink rules delete shop --table orders
  cachelink rules delete shop --query 'SELECT * FROM products WHERE id = $1'
  cachelink rules delete shop --key 4f1c2a`,
		Args: cmdutil.ExactArgs(1, "a cache id or name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.CacheRef = args[0]
			t, err := opts.Target.resolve(cmd, opts.CacheRef)
			if err != nil {
				return err
			}
			opts.target = t
			opts.JSON = f.Globals.JSON()
			return cmdutil.Run(cmd, opts, runF, rulesDeleteRun)
		},
	}
	opts.Target.register(cmd, "Delete")
	return cmd
}

func rulesDeleteRun(ctx context.Context, opts *RulesDeleteOptions) error {
	ref, t := opts.CacheRef, opts.target
	client, cache, err := findCache(ctx, opts.PolyScale, ref)
	if err != nil {
		return err
	}
	r, err := getRule(ctx, client, cache.ID, t.key)
	if err != nil {
		return err
	}
	list := fmt.Sprintf("Run 'cachelink rules list %s' to see its rules.", hintRef(ref, cache.ID))
	if r == nil {
		return clierr.NotFoundf("the cache %s has no rule for %s", cmdutil.OneLine(cache.Name), t).WithHint(list)
	}
	if !t.kind.Owns(r.Type) {
		return clierr.NotFoundf("the cache %s has no rule for %s: its key %q holds a %s rule", cmdutil.OneLine(cache.Name), t, t.key, r.Type).
			WithHint(fmt.Sprintf("To delete that rule, run 'cachelink rules delete %s --key %s'.", hintRef(ref, cache.ID), shellQuote(t.key)))
	}
	if err := deleteRule(ctx, client, cache.ID, r); err != nil {
		return err
	}
	ios := opts.IO
	fmt.Fprintf(ios.ErrOut, "%s Deleted the %s rule of %s from the cache %s\n", ios.SuccessIcon(), r.Type, t, cmdutil.OneLine(cache.Name))
	if opts.JSON {
		out := ruleDeletedJSON{RuleJSON: ruleJSON(r, cache.ID), Provider: "polyscale", Kind: "rule"}
		out.Deleted = true
		return output.JSON(ios, out)
	}
	return nil
}

// ruleDeletedJSON is what rules delete prints with -o json: the rule, with
// "deleted": true and the provider and kind every delete names (see
// output.Deleted).
type ruleDeletedJSON struct {
	RuleJSON
	Provider string `json:"provider"`
	Kind     string `json:"kind"`
}
