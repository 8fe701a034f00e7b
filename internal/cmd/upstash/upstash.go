// Package upstash implements cachelink's Upstash commands: create, list,
// get and delete Redis databases, and reset a database's password. Input
// is checked before the API is called (regions above all); the product —
// a rediss:// URL or JSON — goes to stdout, the rest to stderr.
package upstash

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/envfile"
	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/output"
	"github.com/cachelink/cachelink/internal/prompt"
	"github.com/cachelink/cachelink/internal/tzgeo"
	"github.com/cachelink/cachelink/internal/upstash"
)

// DatabaseJSON is a database in -o json; its keys are part of the
// contract. It holds the secrets: -o json is asked for them.
type DatabaseJSON struct {
	Kind              string   `json:"kind"` // "redis", as list names every kind
	ID                string   `json:"id"`
	Name              string   `json:"name"`
	PrimaryRegion     string   `json:"primary_region"`
	ReadRegions       []string `json:"read_regions"`
	Endpoint          string   `json:"endpoint"`
	Port              int      `json:"port"`
	State             string   `json:"state,omitempty"`
	Type              string   `json:"type,omitempty"`
	Eviction          bool     `json:"eviction"`
	Budget            int64    `json:"budget,omitempty"`
	CreatedAt         string   `json:"created_at,omitempty"`
	RedisURL          string   `json:"redis_url,omitempty"`
	RESTURL           string   `json:"rest_url"`
	RESTToken         string   `json:"rest_token,omitempty"`
	ReadOnlyRESTToken string   `json:"read_only_rest_token,omitempty"`
	Existed           bool     `json:"existed,omitempty"`
}

// ToJSON is the JSON of d, with the secrets when d has them.
func ToJSON(d *upstash.Database) DatabaseJSON {
	out := DatabaseJSON{Kind: KindRedis, ID: d.ID, Name: d.Name, PrimaryRegion: d.PrimaryRegion, ReadRegions: d.ReadRegions,
		Endpoint: upstash.Host(d), Port: d.Port, State: d.State, Type: d.Type, Eviction: d.Eviction, Budget: d.Budget,
		RESTURL: upstash.RESTURL(d), RESTToken: d.RestToken, ReadOnlyRESTToken: d.ReadOnlyRestToken}
	if out.ReadRegions == nil {
		out.ReadRegions = []string{}
	}
	if d.Password != "" {
		out.RedisURL = upstash.RedisURL(d)
	}
	out.CreatedAt = output.FormatUnix(d.CreationTime)
	return out
}

// CreateOptions is what `create upstash` needs.
type CreateOptions struct {
	IO      *iostreams.IOStreams
	Upstash func() (*upstash.Client, error) // the Developer API client
	JSON    bool                            // -o json

	Name        string
	Region      string
	ReadRegions []string
	Eviction    bool
	Budget      int64  // in upstash.BudgetUnit
	Plan        string // --plan: one of upstash.Plans, "" = Upstash's default
	IfNotExists bool
	BudgetSet   bool // --budget was given (even as 0)
	// AllowDuplicate: create even when a database of that name exists.
	AllowDuplicate bool

	Index IndexCreateFlags // --kind and the flags of an index (kinds.go)

	// Ask returns the terminal's prompter, or nil where cachelink may not
	// ask (cmdutil.Factory.Ask); Zone is the time zone, for the region
	// picker's order (tzgeo.Zone). See ask.go.
	Ask  func() prompt.Prompter
	Zone func() string
}

