package polyscale

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/output"
	"github.com/cachelink/cachelink/internal/polyscale"
)

// PolyScale's rule types.
const (
	ruleTable    = "TABLE"
	ruleQuery    = "QUERY"
	ruleTemplate = "TEMPLATE"
	ruleAuto     = "AUTO"
	ruleManual   = "MANUAL"
)

// maxTTL is the longest TTL PolyScale takes, in seconds (a 32-bit integer).
const maxTTL = 1<<31 - 1

// queryKeyLen is how many hex characters of the SQL's SHA-256 make the key
// of a QUERY rule.
const queryKeyLen = 16

// NewCmdRules returns `rules` and its subcommands list, set and delete.
func NewCmdRules(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rules <command>",
		Short: "Manage PolyScale cache rules (TTL rules)",
		Long: `Manage the cache rules of a PolyScale cache: how long the results of a table,
a query or a query template stay cached (a TTL), or whether PolyScale decides
that by itself for a template.

A rule is found by its target: --table NAME, --query SQL or --template ID.
The cache is given by id or by name, as everywhere else.`,
		Example: `  cachelink rules list shop
  cachelink rules set shop --table orders --ttl 5m
  cachelink rules set shop --query 'SELECT * FROM products WHERE id = $1' --ttl 30s
  cachelink rules set shop --template 4f1c2a --auto
  cachelink rules delete shop --table orders`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return clierr.Usagef("%s needs a subcommand: list, set or delete", cmd.CommandPath())
		},
	}
	cmd.AddCommand(newCmdRulesList(f), newCmdRulesSet(f), newCmdRulesDelete(f))
	return cmd
}

// RuleJSON is the JSON of a rule in `rules list`, `rules set` and
// `rules delete`; its keys are part of the contract.
type RuleJSON struct {
	Key        string `json:"key"`
	Type       string `json:"type"`
	TTLSeconds *int64 `json:"ttl_seconds"` // null for AUTO and MANUAL
	Name       string `json:"name"`
	CacheID    string `json:"cache_id"`
	Deleted    bool   `json:"deleted,omitempty"` // delete: the rule is gone
}

func ruleJSON(r *polyscale.Rule, cacheID string) RuleJSON {
	if r.CacheID != "" {
		cacheID = r.CacheID
	}
	return RuleJSON{Key: r.Key, Type: r.Type, TTLSeconds: r.Value, Name: r.Name, CacheID: cacheID}
}

// --- list ---

func newCmdRulesList(f *cmdutil.Factory) *cobra.Command {
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
			return runRulesList(cmd.Context(), f, args[0])
		},
	}
}

func runRulesList(ctx context.Context, f *cmdutil.Factory, ref string) error {
	client, err := f.PolyScale()
	if err != nil {
		return err
	}
	cache, err := client.FindCache(ctx, ref)
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
	ios := f.IOStreams
	if f.Globals.JSON() {
		out := make([]RuleJSON, len(rules))
		for i := range rules {
			out[i] = ruleJSON(&rules[i], cache.ID)
		}
		return output.JSON(ios, out)
	}
	if ios.IsStdoutTTY() {
		if len(rules) == 0 {
			fmt.Fprintf(ios.ErrOut, "The cache %s has no rules yet: add one with `cachelink rules set %s --table NAME --ttl 5m`.\n", cmdutil.OneLine(cache.Name), hintRef(ref, cache.ID))
			return nil
		}
		return rulesTable(ios.Out, rules)
	}
	for _, r := range rules {
		ttl := ""
		if r.Value != nil {
			ttl = strconv.FormatInt(*r.Value, 10)
		}
		fmt.Fprintf(ios.Out, "%s\t%s\t%s\t%s\n", cmdutil.OneLine(r.Type), cmdutil.OneLine(r.Key), ttl, cmdutil.OneLine(r.Name))
	}
	return nil
}

func rulesTable(w io.Writer, rules []polyscale.Rule) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TYPE\tKEY\tTTL\tNAME")
	for _, r := range rules {
		ttl := "-"
		if r.Value != nil {
			ttl = formatTTL(*r.Value)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", cmdutil.OneLine(r.Type), cmdutil.OneLine(r.Key), ttl, shorten(cmdutil.OneLine(r.Name), 60))
	}
	return tw.Flush()
}

