package polyscale

// Parse tests: argv -> Options for each PolyScale command, checked through
// runF without running anything (no config, credentials or requests).
// connstr has its own in connstr_internal_test.go.
//
// This is an internal test, to see what rules set and delete resolve from
// their flags; internal/registry imports this package, so the factory gets
// a registration made here instead.

import (
	"context"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/cmd/factory"
	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/polyscale"
)

// parseCase is one argv and the Options it must give, without the
// dependencies (IO and the lazy funcs), which parseTest checks are set.
type parseCase[O any] struct {
	name    string
	args    []string
	json    bool // the root's -o json
	want    O
	wantErr string
}

func parseTest[O any](t *testing.T, newCmd func(*cmdutil.Factory, func(context.Context, *O) error) *cobra.Command, tests []parseCase[O]) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ios, _, _, _ := iostreams.Test()
			f := factory.New(ios, nil, []cmdutil.Registration{{Provider: polyscale.Provider, Commands: Commands}})
			if tt.json {
				f.Globals.Output = "json"
			}
			var got *O
			cmd := newCmd(f, func(_ context.Context, o *O) error {
				got = o
				return nil
			})
			cmd.SetArgs(append([]string{}, tt.args...)) // never nil: cobra would read os.Args
			cmd.SetOut(io.Discard)
			cmd.SetErr(io.Discard)
			cmd.SilenceErrors, cmd.SilenceUsage = true, true
			err := cmd.Execute()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if got == nil {
				t.Fatal("runF was not called")
			}
			if opts := withoutDeps(t, got, ios); !reflect.DeepEqual(opts, tt.want) {
				t.Errorf("options = %+v\nwant      %+v", opts, tt.want)
			}
		})
	}
}

// withoutDeps checks that o's dependencies are set (IO to the factory's
// streams, every func non-nil) and returns o with them zeroed: what is
// left are the parsed inputs.
func withoutDeps[O any](t *testing.T, o *O, ios *iostreams.IOStreams) O {
	t.Helper()
	c := *o
	v := reflect.ValueOf(&c).Elem()
	for i := range v.NumField() {
		field, name := v.Field(i), v.Type().Field(i).Name
		if !field.CanSet() {
			continue // unexported: resolved inputs, compared as they are
		}
		switch {
		case field.Type() == reflect.TypeOf(ios):
			if field.Interface() != ios {
				t.Errorf("%s is not the factory's streams", name)
			}
		case field.Kind() == reflect.Func:
			if field.IsNil() {
				t.Errorf("%s is not set", name)
			}
		default:
			continue
		}
		field.Set(reflect.Zero(field.Type()))
	}
	return c
}

func seconds(n int64) *int64 { return &n }

func TestCreateParsesIntoOptions(t *testing.T) {
	t.Parallel()
	parseTest(t, NewCmdCreate, []parseCase[CreateOptions]{
		{
			name: "origin from the environment",
			args: []string{"--name", "shop", "--origin-env", "DATABASE_URL"},
			want: CreateOptions{Name: "shop", Origin: OriginFlags{Env: "DATABASE_URL"}},
		},
		{
			name: "origin on stdin, every other flag",
			args: []string{"--name", "shop", "--origin", "-", "--description", "the shop's catalogue", "--no-caching", "--skip-dns-check", "--if-not-exists"},
			want: CreateOptions{Name: "shop", Origin: OriginFlags{URL: "-"}, Description: "the shop's catalogue", NoCaching: true, SkipDNSCheck: true, IfNotExists: true},
		},
		{
			name: "allow a duplicate name",
			args: []string{"--name", "shop", "--origin-env", "DATABASE_URL", "--allow-duplicate"},
			want: CreateOptions{Name: "shop", Origin: OriginFlags{Env: "DATABASE_URL"}, AllowDuplicate: true},
		},
		{
			name: "type, host and port",
			args: []string{"--name", "shop", "--type", "mysql", "--host", "db.example.com", "--port", "3306"},
			want: CreateOptions{Name: "shop", Type: "mysql", Host: "db.example.com", Port: 3306, HostSet: true, PortSet: true},
		},
		{
			// Given as "" and 0 is not the same as not given: the run
			// refuses them with an origin.
			name: "empty host and port 0 are given",
			args: []string{"--name", "shop", "--origin-env", "DATABASE_URL", "--host", "", "--port", "0"},
			want: CreateOptions{Name: "shop", Origin: OriginFlags{Env: "DATABASE_URL"}, HostSet: true, PortSet: true},
		},
		{
			name: "type overrides the origin's",
			args: []string{"--name", "shop", "--origin-env", "DSN", "--type", "mariadb"},
			json: true,
			want: CreateOptions{Name: "shop", Origin: OriginFlags{Env: "DSN"}, Type: "mariadb", JSON: true},
		},
		{
			// What is missing is the run's to say, before any request.
			name: "no flags",
			args: []string{},
			want: CreateOptions{},
		},
		{name: "an argument", args: []string{"shop"}, wantErr: "takes no arguments (the origin comes from --origin, --origin-env or --type/--host/--port), got 1 arguments"},
		{name: "bad port", args: []string{"--port", "http"}, wantErr: "invalid argument"},
	})
}