// NewCmdCreate returns `create upstash`. runF replaces the run function in
// tests.
func NewCmdCreate(f *cmdutil.Factory, runF func(context.Context, *CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{IO: f.IOStreams, Upstash: newClient(f), Ask: f.Ask,
		Zone: func() string { return tzgeo.Zone(f.Getenv) }}
	cmd := &cobra.Command{
		Use:   "upstash --name NAME --region R [--read-region R]...",
		Short: "Create an Upstash Redis database",
		Long: `Create a global Upstash Redis database (TLS always on) and print its
rediss:// URL on stdout.

--region is the primary region, on AWS:
  ` + strings.Join(upstash.AWSRegions, ", ") + `
or on GCP:
  ` + strings.Join(upstash.GCPRegions, ", ") + `
--read-region (repeatable) adds read replicas: AWS regions other than
af-south-1, never the primary, and only with an AWS primary (a database
lives on one platform).
--plan is one of ` + strings.Join(upstash.Plans, ", ") + `
(default: free or pay as you go, as Upstash decides for the account).
--budget is the monthly budget in ` + upstash.BudgetUnit + `, as Upstash's Terraform provider
reads it (Upstash's CLI documents cents; the API names no unit).
All of these are checked before calling Upstash.

On a terminal (stdin and stderr), a missing --name is asked for, and a
missing --region picked from a list, nearest first as the time zone (TZ)
suggests; a Vector index is also asked for --similarity and --dimensions.
Never with --no-input, nor without a terminal: a missing flag then exits 2.

If the connection drops after the request was sent, cachelink looks the
database up by name and adopts it rather than creating a second one.
--if-not-exists returns an existing database of that name (exit 0) when its
regions match, and exits 2 when they do not.

-o json prints the database with its connection details (redis_url, rest_url,
rest_token, read_only_rest_token).

--kind vector creates an Upstash Vector index (--region eu-west-1, us-east-1
or us-central1; --dimensions, --similarity cosine|euclidean|dot_product,
optionally --embedding-model, --index-type, --sparse-embedding-model);
--kind search an Upstash Search index (--region eu-west-1 or us-central1;
plan free unless --plan). stdout is then the index's two variables as .env
lines (UPSTASH_VECTOR_REST_URL/_TOKEN or UPSTASH_SEARCH_REST_URL/_TOKEN).
--if-not-exists and adoption after a lost answer work the same way. QStash
is not created: every account has it.`,
		Example: `  cachelink create upstash --name cache --region eu-west-1
  cachelink create upstash --name cache --region us-east-1 --read-region eu-west-1 --read-region ap-south-1
  REDIS_URL=$(cachelink create upstash --name cache --region eu-west-1 --if-not-exists)`,
		Args: cmdutil.ExactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.BudgetSet = cmd.Flags().Changed("budget")
			opts.JSON = f.Globals.JSON()
			return cmdutil.Run(cmd, opts, runF, createRun)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&opts.Name, "name", "", "Database name")
	fs.StringVar(&opts.Region, "region", "", "Primary region, such as eu-west-1")
	fs.StringArrayVar(&opts.ReadRegions, "read-region", nil, "Read region (repeatable; AWS regions, never the primary)")
	fs.BoolVar(&opts.Eviction, "eviction", false, "Evict keys when the database is full")
	fs.Int64Var(&opts.Budget, "budget", 0, "Monthly budget in "+upstash.BudgetUnit+" (pay as you go; Terraform's unit)")
	fs.StringVar(&opts.Plan, "plan", "", "Plan: free, payg or fixed_250mb ... fixed_500gb (default: Upstash's)")
	fs.BoolVar(&opts.IfNotExists, "if-not-exists", false, "Return the existing database of that name")
	fs.BoolVar(&opts.AllowDuplicate, "allow-duplicate", false, "Create the database even when one of that name exists")
	cmd.MarkFlagsMutuallyExclusive("if-not-exists", "allow-duplicate")
	addKindCreateFlags(cmd, opts)
	return cmd
}

func createRun(ctx context.Context, opts *CreateOptions) error {
	if err := askCreate(ctx, opts); err != nil {
		return err
	}
	if isIndexKind(opts.Index.Kind) {
		return createIndexRun(ctx, opts)
	}
	if err := cmdutil.CheckName(opts.Name, "database id"); err != nil {
		return err
	}
	if opts.Region == "" {
		return clierr.Usagef("--region is required").WithHint(cmdutil.ListHint("Regions", upstash.PrimaryRegions))
	}
	if err := checkRegions(opts.Region, opts.ReadRegions); err != nil {
		return clierr.Wrap(clierr.Usage, err)
	}
	if err := checkPlan(opts.Plan); err != nil {
		return clierr.Wrap(clierr.Usage, err)
	}
	if opts.BudgetSet && opts.Budget < 0 {
		return clierr.Usagef("--budget must not be negative")
	}
	client, err := opts.Upstash()
	if err != nil {
		return err
	}
	ios := opts.IO

	// What already has this name: for --if-not-exists, and so that a
	// database adopted after a lost answer is the new one.
	before, err := client.DatabasesNamed(ctx, opts.Name)
	if err != nil {
		return err
	}
	var db *upstash.Database
	existed := false
	if opts.IfNotExists && len(before) > 0 {
		for i := range before {
			if sameRegions(&before[i], opts) {
				existed = true
				if db, err = client.GetDatabase(ctx, before[i].ID, false); err != nil {
					return err
				}
				break
			}
		}
		if db == nil {
			d := before[0]
			return clierr.Usagef("an Upstash database named %q exists in other regions (%s, id %s)", opts.Name, d.PrimaryRegion, d.ID).
				WithHint("Choose another --name, or match its regions.")
		}
	}
	if db == nil && len(before) > 0 && !opts.AllowDuplicate {
		ids := make([]string, len(before))
		for i := range before {
			ids[i] = before[i].ID
		}
		return cmdutil.RefuseDuplicate("Upstash", "database", opts.Name, ids)
	}
	if db == nil {
		if db, err = create(ctx, client, opts, before); err != nil {
			return err
		}
	}

	verb := "Created"
	if existed {
		verb = "Using the existing"
	}
	fmt.Fprintf(ios.ErrOut, "%s %s Upstash database %s (%s, %s)\n", ios.SuccessIcon(), verb, cmdutil.OneLine(db.Name), db.ID, db.PrimaryRegion)
	if opts.JSON {
		out := ToJSON(db)
		out.Existed = existed
		return output.JSON(ios, out)
	}
	_, err = fmt.Fprintln(ios.Out, upstash.RedisURL(db))
	return err
}

// create sends the create once; after a lost answer it adopts the new
// database of that name instead of making a second one.
func create(ctx context.Context, client *upstash.Client, opts *CreateOptions, before []upstash.Database) (*upstash.Database, error) {
	body := upstash.NewDatabase{Name: opts.Name, PrimaryRegion: opts.Region, ReadRegions: opts.ReadRegions, Plan: opts.Plan}
	if opts.Eviction {
		body.Eviction = &opts.Eviction
	}
	if opts.BudgetSet {
		body.Budget = &opts.Budget
	}
	once := cmdutil.CreateOnce[upstash.Database]{
		Provider: "Upstash", Kind: "database", Name: opts.Name, ListCmd: "cachelink list upstash", Before: before,
		Named:   func(ctx context.Context) ([]upstash.Database, error) { return client.DatabasesNamed(ctx, opts.Name) },
		ID:      func(d *upstash.Database) string { return d.ID },
		Matches: func(d *upstash.Database) bool { return sameRegions(d, opts) },
		Fetch: func(ctx context.Context, id string) (*upstash.Database, error) {
			return client.GetDatabase(ctx, id, false)
		},
		IOStream: opts.IO,
	}
	return once.Do(ctx, func(ctx context.Context) (*upstash.Database, error) { return client.CreateDatabase(ctx, body) })
}

func sameRegions(d *upstash.Database, opts *CreateOptions) bool {
	if d.PrimaryRegion != opts.Region || len(d.ReadRegions) != len(opts.ReadRegions) {
		return false
	}
	want := map[string]bool{}
	for _, r := range opts.ReadRegions {
		want[r] = true
	}
	for _, r := range d.ReadRegions {
		if !want[r] {
			return false
		}
	}
	return true
}

// ListOptions is what `list upstash` needs.
type ListOptions struct {
	IO      *iostreams.IOStreams
	Upstash func() (*upstash.Client, error) // the Developer API client
	JSON    bool                            // -o json

	Kind string // --kind: "" (every kind), redis, vector or search
	// ShowSecrets: -o json carries the passwords and tokens (redis_url,
	// rest_token, read_only_rest_token); without it they are left out.
	ShowSecrets bool
}

// NewCmdList returns `list upstash`. runF replaces the run function in
// tests.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, Upstash: newClient(f)}
	cmd := &cobra.Command{
		Use:   "upstash",
		Short: "List Upstash Redis databases",
		Long: `List the account's Redis databases: a table on a terminal, tab-separated
columns without a header when piped (id, name, primary region, read regions,
endpoint, state), or a JSON array with -o json. Passwords and tokens are
never shown in the table, and -o json leaves them out (the keys redis_url,
rest_token and read_only_rest_token are omitted, the others keep their
order) unless --show-secrets is given: a list is easily pasted into a CI
log. get -o json and connstr print them, since that is what they are asked
for. The Vector and Search indexes follow, with a last KIND column (redis,
vector, search); --kind lists one kind only.`,
		Args: cmdutil.ExactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.JSON = f.Globals.JSON()
			return cmdutil.Run(cmd, opts, runF, listKindsRun)
		},
	}
	cmd.Flags().StringVar(&opts.Kind, "kind", "", "Only this kind: redis, vector or search")
	cmd.Flags().BoolVar(&opts.ShowSecrets, "show-secrets", false, "With -o json, include the passwords and tokens (redis_url, rest_token, read_only_rest_token); without it those keys are omitted")
	return cmd
}

