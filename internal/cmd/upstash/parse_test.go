package upstash_test

// Parse tests: argv -> Options for each Upstash command, checked through
// runF without running anything (no config, credentials or requests).

import (
	"context"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/cmd/factory"
	"github.com/cachelink/cachelink/internal/cmd/upstash"
	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/registry"
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
			f := factory.New(ios, nil, registry.Providers())
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

func TestCreateParsesIntoOptions(t *testing.T) {
	t.Parallel()
	parseTest(t, upstash.NewCmdCreate, []parseCase[upstash.CreateOptions]{
		{
			name: "defaults",
			args: []string{"--name", "cache", "--region", "eu-west-1"},
			want: upstash.CreateOptions{Name: "cache", Region: "eu-west-1"},
		},
		{
			name: "every flag",
			args: []string{"--name", "cache", "--region", "us-east-1", "--read-region", "eu-west-1", "--read-region", "ap-south-1",
				"--eviction", "--budget", "20", "--if-not-exists"},
			want: upstash.CreateOptions{Name: "cache", Region: "us-east-1", ReadRegions: []string{"eu-west-1", "ap-south-1"},
				Eviction: true, Budget: 20, BudgetSet: true, IfNotExists: true},
		},
		{
			name: "allow a duplicate name",
			args: []string{"--name", "cache", "--region", "eu-west-1", "--allow-duplicate"},
			want: upstash.CreateOptions{Name: "cache", Region: "eu-west-1", AllowDuplicate: true},
		},
		{
			name: "plan",
			args: []string{"--name", "cache", "--region", "eu-west-1", "--plan", "fixed_1gb"},
			want: upstash.CreateOptions{Name: "cache", Region: "eu-west-1", Plan: "fixed_1gb"},
		},
		{
			name: "budget 0 is given",
			args: []string{"--name", "cache", "--region", "eu-west-1", "--budget", "0"},
			want: upstash.CreateOptions{Name: "cache", Region: "eu-west-1", BudgetSet: true},
		},
		{
			name: "a read region with a comma stays one",
			args: []string{"--name", "cache", "--region", "eu-west-1", "--read-region", "us-east-1,us-west-2"},
			want: upstash.CreateOptions{Name: "cache", Region: "eu-west-1", ReadRegions: []string{"us-east-1,us-west-2"}},
		},
		{
			name: "json",
			args: []string{"--name", "cache", "--region", "eu-west-1"},
			json: true,
			want: upstash.CreateOptions{Name: "cache", Region: "eu-west-1", JSON: true},
		},
		{
			// --name and --region are checked by the run, with the
			// regions, before any request.
			name: "no flags",
			args: []string{},
			want: upstash.CreateOptions{},
		},
		{name: "an argument", args: []string{"cache"}, wantErr: "takes no arguments, got 1 arguments"},
		{name: "bad budget", args: []string{"--budget", "ten"}, wantErr: "invalid argument"},
	})
}

func TestConnstrParsesIntoOptions(t *testing.T) {
	t.Parallel()
	parseTest(t, upstash.NewCmdConnstr, []parseCase[upstash.ConnstrOptions]{
		{
			name: "defaults",
			args: []string{"cache"},
			want: upstash.ConnstrOptions{DBRef: "cache", EnvName: "REDIS_URL"},
		},
		{
			name: "every flag",
			args: []string{"cache", "--format", "env", "--read-only", "--write-env", ".env", "--env-name", "CACHE_URL"},
			want: upstash.ConnstrOptions{DBRef: "cache", Format: "env", ReadOnly: true, WriteEnv: ".env", EnvName: "CACHE_URL"},
		},
		{
			name: "json",
			args: []string{"3f6b2d4e-1111-4222-8333-444455556666"},
			json: true,
			want: upstash.ConnstrOptions{DBRef: "3f6b2d4e-1111-4222-8333-444455556666", EnvName: "REDIS_URL", JSON: true},
		},
		{name: "no database", args: []string{}, wantErr: "needs a database id or name"},
		{name: "two databases", args: []string{"a", "b"}, wantErr: "takes a database id or name, got 2 arguments"},
	})
}

func TestListParsesIntoOptions(t *testing.T) {
	t.Parallel()
	parseTest(t, upstash.NewCmdList, []parseCase[upstash.ListOptions]{
		{name: "text", args: []string{}, want: upstash.ListOptions{}},
		{name: "json", args: []string{}, json: true, want: upstash.ListOptions{JSON: true}},
		{name: "an argument", args: []string{"cache"}, wantErr: "takes no arguments, got 1 arguments"},
	})
}

func TestGetParsesIntoOptions(t *testing.T) {
	t.Parallel()
	parseTest(t, upstash.NewCmdGet, []parseCase[upstash.GetOptions]{
		{name: "by name", args: []string{"cache"}, want: upstash.GetOptions{DBRef: "cache"}},
		{name: "json", args: []string{"cache"}, json: true, want: upstash.GetOptions{DBRef: "cache", JSON: true}},
		{name: "no database", args: []string{}, wantErr: "needs a database id or name"},
	})
}

func TestDeleteParsesIntoOptions(t *testing.T) {
	t.Parallel()
	parseTest(t, upstash.NewCmdDelete, []parseCase[upstash.DeleteOptions]{
		{name: "asks", args: []string{"cache"}, want: upstash.DeleteOptions{DBRef: "cache"}},
		{name: "--yes", args: []string{"cache", "--yes"}, want: upstash.DeleteOptions{DBRef: "cache", Yes: true}},
		{name: "-y", args: []string{"-y", "cache"}, want: upstash.DeleteOptions{DBRef: "cache", Yes: true}},
		{name: "no database", args: []string{}, wantErr: "needs a database id or name"},
	})
}

func TestResetPasswordParsesIntoOptions(t *testing.T) {
	t.Parallel()
	parseTest(t, upstash.NewCmdResetPassword, []parseCase[upstash.ResetPasswordOptions]{
		{name: "by name", args: []string{"cache"}, want: upstash.ResetPasswordOptions{DBRef: "cache"}},
		{name: "json", args: []string{"cache"}, json: true, want: upstash.ResetPasswordOptions{DBRef: "cache", JSON: true}},
		{name: "--yes and --write-env", args: []string{"cache", "--yes", "--write-env", ".env"},
			want: upstash.ResetPasswordOptions{DBRef: "cache", QStash: upstash.QStashRotateOptions{Yes: true, WriteEnv: ".env"}}},
		{name: "empty --write-env", args: []string{"cache", "--write-env", ""}, wantErr: "a file name is needed"},
		{name: "no database", args: []string{}, wantErr: "needs a database id or name"},
		{name: "two databases", args: []string{"a", "b"}, wantErr: "got 2 arguments"},
	})
}