// formatTTL writes seconds as a duration that --ttl accepts back: 90 is
// "1m30s", 3600 is "1h".
func formatTTL(secs int64) string {
	if secs <= 0 {
		return strconv.FormatInt(secs, 10) + "s"
	}
	var b strings.Builder
	h, m, s := secs/3600, secs%3600/60, secs%60
	if h > 0 {
		fmt.Fprintf(&b, "%dh", h)
	}
	if m > 0 {
		fmt.Fprintf(&b, "%dm", m)
	}
	if s > 0 {
		fmt.Fprintf(&b, "%ds", s)
	}
	return b.String()
}

// shorten cuts s to max runes, marking the cut.
func shorten(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max-1]) + "…"
}

// --- targets: what a rule is for ---

// ruleTarget is the table, query or template a rule is for, or (delete
// only) a bare key.
type ruleTarget struct {
	flag  string // "--table", "--query", "--template" or "--key"
	value string // what was given: a table name, the SQL, a template id or a key
	key   string // the rule's key at PolyScale
}

// ttlType is the rule type a TTL for this target makes.
func (t ruleTarget) ttlType() string {
	switch t.flag {
	case "--table":
		return ruleTable
	case "--query":
		return ruleQuery
	}
	return ruleTemplate
}

// owns reports whether a rule of type typ can be this target's rule. Keys
// share one namespace per cache, so a table and a template of the same name
// have the same key; a rule of the other kind is not this target's.
func (t ruleTarget) owns(typ string) bool {
	switch t.flag {
	case "--table":
		return typ == ruleTable
	case "--query":
		return typ == ruleQuery
	case "--template":
		return typ == ruleTemplate || typ == ruleAuto || typ == ruleManual
	}
	return true
}

// kindPlural names what the target flag is for, in the plural.
func (t ruleTarget) kindPlural() string {
	switch t.flag {
	case "--table":
		return "tables"
	case "--query":
		return "queries"
	case "--template":
		return "templates"
	}
	return "keys"
}

// flagExample is the target flag as a hint shows it: with its value,
// except for SQL, which is long.
func (t ruleTarget) flagExample() string {
	if t.flag == "--query" {
		return t.flag + " '...'"
	}
	return t.flag + " " + shellQuote(t.value)
}

func (t ruleTarget) String() string {
	switch t.flag {
	case "--table":
		return "table " + cmdutil.OneLine(t.value)
	case "--query":
		return fmt.Sprintf("query %s (%s)", t.key, shorten(cmdutil.OneLine(t.value), 40))
	case "--template":
		return "template " + cmdutil.OneLine(t.value)
	}
	return "key " + cmdutil.OneLine(t.value)
}

// queryKey is the key of a QUERY rule: the first 16 hex characters of the
// SHA-256 of the SQL without its surrounding whitespace.
func queryKey(sql string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(sql)))
	return hex.EncodeToString(sum[:])[:queryKeyLen]
}

// targetFlags are --table, --query and --template (and, for delete, --key).
type targetFlags struct {
	Table, Query, Template, Key string
	withKey                     bool
}

func (tf *targetFlags) register(cmd *cobra.Command, verb string) {
	fs := cmd.Flags()
	fs.StringVar(&tf.Table, "table", "", verb+" the rule for this table")
	fs.StringVar(&tf.Query, "query", "", verb+" the rule for this SQL query (its key is derived from the SQL)")
	fs.StringVar(&tf.Template, "template", "", verb+" the rule for this query template id")
	if tf.withKey {
		fs.StringVar(&tf.Key, "key", "", verb+" the rule with this key, whatever its type (as `rules list` shows it)")
	}
}