// dropSecrets clears what would put a secret into list's JSON (the
// password, from which redis_url is made, and the REST tokens), so that
// those keys are left out.
func dropSecrets(d *upstash.Database) {
	d.Password, d.RestToken, d.ReadOnlyRestToken = "", "", ""
}

// table is the list of databases, the same columns on a terminal and
// piped; it holds no secrets.
func table(dbs []upstash.Database) output.Table {
	t := output.Table{
		Headers: []string{"ID", "NAME", "PRIMARY_REGION", "READ_REGIONS", "ENDPOINT", "STATE"},
		Empty:   "No databases yet: create one with 'cachelink create upstash --name NAME --region eu-west-1'.",
	}
	for _, d := range dbs {
		reads := strings.Join(d.ReadRegions, ",")
		if reads == "" {
			reads = "-" // an empty field would shift columns for awk
		}
		t.Rows = append(t.Rows, []string{d.ID, d.Name, d.PrimaryRegion, reads, upstash.Host(&d), d.State})
	}
	return t
}

// GetOptions is what `get upstash` needs.
type GetOptions struct {
	IO      *iostreams.IOStreams
	Upstash func() (*upstash.Client, error) // the Developer API client
	JSON    bool                            // -o json

	DBRef string // the database id or name
	Kind  string // --kind: "" (a Redis database, else an index), redis, vector or search
}

