package polyscale

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/output"
	"github.com/cachelink/cachelink/internal/polyscale"
)

// RulesSetOptions is what `rules set` needs.
type RulesSetOptions struct {
	IO        *iostreams.IOStreams
	PolyScale func() (*polyscale.Client, error) // the API client
	JSON      bool                              // -o json

	CacheRef string
	Target   targetFlags
	TTL      string // --ttl: a Go duration
	Auto     bool   // --auto
	Manual   bool   // --manual
	Name     string // --name
	NameSet  bool   // --name was given (possibly empty, to clear the name)

	// Resolved from the flags above before the run.
	target ruleTarget     // what the rule is for
	want   polyscale.Rule // the rule to set
}

// NewCmdRulesSet returns `rules set`. runF replaces the run function in
// tests.
func NewCmdRulesSet(f *cmdutil.Factory, runF func(context.Context, *RulesSetOptions) error) *cobra.Command {
	opts := &RulesSetOptions{IO: f.IOStreams, PolyScale: newClient(f)}
	cmd := &cobra.Command{
		Use:   "set <cache-id|cache-name> (--table T | --template ID) (--ttl DURATION | --auto | --manual) [--name NAME]",
		Short: "Create or update a rule",
		Long: `Create a cache rule, or update the one the target already has.

The target (exactly one):
  --table T       a TABLE rule: results that read table T stay cached for --ttl
  --template ID   a TEMPLATE rule for PolyScale's query template ID, the id
                  PolyScale generates for a template and shows in its console

There is no --query: PolyScale matches a query's rule by its template id,
never by its SQL, so set refuses --query (exit 2) and asks for the template
id. Rules an earlier cachelink made with --query are still listed, and
deleted with rules delete --query or --key.

What the rule does (exactly one):
  --ttl DURATION  cache for that long: a duration such as 30s, 5m or 1h30m, in
                  whole seconds, from 1s to 2147483647s (about 68 years)
  --auto          templates only: an AUTO rule, PolyScale decides whether and
                  how long to cache the template
  --manual        templates only: a MANUAL rule, taking the template out of
                  PolyScale's automatic caching (no TTL)

--auto and --manual need --template: AUTO and MANUAL rules carry no TTL and
nothing that says whether their key names a table or a template, so cachelink
only makes them for templates, where PolyScale's automatic caching applies.

If the target has a rule already, set changes it in place (its TTL or name);
when the type changes (say from AUTO to a TTL), the old rule is deleted and
the new one created, keeping its name. Nothing is sent when the rule is
already as asked. A key that belongs to a rule of another kind (a table and
a template of the same name) is refused: delete that rule first.

Everything is checked before the first request. The resulting rule is shown
on stderr; with -o json it is printed on stdout (key, type, ttl_seconds,
name, cache_id). Exits 3 when there is no such cache.`,
		Example: `  cachelink rules set shop --table orders --ttl 5m
  cachelink rules set shop --template 4f1c2a --ttl 30s --name product-by-id
  cachelink rules set shop --template 4f1c2a --auto
  cachelink rules set shop --template 4f1c2a --ttl 1h -o json`,
		Args: cmdutil.ExactArgs(1, "a cache id or name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.CacheRef = args[0]
			opts.NameSet = cmd.Flags().Changed("name")
			want, t, err := opts.resolve(cmd)
			if err != nil {
				return err
			}
			opts.want, opts.target = want, t
			opts.JSON = f.Globals.JSON()
			return cmdutil.Run(cmd, opts, runF, rulesSetRun)
		},
	}
	opts.Target.register(cmd, "Set")
	fs := cmd.Flags()
	fs.StringVar(&opts.TTL, "ttl", "", "Cache for this long: 30s, 5m, 1h30m (whole seconds)")
	fs.BoolVar(&opts.Auto, "auto", false, "Let PolyScale decide how to cache the template (--template only)")
	fs.BoolVar(&opts.Manual, "manual", false, "Take the template out of automatic caching (--template only)")
	fs.StringVar(&opts.Name, "name", "", "The rule's name (default: none)")
	return cmd
}