func TestListParsesIntoOptions(t *testing.T) {
	t.Parallel()
	parseTest(t, NewCmdList, []parseCase[ListOptions]{
		{name: "text", args: []string{}, want: ListOptions{}},
		{name: "json", args: []string{}, json: true, want: ListOptions{JSON: true}},
		{name: "an argument", args: []string{"shop"}, wantErr: "takes no arguments, got 1 arguments"},
	})
}

func TestGetParsesIntoOptions(t *testing.T) {
	t.Parallel()
	parseTest(t, NewCmdGet, []parseCase[GetOptions]{
		{name: "by name", args: []string{"shop"}, want: GetOptions{CacheRef: "shop"}},
		{name: "json", args: []string{"shop"}, json: true, want: GetOptions{CacheRef: "shop", JSON: true}},
		{name: "no cache", args: []string{}, wantErr: "needs a cache id or name"},
	})
}

func TestDeleteParsesIntoOptions(t *testing.T) {
	t.Parallel()
	parseTest(t, NewCmdDelete, []parseCase[DeleteOptions]{
		{name: "asks", args: []string{"shop"}, want: DeleteOptions{CacheRef: "shop"}},
		{name: "--yes", args: []string{"shop", "--yes"}, want: DeleteOptions{CacheRef: "shop", Yes: true}},
		{name: "-y", args: []string{"-y", "shop"}, want: DeleteOptions{CacheRef: "shop", Yes: true}},
		{name: "two caches", args: []string{"a", "b"}, wantErr: "takes a cache id or name, got 2 arguments"},
	})
}

func TestPurgeParsesIntoOptions(t *testing.T) {
	t.Parallel()
	parseTest(t, NewCmdPurge, []parseCase[PurgeOptions]{
		{name: "by name", args: []string{"shop"}, want: PurgeOptions{CacheRef: "shop"}},
		{name: "json", args: []string{"shop"}, json: true, want: PurgeOptions{CacheRef: "shop", JSON: true}},
		{name: "no cache", args: []string{}, wantErr: "needs a cache id or name"},
	})
}

func TestRulesListParsesIntoOptions(t *testing.T) {
	t.Parallel()
	parseTest(t, NewCmdRulesList, []parseCase[RulesListOptions]{
		{name: "by name", args: []string{"shop"}, want: RulesListOptions{CacheRef: "shop"}},
		{name: "json", args: []string{"shop"}, json: true, want: RulesListOptions{CacheRef: "shop", JSON: true}},
		{name: "no cache", args: []string{}, wantErr: "needs a cache id or name"},
	})
}