// NewCmdGet returns `get upstash <id|name>`. runF replaces the run
// function in tests.
func NewCmdGet(f *cmdutil.Factory, runF func(context.Context, *GetOptions) error) *cobra.Command {
	opts := &GetOptions{IO: f.IOStreams, Upstash: newClient(f)}
	cmd := &cobra.Command{
		Use:   "upstash <id|name>",
		Short: "Show an Upstash Redis database",
		Long: `Show one Upstash database, by id or name (a name two databases share exits 2
listing their ids). The text form masks the password and tokens; -o json
includes them with the connection details. Exits 3 when there is no such
database. A Vector or Search index is shown the same way (--kind
vector|search, or a name that is no database).`,
		Args: cmdutil.ExactArgs(1, "a database id or name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.DBRef = args[0]
			opts.JSON = f.Globals.JSON()
			return cmdutil.Run(cmd, opts, runF, getRun)
		},
	}
	cmd.Flags().StringVar(&opts.Kind, "kind", "", "Its kind: redis, vector or search (default: a Redis database, else an index)")
	return cmd
}

func getRun(ctx context.Context, opts *GetOptions) error {
	_, r, err := lookupResource(ctx, opts.Upstash, opts.Kind, opts.DBRef)
	if err != nil {
		return err
	}
	if r.DB == nil {
		return output.Print(opts.IO, opts.JSON, IndexToJSON(r.Kind, r.Index), indexDetail(r.Kind, r.Index))
	}
	d := r.DB
	return output.Print(opts.IO, opts.JSON, ToJSON(d), detail(d))
}

// detail is one database for `get upstash`, with the password and tokens
// masked; its labels are the JSON keys (DatabaseJSON).
func detail(d *upstash.Database) output.Detail {
	out := output.Detail{Width: 16}
	out.Add("id", d.ID)
	out.Add("name", d.Name)
	out.Add("primary_region", d.PrimaryRegion)
	if len(d.ReadRegions) > 0 {
		out.Add("read_regions", strings.Join(d.ReadRegions, ", "))
	}
	host := upstash.Host(d)
	out.Add("endpoint", host)
	out.Add("port", strconv.Itoa(d.Port))
	out.Add("redis_url", fmt.Sprintf("rediss://default:********@%s:%d", host, d.Port))
	out.Add("rest_url", upstash.RESTURL(d))
	out.Add("rest_token", "******** (print it with: cachelink connstr upstash "+d.ID+" --format env)")
	if d.State != "" {
		out.Add("state", d.State)
	}
	if d.Type != "" {
		out.Add("type", d.Type)
	}
	out.Add("eviction", strconv.FormatBool(d.Eviction))
	if d.CreationTime > 0 {
		out.Add("created_at", output.FormatUnix(d.CreationTime))
	}
	return out
}