// resolve checks that exactly one target was given and that it makes a
// valid key; ref, the cache, is for the hint.
func (tf *targetFlags) resolve(cmd *cobra.Command, ref string) (ruleTarget, error) {
	names := []string{"--table", "--query", "--template"}
	values := []string{tf.Table, tf.Query, tf.Template}
	if tf.withKey {
		names = append(names, "--key")
		values = append(values, tf.Key)
	}
	var given []int
	for i, n := range names {
		if cmd.Flags().Changed(n[2:]) {
			given = append(given, i)
		}
	}
	list := strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
	switch len(given) {
	case 0:
		return ruleTarget{}, clierr.Usagef("%s needs what the rule is for: %s", cmd.CommandPath(), list).
			WithHint("For example: " + cmd.CommandPath() + " " + hintRef(ref, ref) + " --table orders" + exampleMode(cmd) + ".")
	case 1:
	default:
		return ruleTarget{}, clierr.Usagef("%s and %s cannot be used together: a rule is for one table, query or template", names[given[0]], names[given[1]]).
			WithHint("Pass only one of " + list + ".")
	}
	t := ruleTarget{flag: names[given[0]], value: values[given[0]]}
	if strings.TrimSpace(t.value) == "" {
		return ruleTarget{}, clierr.Usagef("%s must not be empty", t.flag)
	}
	if t.flag == "--query" {
		t.key = queryKey(t.value)
		return t, nil
	}
	t.key = t.value
	switch {
	case strings.Contains(t.key, "/"):
		return ruleTarget{}, clierr.Usagef("%s %q contains '/', which PolyScale does not allow in a rule's key", t.flag, t.key)
	case t.key == "." || t.key == "..":
		return ruleTarget{}, clierr.Usagef("%s %q is not a valid rule key", t.flag, t.key)
	}
	for _, r := range t.key {
		if r < 0x20 || r == 0x7f {
			return ruleTarget{}, clierr.Usagef("%s contains a control character", t.flag)
		}
	}
	return t, nil
}

func exampleMode(cmd *cobra.Command) string {
	if cmd.Name() == "set" {
		return " --ttl 5m"
	}
	return ""
}

// --- set ---

// rulesSetOptions are the flags of `rules set`.
type rulesSetOptions struct {
	CacheRef string
	Target   targetFlags
	TTL      string // --ttl: a Go duration
	Auto     bool   // --auto
	Manual   bool   // --manual
	Name     string // --name
	NameSet  bool   // --name was given (possibly empty, to clear the name)
}