// resolve turns the flags into the rule to set, checking all of them.
func (opts *RulesSetOptions) resolve(cmd *cobra.Command) (polyscale.Rule, ruleTarget, error) {
	t, err := opts.Target.resolve(cmd, opts.CacheRef)
	if err != nil {
		return polyscale.Rule{}, t, err
	}
	if t.kind == polyscale.TargetQuery {
		return polyscale.Rule{}, t, refuseQuery(cmd, opts.CacheRef)
	}
	var modes []string
	if cmd.Flags().Changed("ttl") {
		modes = append(modes, "--ttl")
	}
	if opts.Auto {
		modes = append(modes, "--auto")
	}
	if opts.Manual {
		modes = append(modes, "--manual")
	}
	switch len(modes) {
	case 0:
		return polyscale.Rule{}, t, clierr.Usagef("%s needs what the rule does: --ttl DURATION, --auto or --manual", cmd.CommandPath()).
			WithHint(fmt.Sprintf("For example: %s %s %s --ttl 5m.", cmd.CommandPath(), hintRef(opts.CacheRef, opts.CacheRef), t.flagExample()))
	case 1:
	default:
		return polyscale.Rule{}, t, clierr.Usagef("%s and %s cannot be used together", modes[0], modes[1]).
			WithHint("Pass one of --ttl DURATION (cache for that long), --auto or --manual (templates).")
	}
	want := polyscale.Rule{Key: t.key}
	switch modes[0] {
	case "--ttl":
		secs, err := parseTTL(opts.TTL)
		if err != nil {
			return want, t, err
		}
		want.Type = t.kind.TTLType()
		want.Value = &secs
	case "--auto", "--manual":
		if t.kind != polyscale.TargetTemplate {
			return want, t, clierr.Usagef("%s is for query templates (--template ID), not for %s", modes[0], t.kind.Plural()).
				WithHint(fmt.Sprintf("Give the %s a TTL instead: %s %s %s --ttl 5m.", t.flag()[2:], cmd.CommandPath(), hintRef(opts.CacheRef, opts.CacheRef), t.flagExample()))
		}
		want.Type = polyscale.RuleAuto
		if opts.Manual {
			want.Type = polyscale.RuleManual
		}
	}
	switch {
	case opts.NameSet:
		want.Name = opts.Name
	case t.kind == polyscale.TargetQuery:
		want.Name = strings.TrimSpace(t.value)
	}
	return want, t, nil
}

// refuseQuery is the error of `rules set --query`: PolyScale keys the rules
// of queries by the template ids it generates itself, and never matches a
// key made from the SQL, so set makes no such rule.
func refuseQuery(cmd *cobra.Command, ref string) error {
	return clierr.Usagef("'%s' does not take --query: PolyScale matches a query's rule by the id of its template, which PolyScale generates, not by its SQL", cmd.CommandPath()).
		WithHint(fmt.Sprintf("Find the query's template id in PolyScale's console, then run '%s %s --template ID --ttl 30s'.", cmd.CommandPath(), hintRef(ref, ref)))
}

// parseTTL reads --ttl (see polyscale.ParseTTL), saying what is wrong with
// it and how to write it instead.
func parseTTL(s string) (int64, error) {
	secs, err := polyscale.ParseTTL(s)
	switch {
	case err == nil:
		return secs, nil
	case errors.Is(err, polyscale.ErrTTLNoUnit):
		return 0, clierr.Usagef("--ttl %s has no unit", s).
			WithHint(fmt.Sprintf("Write --ttl %ss for seconds, or use m or h: 5m, 1h.", s))
	case errors.Is(err, polyscale.ErrTTLTooShort):
		return 0, clierr.Usagef("--ttl %s is too short: a rule caches for at least 1s", s).
			WithHint("To stop caching what the rule covers, delete the rule with 'cachelink rules delete'.")
	case errors.Is(err, polyscale.ErrTTLNotWholeSeconds):
		var te *polyscale.TTLError
		errors.As(err, &te)
		return 0, clierr.Usagef("--ttl %s is not a whole number of seconds", s).
			WithHint("PolyScale keeps TTLs in seconds: round it, for example to " + polyscale.FormatTTL(te.Rounded) + ".")
	case errors.Is(err, polyscale.ErrTTLTooLong):
		return 0, clierr.Usagef("--ttl %s is longer than PolyScale allows (2147483647s, about 68 years)", s)
	}
	return 0, clierr.Usagef("--ttl %q is not a duration", s).
		WithHint("Use a duration such as 30s, 5m or 1h30m, at most 2147483647s (about 68 years).")
}

