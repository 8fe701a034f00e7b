package polyscale

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/polyscale"
)

// NewCmdRules returns `rules` and its subcommands list, set and delete.
func NewCmdRules(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rules <command>",
		Short: "Manage PolyScale cache rules (TTL rules)",
		Long: `Manage the cache rules of a PolyScale cache: how long the results of a table,
a query or a query template stay cached (a TTL), or whether PolyScale decides
that by itself for a template.

A rule is for a table (--table NAME) or a query template (--template ID, the
id PolyScale generates for a template and shows in its console). The cache
is given by id or by name, as everywhere else.`,
		Example: `  cachelink rules list shop
  cachelink rules set shop --table orders --ttl 5m
  cachelink rules set shop --template 4f1c2a --ttl 30s
  cachelink rules set shop --template 4f1c2a --auto
  cachelink rules delete shop --table orders`,
		Args: cmdutil.UnknownSubcommand,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return clierr.Usagef("%s needs a subcommand: list, set or delete", cmd.CommandPath())
		},
	}
	cmd.AddCommand(NewCmdRulesList(f, nil), NewCmdRulesSet(f, nil), NewCmdRulesDelete(f, nil))
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
	return RuleJSON{Key: r.Key, Type: string(r.Type), TTLSeconds: r.Value, Name: r.Name, CacheID: cacheID}
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
	kind  polyscale.RuleTarget
	value string // what was given: a table name, the SQL, a template id or a key
	key   string // the rule's key at PolyScale
}

// targetFlag is the flag that gives a target of kind k: "--table",
// "--query", "--template" or "--key".
func targetFlag(k polyscale.RuleTarget) string {
	switch k {
	case polyscale.TargetTable:
		return "--table"
	case polyscale.TargetQuery:
		return "--query"
	case polyscale.TargetTemplate:
		return "--template"
	}
	return "--key"
}

// flag is the flag the target was given with.
func (t ruleTarget) flag() string { return targetFlag(t.kind) }

// flagExample is the target flag as a hint shows it: with its value,
// except for SQL, which is long.
func (t ruleTarget) flagExample() string {
	if t.kind == polyscale.TargetQuery {
		return t.flag() + " '...'"
	}
	return t.flag() + " " + shellQuote(t.value)
}

func (t ruleTarget) String() string {
	switch t.kind {
	case polyscale.TargetTable:
		return "table " + cmdutil.OneLine(t.value)
	case polyscale.TargetQuery:
		return fmt.Sprintf("query %s (%s)", t.key, shorten(cmdutil.OneLine(t.value), 40))
	case polyscale.TargetTemplate:
		return "template " + cmdutil.OneLine(t.value)
	}
	return "key " + cmdutil.OneLine(t.value)
}

// targetFlags are --table, --query and --template (and, for delete, --key).
type targetFlags struct {
	Table, Query, Template, Key string
	withKey                     bool
}

func (tf *targetFlags) register(cmd *cobra.Command, verb string) {
	// A word in backquotes is the value's name in the help (--table T),
	// as in the use line; pflag drops the quotes from the text.
	fs := cmd.Flags()
	fs.StringVar(&tf.Table, "table", "", verb+" the rule for the table `T`")
	fs.StringVar(&tf.Query, "query", "", verb+" the rule an earlier cachelink made for the query `SQL` (its key is derived from the SQL)")
	fs.StringVar(&tf.Template, "template", "", verb+" the rule for the query template `ID`, as PolyScale shows it")
	if !tf.withKey {
		// Set refuses --query (see refuseQuery); it stays, hidden, to say so.
		_ = fs.MarkHidden("query")
	}
	if tf.withKey {
		fs.StringVar(&tf.Key, "key", "", verb+" the rule with the key `KEY`, whatever its type, as rules list shows it")
	}
}

// resolve checks that exactly one target was given and that it makes a
// valid key; ref, the cache, is for the hint.
func (tf *targetFlags) resolve(cmd *cobra.Command, ref string) (ruleTarget, error) {
	kinds := []polyscale.RuleTarget{polyscale.TargetTable, polyscale.TargetQuery, polyscale.TargetTemplate}
	values := []string{tf.Table, tf.Query, tf.Template}
	if tf.withKey {
		kinds = append(kinds, polyscale.TargetKey)
		values = append(values, tf.Key)
	}
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = targetFlag(k)
	}
	var given []int
	for i, n := range names {
		if cmd.Flags().Changed(n[2:]) {
			given = append(given, i)
		}
	}
	// Set makes no --query rules (see refuseQuery): its messages offer
	// --table and --template.
	offered := names
	if !tf.withKey {
		offered = []string{"--table", "--template"}
	}
	list := strings.Join(offered[:len(offered)-1], ", ") + " or " + offered[len(offered)-1]
	switch len(given) {
	case 0:
		return ruleTarget{}, clierr.Usagef("%s needs what the rule is for: %s", cmd.CommandPath(), list).
			WithHint("For example: " + cmd.CommandPath() + " " + hintRef(ref, ref) + " --table orders" + exampleMode(cmd) + ".")
	case 1:
	default:
		return ruleTarget{}, clierr.Usagef("%s and %s cannot be used together: a rule is for one table, query or template", names[given[0]], names[given[1]]).
			WithHint("Pass only one of " + list + ".")
	}
	t := ruleTarget{kind: kinds[given[0]], value: values[given[0]]}
	if strings.TrimSpace(t.value) == "" {
		return ruleTarget{}, clierr.Usagef("%s must not be empty", t.flag())
	}
	if t.kind == polyscale.TargetQuery {
		t.key = polyscale.QueryKey(t.value)
		return t, nil
	}
	t.key = t.value
	switch {
	case strings.Contains(t.key, "/"):
		return ruleTarget{}, clierr.Usagef("%s %q contains '/', which PolyScale does not allow in a rule's key", t.flag(), t.key)
	case t.key == "." || t.key == "..":
		return ruleTarget{}, clierr.Usagef("%s %q is not a valid rule key", t.flag(), t.key)
	}
	for _, r := range t.key {
		if r < 0x20 || r == 0x7f {
			return ruleTarget{}, clierr.Usagef("%s contains a control character", t.flag())
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

// --- requests set and delete share ---

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

// deleteRule deletes r; a rule that is already gone is not an error (see
// cmdutil.Deleted).
func deleteRule(ctx context.Context, client *polyscale.Client, cacheID string, r *polyscale.Rule) error {
	return cmdutil.Deleted(client.DeleteRule(ctx, cacheID, r.Type, r.Key))
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