func newCmdRulesSet(f *cmdutil.Factory) *cobra.Command {
	opts := &rulesSetOptions{}
	cmd := &cobra.Command{
		Use:   "set <cache-id|cache-name> (--table T | --query SQL | --template ID) (--ttl DURATION | --auto | --manual) [--name NAME]",
		Short: "Create or update a rule",
		Long: `Create a cache rule, or update the one the target already has.

The target (exactly one):
  --table T       a TABLE rule: results that read table T stay cached for --ttl
  --query SQL     a QUERY rule for that exact SQL; its key is the first 16 hex
                  characters of the SHA-256 of the SQL (surrounding whitespace
                  removed), and its name is the SQL unless --name says otherwise
  --template ID   a TEMPLATE rule for PolyScale's query template ID

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
  cachelink rules set shop --query 'SELECT * FROM products WHERE id = $1' --ttl 30s --name product-by-id
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
			return runRulesSet(cmd.Context(), f, opts, t, want)
		},
	}
	opts.Target.register(cmd, "Set")
	fs := cmd.Flags()
	fs.StringVar(&opts.TTL, "ttl", "", "Cache for this long: 30s, 5m, 1h30m (whole seconds)")
	fs.BoolVar(&opts.Auto, "auto", false, "Let PolyScale decide how to cache the template (--template only)")
	fs.BoolVar(&opts.Manual, "manual", false, "Take the template out of automatic caching (--template only)")
	fs.StringVar(&opts.Name, "name", "", "The rule's name (default: the SQL for --query, none otherwise)")
	return cmd
}

// resolve turns the flags into the rule to set, checking all of them.
func (opts *rulesSetOptions) resolve(cmd *cobra.Command) (polyscale.Rule, ruleTarget, error) {
	t, err := opts.Target.resolve(cmd, opts.CacheRef)
	if err != nil {
		return polyscale.Rule{}, t, err
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
		want.Type = t.ttlType()
		want.Value = &secs
	case "--auto", "--manual":
		if t.flag != "--template" {
			return want, t, clierr.Usagef("%s is for query templates (--template ID), not for %s", modes[0], t.kindPlural()).
				WithHint(fmt.Sprintf("Give the %s a TTL instead: %s %s %s --ttl 5m.", t.flag[2:], cmd.CommandPath(), hintRef(opts.CacheRef, opts.CacheRef), t.flagExample()))
		}
		want.Type = ruleAuto
		if opts.Manual {
			want.Type = ruleManual
		}
	}
	switch {
	case opts.NameSet:
		want.Name = opts.Name
	case t.flag == "--query":
		want.Name = strings.TrimSpace(t.value)
	}
	return want, t, nil
}

// parseTTL reads --ttl: a Go duration of whole seconds, 1s to maxTTL.
func parseTTL(s string) (int64, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		if _, nerr := strconv.ParseUint(s, 10, 64); nerr == nil {
			return 0, clierr.Usagef("--ttl %s has no unit", s).
				WithHint(fmt.Sprintf("Write --ttl %ss for seconds, or use m or h: 5m, 1h.", s))
		}
		return 0, clierr.Usagef("--ttl %q is not a duration", s).
			WithHint("Use a duration such as 30s, 5m or 1h30m, at most 2147483647s (about 68 years).")
	}
	switch {
	case d <= 0:
		return 0, clierr.Usagef("--ttl %s is too short: a rule caches for at least 1s", s).
			WithHint("To stop caching what the rule covers, delete the rule with `cachelink rules delete`.")
	case d%time.Second != 0:
		return 0, clierr.Usagef("--ttl %s is not a whole number of seconds", s).
			WithHint("PolyScale keeps TTLs in seconds: round it, for example to " + formatTTL(max(1, int64(d.Round(time.Second)/time.Second))) + ".")
	case d/time.Second > maxTTL:
		return 0, clierr.Usagef("--ttl %s is longer than PolyScale allows (2147483647s, about 68 years)", s)
	}
	return int64(d / time.Second), nil
}

func runRulesSet(ctx context.Context, f *cmdutil.Factory, opts *rulesSetOptions, t ruleTarget, want polyscale.Rule) error {
	client, err := f.PolyScale()
	if err != nil {
		return err
	}
	cache, err := client.FindCache(ctx, opts.CacheRef)
	if err != nil {
		return err
	}
	old, err := getRule(ctx, client, cache.ID, t.key)
	if err != nil {
		return err
	}
	if old != nil && !t.owns(old.Type) {
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
		got, err = createRule(ctx, f.IOStreams, client, cache.ID, want)
	case old.Type == want.Type:
		got, verb, err = updateRule(ctx, client, cache.ID, old, want, opts.NameSet)
	default:
		// The type cannot be patched: delete the old rule, then create.
		if !opts.NameSet && old.Name != "" {
			want.Name = old.Name
		}
		if err = deleteRule(ctx, client, cache.ID, old); err != nil {
			return err
		}
		verb = "Replaced the " + old.Type + " rule with"
		got, err = createRule(ctx, f.IOStreams, client, cache.ID, want)
		if err != nil {
			return clierr.Wrap(clierr.KindOf(err), fmt.Errorf("the %s rule of %s was deleted, but the %s rule could not be created (run the same command again): %w", old.Type, t, want.Type, err))
		}
	}
	if err != nil {
		return err
	}

	ios := f.IOStreams
	if verb == "" {
		fmt.Fprintf(ios.ErrOut, "%s The %s rule of %s on the cache %s is already as asked: %s\n", ios.SuccessIcon(), got.Type, t, cmdutil.OneLine(cache.Name), describe(got, t))
	} else {
		fmt.Fprintf(ios.ErrOut, "%s %s the %s rule of %s on the cache %s: %s\n", ios.SuccessIcon(), verb, got.Type, t, cmdutil.OneLine(cache.Name), describe(got, t))
	}
	if f.Globals.JSON() {
		return output.JSON(ios, ruleJSON(got, cache.ID))
	}
	return nil
}

// getRule returns the rule with key, or nil when there is none.
func getRule(ctx context.Context, client *polyscale.Client, cacheID, key string) (*polyscale.Rule, error) {
	r, err := client.GetRule(ctx, cacheID, key)
	if clierr.KindOf(err) == clierr.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if r.Key == "" {
		r.Key = key
	}
	return r, nil
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
	return merged(got, &want), nil
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
	return merged(got, &expect), "Updated", nil
}

// merged fills what an answer left out from what was sent.
func merged(got, sent *polyscale.Rule) *polyscale.Rule {
	if got == nil || got.Key == "" {
		return sent
	}
	return got
}

// deleteRule deletes r; a rule that is already gone is not an error (a
// retried DELETE whose first answer was lost finds nothing).
func deleteRule(ctx context.Context, client *polyscale.Client, cacheID string, r *polyscale.Rule) error {
	err := client.DeleteRule(ctx, cacheID, r.Type, r.Key)
	if clierr.KindOf(err) == clierr.NotFound {
		return nil
	}
	return err
}

// describe says what a rule does, for the ✓ line.
func describe(r *polyscale.Rule, t ruleTarget) string {
	var s string
	switch {
	case r.Value != nil:
		s = "TTL " + formatTTL(*r.Value)
	case r.Type == ruleAuto:
		s = "PolyScale decides"
	case r.Type == ruleManual:
		s = "not cached automatically"
	default:
		s = "no TTL"
	}
	if r.Name != "" && (t.flag != "--query" || r.Name != strings.TrimSpace(t.value)) {
		s += fmt.Sprintf(", name %q", shorten(cmdutil.OneLine(r.Name), 60))
	}
	return s
}

// --- delete ---

func newCmdRulesDelete(f *cmdutil.Factory) *cobra.Command {
	tf := &targetFlags{withKey: true}
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
rule is printed on stdout, with "deleted": true.`,
		Example: `  cachelink rules delete shop --table orders
  cachelink rules delete shop --query 'SELECT * FROM products WHERE id = $1'
  cachelink rules delete shop --key 4f1c2a`,
		Args: cmdutil.ExactArgs(1, "a cache id or name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := tf.resolve(cmd, args[0])
			if err != nil {
				return err
			}
			return runRulesDelete(cmd.Context(), f, args[0], t)
		},
	}
	tf.register(cmd, "Delete")
	return cmd
}