func rulesSetRun(ctx context.Context, opts *RulesSetOptions) error {
	t, want := opts.target, opts.want
	client, cache, err := findCache(ctx, opts.PolyScale, opts.CacheRef)
	if err != nil {
		return err
	}
	old, err := getRule(ctx, client, cache.ID, t.key)
	if err != nil {
		return err
	}
	if old != nil && !t.kind.Owns(old.Type) {
		return clierr.Usagef("the rule for %s would have the key %q, which a %s rule of the cache %s already has (a cache's rules share one set of keys)", t, t.key, old.Type, cmdutil.OneLine(cache.Name)).
			WithHint(fmt.Sprintf("If the new rule should replace it, delete it first: cachelink rules delete %s --key %s", hintRef(opts.CacheRef, cache.ID), shellQuote(t.key)))
	}

	var (
		got  *polyscale.Rule
		verb string
	)
	switch {
	case old == nil:
		verb = "Created"
		got, err = createRule(ctx, opts.IO, client, cache.ID, want)
	case old.Type == want.Type:
		got, verb, err = updateRule(ctx, client, cache.ID, old, want, opts.NameSet)
	case switches(old.Type, want.Type):
		// PolyScale switches a template between AUTO and MANUAL on a
		// create: one rule, of the new type.
		if !opts.NameSet && old.Name != "" {
			want.Name = old.Name
		}
		verb = "Switched to"
		got, err = createRule(ctx, opts.IO, client, cache.ID, want)
	default:
		// The type cannot be patched: delete the old rule, then create.
		if !opts.NameSet && old.Name != "" {
			want.Name = old.Name
		}
		if err = deleteRule(ctx, client, cache.ID, old); err != nil {
			return err
		}
		verb = "Replaced the " + string(old.Type) + " rule with"
		got, err = createRule(ctx, opts.IO, client, cache.ID, want)
		if err != nil {
			return clierr.Wrap(clierr.KindOf(err), fmt.Errorf("the %s rule of %s was deleted, but the %s rule could not be created (run the same command again): %w", old.Type, t, want.Type, err))
		}
	}
	if err != nil {
		return err
	}

	ios := opts.IO
	if verb == "" {
		fmt.Fprintf(ios.ErrOut, "%s The %s rule of %s on the cache %s is already as asked: %s\n", ios.SuccessIcon(), got.Type, t, cmdutil.OneLine(cache.Name), describe(got, t))
	} else {
		fmt.Fprintf(ios.ErrOut, "%s %s the %s rule of %s on the cache %s: %s\n", ios.SuccessIcon(), verb, got.Type, t, cmdutil.OneLine(cache.Name), describe(got, t))
	}
	if opts.JSON {
		return output.JSON(ios, ruleJSON(got, cache.ID))
	}
	return nil
}

// switches reports whether a create of a rule of type to, on a key that
// holds one of type from, switches that rule (AUTO to MANUAL or back)
// rather than conflicting with it.
func switches(from, to polyscale.RuleType) bool {
	am := func(t polyscale.RuleType) bool { return t == polyscale.RuleAuto || t == polyscale.RuleManual }
	return from != to && am(from) && am(to)
}

// createRule creates want. When the answer is lost, it looks the rule up:
// a rule is found by its key, so it is never created twice.
func createRule(ctx context.Context, ios *iostreams.IOStreams, client *polyscale.Client, cacheID string, want polyscale.Rule) (*polyscale.Rule, error) {
	got, err := client.CreateRule(ctx, cacheID, want)
	if err != nil {
		if !errors.Is(err, polyscale.ErrAmbiguous) || ctx.Err() != nil {
			return nil, err
		}
		ios.Warnf("the answer to the create was lost (%v); looking the rule up", err)
		found, gerr := getRule(ctx, client, cacheID, want.Key)
		if gerr != nil || found == nil || found.Type != want.Type {
			return nil, err
		}
		return found, nil
	}
	return polyscale.Merged(got, &want), nil
}

// updateRule changes old's TTL and name to want's, sending only what
// differs; verb says what happened ("" when nothing needed to change).
func updateRule(ctx context.Context, client *polyscale.Client, cacheID string, old *polyscale.Rule, want polyscale.Rule, nameSet bool) (*polyscale.Rule, string, error) {
	var (
		name  *string
		value *int64
	)
	if want.Value != nil && (old.Value == nil || *old.Value != *want.Value) {
		value = want.Value
	}
	// Without --name, a rule keeps the name it has; a QUERY rule without
	// one gets its SQL.
	if (nameSet || old.Name == "") && want.Name != old.Name {
		name = &want.Name
	}
	if name == nil && value == nil {
		return old, "", nil
	}
	got, err := client.UpdateRule(ctx, cacheID, old.Key, name, value)
	if err != nil {
		return nil, "", err
	}
	expect := *old
	if value != nil {
		expect.Value = value
	}
	if name != nil {
		expect.Name = *name
	}
	return polyscale.Merged(got, &expect), "Updated", nil
}

// describe says what a rule does, for the ✓ line.
func describe(r *polyscale.Rule, t ruleTarget) string {
	var s string
	switch {
	case r.Value != nil:
		s = "TTL " + polyscale.FormatTTL(*r.Value)
	case r.Type == polyscale.RuleAuto:
		s = "PolyScale decides"
	case r.Type == polyscale.RuleManual:
		s = "not cached automatically"
	default:
		s = "no TTL"
	}
	if r.Name != "" && (t.kind != polyscale.TargetQuery || r.Name != strings.TrimSpace(t.value)) {
		s += fmt.Sprintf(", name %q", shorten(cmdutil.OneLine(r.Name), 60))
	}
	return s
}