func TestRulesSetParsesIntoOptions(t *testing.T) {
	t.Parallel()
	const sql = "SELECT * FROM products WHERE id = $1"
	parseTest(t, NewCmdRulesSet, []parseCase[RulesSetOptions]{
		{
			name: "table with a TTL",
			args: []string{"shop", "--table", "orders", "--ttl", "5m"},
			want: RulesSetOptions{CacheRef: "shop", Target: targetFlags{Table: "orders"}, TTL: "5m",
				target: ruleTarget{kind: polyscale.TargetTable, value: "orders", key: "orders"},
				want:   polyscale.Rule{Key: "orders", Type: polyscale.RuleTable, Value: seconds(300)}},
		},
		{name: "query: refused, PolyScale keys queries by template id", args: []string{"shop", "--query", " " + sql + "\n", "--ttl", "30s"},
			wantErr: "set' does not take --query"},
		{
			name: "template with a TTL and a name",
			args: []string{"shop", "--template", "4f1c2a", "--ttl", "1h", "--name", "by id"},
			want: RulesSetOptions{CacheRef: "shop", Target: targetFlags{Template: "4f1c2a"}, TTL: "1h", Name: "by id", NameSet: true,
				target: ruleTarget{kind: polyscale.TargetTemplate, value: "4f1c2a", key: "4f1c2a"},
				want:   polyscale.Rule{Key: "4f1c2a", Type: polyscale.RuleTemplate, Value: seconds(3600), Name: "by id"}},
		},
		{
			name: "template auto",
			args: []string{"shop", "--template", "4f1c2a", "--auto"},
			want: RulesSetOptions{CacheRef: "shop", Target: targetFlags{Template: "4f1c2a"}, Auto: true,
				target: ruleTarget{kind: polyscale.TargetTemplate, value: "4f1c2a", key: "4f1c2a"},
				want:   polyscale.Rule{Key: "4f1c2a", Type: polyscale.RuleAuto}},
		},
		{
			name: "template manual, name cleared",
			args: []string{"shop", "--template", "4f1c2a", "--manual", "--name", ""},
			want: RulesSetOptions{CacheRef: "shop", Target: targetFlags{Template: "4f1c2a"}, Manual: true, NameSet: true,
				target: ruleTarget{kind: polyscale.TargetTemplate, value: "4f1c2a", key: "4f1c2a"},
				want:   polyscale.Rule{Key: "4f1c2a", Type: polyscale.RuleManual}},
		},
		{name: "no cache", args: []string{}, wantErr: "needs a cache id or name"},
		{name: "no target", args: []string{"shop", "--ttl", "5m"}, wantErr: "needs what the rule is for: --table or --template"},
		{name: "two targets", args: []string{"shop", "--table", "t", "--template", "x", "--ttl", "5m"}, wantErr: "--table and --template cannot be used together"},
		{name: "no key flag", args: []string{"shop", "--key", "k", "--ttl", "5m"}, wantErr: "unknown flag: --key"},
		{name: "empty target", args: []string{"shop", "--table", " ", "--ttl", "5m"}, wantErr: "--table must not be empty"},
		{name: "slash in a key", args: []string{"shop", "--table", "a/b", "--ttl", "5m"}, wantErr: "contains '/'"},
		{name: "no mode", args: []string{"shop", "--table", "orders"}, wantErr: "needs what the rule does"},
		{name: "two modes", args: []string{"shop", "--template", "x", "--ttl", "5m", "--auto"}, wantErr: "--ttl and --auto cannot be used together"},
		{name: "auto for a table", args: []string{"shop", "--table", "orders", "--auto"}, wantErr: "--auto is for query templates (--template ID), not for tables"},
		{name: "TTL without a unit", args: []string{"shop", "--table", "orders", "--ttl", "300"}, wantErr: "--ttl 300 has no unit"},
		{name: "TTL too short", args: []string{"shop", "--table", "orders", "--ttl", "0s"}, wantErr: "too short"},
		{name: "TTL in part seconds", args: []string{"shop", "--table", "orders", "--ttl", "1500ms"}, wantErr: "not a whole number of seconds"},
	})
}

func TestRulesDeleteParsesIntoOptions(t *testing.T) {
	t.Parallel()
	const sql = "SELECT 1"
	qkey := polyscale.QueryKey(sql)
	parseTest(t, NewCmdRulesDelete, []parseCase[RulesDeleteOptions]{
		{
			name: "table",
			args: []string{"shop", "--table", "orders"},
			want: RulesDeleteOptions{CacheRef: "shop", Target: targetFlags{Table: "orders", withKey: true},
				target: ruleTarget{kind: polyscale.TargetTable, value: "orders", key: "orders"}},
		},
		{
			name: "query",
			args: []string{"shop", "--query", sql},
			json: true,
			want: RulesDeleteOptions{CacheRef: "shop", Target: targetFlags{Query: sql, withKey: true}, JSON: true,
				target: ruleTarget{kind: polyscale.TargetQuery, value: sql, key: qkey}},
		},
		{
			name: "template",
			args: []string{"shop", "--template", "4f1c2a"},
			want: RulesDeleteOptions{CacheRef: "shop", Target: targetFlags{Template: "4f1c2a", withKey: true},
				target: ruleTarget{kind: polyscale.TargetTemplate, value: "4f1c2a", key: "4f1c2a"}},
		},
		{
			name: "bare key",
			args: []string{"shop", "--key", "4f1c2a"},
			want: RulesDeleteOptions{CacheRef: "shop", Target: targetFlags{Key: "4f1c2a", withKey: true},
				target: ruleTarget{kind: polyscale.TargetKey, value: "4f1c2a", key: "4f1c2a"}},
		},
		{name: "no cache", args: []string{}, wantErr: "needs a cache id or name"},
		{name: "no target", args: []string{"shop"}, wantErr: "needs what the rule is for: --table, --query, --template or --key"},
		{name: "two targets", args: []string{"shop", "--table", "t", "--key", "k"}, wantErr: "--table and --key cannot be used together"},
		{name: "control character", args: []string{"shop", "--key", "a\tb"}, wantErr: "--key contains a control character"},
	})
}