// DeleteOptions is what `delete upstash` needs.
type DeleteOptions struct {
	IO      *iostreams.IOStreams
	Upstash func() (*upstash.Client, error) // the Developer API client
	// ConfirmDelete asks to type the name on a terminal (see
	// cmdutil.Factory.ConfirmDelete).
	ConfirmDelete func(yes bool, what, name, warning string) error
	JSON          bool // -o json

	DBRef string // the database id or name
	Yes   bool   // --yes
	Kind  string // --kind: "" (a Redis database, else an index), redis, vector or search
}

// NewCmdDelete returns `delete upstash <id|name>`. runF replaces the run
// function in tests.
func NewCmdDelete(f *cmdutil.Factory, runF func(context.Context, *DeleteOptions) error) *cobra.Command {
	opts := &DeleteOptions{IO: f.IOStreams, Upstash: newClient(f), ConfirmDelete: f.ConfirmDelete}
	cmd := &cobra.Command{
		Use:   "upstash <id|name>",
		Short: "Delete an Upstash Redis database",
		Long: `Delete an Upstash Redis database and its data, by id or name. On a terminal
cachelink asks you to type the database's name first; scripts pass --yes
(without it, and without a terminal, nothing is deleted and the command exits
2). Exits 3 when there is no such database. A Vector or Search index is
deleted the same way (--kind vector|search, or a name that is no database).

With -o json, stdout gets {"deleted": true, "provider": "upstash", "kind":
"redis" (or "vector", "search"), "id": ..., "name": ...}.`,
		Example: `  cachelink delete upstash cache
  cachelink delete upstash 3f6b2d4e-1111-4222-8333-444455556666 --yes`,
		Args: cmdutil.ExactArgs(1, "a database id or name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.DBRef = args[0]
			opts.JSON = f.Globals.JSON()
			return cmdutil.Run(cmd, opts, runF, deleteRun)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "Delete without asking")
	cmd.Flags().StringVar(&opts.Kind, "kind", "", "Its kind: redis, vector or search (default: a Redis database, else an index)")
	return cmd
}

func deleteRun(ctx context.Context, opts *DeleteOptions) error {
	client, r, err := lookupResource(ctx, opts.Upstash, opts.Kind, opts.DBRef)
	if err != nil {
		return err
	}
	if r.DB == nil {
		return deleteIndex(ctx, opts, client, r.Kind, r.Index)
	}
	d := r.DB
	what := fmt.Sprintf("the Upstash database %s (%s, %s)", cmdutil.OneLine(d.Name), d.ID, cmdutil.OneLine(d.PrimaryRegion))
	if err := opts.ConfirmDelete(opts.Yes, what, d.Name, "Its data is lost."); err != nil {
		return err
	}
	ios := opts.IO
	if err := cmdutil.Deleted(client.DeleteDatabase(ctx, d.ID)); err != nil {
		return err
	}
	fmt.Fprintf(ios.ErrOut, "%s Deleted the Upstash database %s (%s)\n", ios.SuccessIcon(), cmdutil.OneLine(d.Name), d.ID)
	if opts.JSON {
		return output.JSON(ios, output.Deleted{Deleted: true, Provider: "upstash", Kind: KindRedis, ID: d.ID, Name: d.Name})
	}
	return nil
}

// ResetPasswordOptions is what `reset-password` needs.
type ResetPasswordOptions struct {
	IO      *iostreams.IOStreams
	Upstash func() (*upstash.Client, error) // the Developer API client
	JSON    bool                            // -o json

	DBRef string // the database id or name

	QStash QStashRotateOptions // --kind qstash: rotate the QStash token (qstash.go)
	// ConfirmRotate asks on a terminal before the QStash token is replaced
	// (see confirmRotate).
	ConfirmRotate func(yes bool, what, warning string) error
	// ConfirmReset asks on a terminal to type the database's name before
	// its password is reset (see confirmReset).
	ConfirmReset func(yes bool, what, name string) error
}

// NewCmdResetPassword returns `reset-password <db>`. runF replaces the run
// function in tests.
func NewCmdResetPassword(f *cmdutil.Factory, runF func(context.Context, *ResetPasswordOptions) error) *cobra.Command {
	opts := &ResetPasswordOptions{IO: f.IOStreams, Upstash: newClient(f), ConfirmRotate: confirmRotate(f), ConfirmReset: confirmReset(f)}
	cmd := &cobra.Command{
		Use:   "reset-password <db-id|db-name>",
		Short: "Give an Upstash Redis database a new password and print its new URL",
		Long: `Give an Upstash Redis database a new password and new REST tokens, and print
the new rediss:// URL on stdout (-o json: the database with its new connection
details). Clients using the old password stop working at once, so on a
terminal it asks to type the database's name first; scripts pass --yes
(without it, and without a terminal, nothing changes and the command exits 2).
--write-env FILE merges REDIS_URL, UPSTASH_REDIS_REST_URL and
UPSTASH_REDIS_REST_TOKEN into FILE instead of printing the URL.

--kind qstash (no argument) rotates the account's QStash token instead: on a
terminal it asks first; scripts pass --yes (without it, and without a
terminal, nothing changes and the command exits 2). stdout is the new token;
--write-env FILE merges QSTASH_TOKEN (and QSTASH_URL) into FILE instead.`,
		Example: `  cachelink reset-password cache --yes --write-env .env
  REDIS_URL=$(cachelink reset-password cache --yes)`,
		Args: connstrArgs(&opts.QStash.Kind),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				opts.DBRef = args[0]
			}
			opts.JSON = f.Globals.JSON()
			return cmdutil.Run(cmd, opts, runF, resetPasswordRun)
		},
	}
	addQStashRotateFlags(cmd, &opts.QStash)
	return cmd
}