func runRulesDelete(ctx context.Context, f *cmdutil.Factory, ref string, t ruleTarget) error {
	client, err := f.PolyScale()
	if err != nil {
		return err
	}
	cache, err := client.FindCache(ctx, ref)
	if err != nil {
		return err
	}
	r, err := getRule(ctx, client, cache.ID, t.key)
	if err != nil {
		return err
	}
	list := fmt.Sprintf("Run `cachelink rules list %s` to see its rules.", hintRef(ref, cache.ID))
	if r == nil {
		return clierr.NotFoundf("the cache %s has no rule for %s", cmdutil.OneLine(cache.Name), t).WithHint(list)
	}
	if !t.owns(r.Type) {
		return clierr.NotFoundf("the cache %s has no rule for %s: its key %q holds a %s rule", cmdutil.OneLine(cache.Name), t, t.key, r.Type).
			WithHint(fmt.Sprintf("To delete that rule, run `cachelink rules delete %s --key %s`.", hintRef(ref, cache.ID), shellQuote(t.key)))
	}
	if err := deleteRule(ctx, client, cache.ID, r); err != nil {
		return err
	}
	ios := f.IOStreams
	fmt.Fprintf(ios.ErrOut, "%s Deleted the %s rule of %s from the cache %s\n", ios.SuccessIcon(), r.Type, t, cmdutil.OneLine(cache.Name))
	if f.Globals.JSON() {
		out := ruleJSON(r, cache.ID)
		out.Deleted = true
		return output.JSON(ios, out)
	}
	return nil
}

// hintRef is how a hint names the cache: as the user did, quoted for a
// shell, or by id when the name has control characters.
func hintRef(ref, id string) string {
	if ref == "" || cmdutil.OneLine(ref) != ref {
		return id
	}
	return shellQuote(ref)
}

// shellQuote quotes s for a POSIX shell when it needs quoting, so a hint
// can be pasted as it is.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-:=@%+,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