func resetPasswordRun(ctx context.Context, opts *ResetPasswordOptions) error {
	if done, err := rotateQStashRun(ctx, opts); done {
		return err
	}
	writeEnv := opts.QStash.WriteEnv
	if opts.JSON && writeEnv != "" {
		return clierr.Usagef("--write-env writes env lines; it cannot be combined with -o json")
	}
	client, d, err := findDatabase(ctx, opts.Upstash, opts.DBRef)
	if err != nil {
		return err
	}
	what := fmt.Sprintf("the password of the Upstash database %s (%s)", cmdutil.OneLine(d.Name), d.ID)
	if err := opts.ConfirmReset(opts.QStash.Yes, what, d.Name); err != nil {
		return err
	}
	nd, err := client.ResetPassword(ctx, d.ID)
	if err != nil {
		return err
	}
	ios := opts.IO
	fmt.Fprintf(ios.ErrOut, "%s Reset the password of the Upstash database %s (%s)\n", ios.SuccessIcon(), cmdutil.OneLine(nd.Name), nd.ID)
	if opts.JSON {
		return output.JSON(ios, ToJSON(nd))
	}
	if writeEnv != "" {
		return cmdutil.WriteEnv(ios, writeEnv, []envfile.Entry{
			{Key: "REDIS_URL", Value: upstash.RedisURL(nd)},
			{Key: "UPSTASH_REDIS_REST_URL", Value: upstash.RESTURL(nd)},
			{Key: "UPSTASH_REDIS_REST_TOKEN", Value: nd.RestToken},
		})
	}
	_, err = fmt.Fprintln(ios.Out, upstash.RedisURL(nd))
	return err
}

// confirmReset asks, on a terminal, to type the database's name before its
// password is reset. With yes it asks nothing; without a terminal, or with
// --no-input, it refuses (exit 2) and points at --yes. Ctrl-C at the
// prompt exits 130 with nothing changed.
func confirmReset(f *cmdutil.Factory) func(yes bool, what, name string) error {
	return func(yes bool, what, name string) error {
		return f.Confirm(cmdutil.Confirmation{
			Yes:      yes,
			Doing:    "resetting " + what,
			Prompt:   fmt.Sprintf("Reset %s? Every client using the old password stops working at once.\nType its name to confirm: ", what),
			Want:     name,
			YesHint:  "Pass --yes to reset it without a prompt.",
			Mismatch: "the name did not match; the password was not reset",
		})
	}
}
