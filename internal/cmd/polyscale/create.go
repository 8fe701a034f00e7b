// Package polyscale implements cachelink's PolyScale commands: create,
// list, get, delete and purge of caches, and the cache rules. Each command
// checks what the user typed before calling the API, calls it through
// internal/polyscale, and prints the result: the product on stdout, the
// rest on stderr.
package polyscale

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/config"
	"github.com/cachelink/cachelink/internal/connstr"
	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/output"
	"github.com/cachelink/cachelink/internal/polyscale"
	"github.com/cachelink/cachelink/internal/prompt"
)

// CreateOptions is what `create polyscale` needs.
type CreateOptions struct {
	IO        *iostreams.IOStreams
	Config    func() (*config.Config, error)
	Getenv    func(string) string
	PolyScale func() (*polyscale.Client, error) // the API client
	// LookupHost resolves the origin host (the DNS check); the default is
	// the system resolver.
	LookupHost func(ctx context.Context, host string) error
	JSON       bool // -o json

	Name         string
	Origin       OriginFlags
	Type         string
	Host         string
	Port         int
	Description  string
	NoCaching    bool
	SkipDNSCheck bool
	IfNotExists  bool
	// AllowDuplicate: create even when a cache of that name exists.
	AllowDuplicate bool
	// Ask returns the terminal's prompter, or nil where cachelink may not
	// ask (cmdutil.Factory.Ask): see ask.go.
	Ask func() prompt.Prompter

	HostSet, PortSet bool // --host and --port were given (even as "" or 0)
}

// dnsTimeout bounds the check that the origin host resolves.
const dnsTimeout = 5 * time.Second

// lookupHost resolves a host with the system resolver.
func lookupHost(ctx context.Context, host string) error {
	_, err := net.DefaultResolver.LookupHost(ctx, host)
	return err
}

// NewCmdCreate returns `create polyscale`. runF replaces the run function
// in tests.
func NewCmdCreate(f *cmdutil.Factory, runF func(context.Context, *CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{
		IO:         f.IOStreams,
		Config:     f.Config,
		Getenv:     f.Getenv,
		PolyScale:  newClient(f),
		LookupHost: lookupHost,
		Ask:        f.Ask,
	}
	cmd := &cobra.Command{
		Use:   "polyscale --name NAME (--origin-env NAME | --origin - | --origin URL | --type T --host H --port P)",
		Short: "Create a PolyScale cache for an origin database",
		Long: `Create a PolyScale cache in front of an origin database and print the
connection string that goes through it (or, without an origin connection
string, the cache id).

The origin gives the database type, host and port; without one, pass --type,
--host and --port. cachelink checks the name, the port, the type and that the
host resolves (--skip-dns-check for hosts only your network knows) before
calling PolyScale. No database user or password is ever sent to PolyScale: the
origin's credentials only go into the printed connection string.

On a terminal (stdin and stderr), a missing --name is asked for, and so is
the origin, typed hidden, when no origin flag nor --type/--host/--port is
given. Never with --no-input, nor without a terminal: a missing flag then
exits 2.

If the connection drops after the request was sent, cachelink looks the cache
up by name and adopts it rather than creating a second one. --if-not-exists
returns an existing cache of that name (exit 0) when its type, host and port
match the origin, and exits 2 when they do not.

-o json prints id, name, type, host, port, caching and connection_string.`,
		Example: `  cachelink create polyscale --name shop --origin-env DATABASE_URL
  cachelink create polyscale --name shop --type postgres --host db.example.com --port 5432
  cachelink create polyscale --name shop --origin-env DATABASE_URL --if-not-exists -o json`,
		Args: cmdutil.ExactArgs(0, "no arguments (the origin comes from --origin, --origin-env or --type/--host/--port)"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.HostSet, opts.PortSet = cmd.Flags().Changed("host"), cmd.Flags().Changed("port")
			opts.JSON = f.Globals.JSON()
			return cmdutil.Run(cmd, opts, runF, createRun)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&opts.Name, "name", "", "Cache name")
	opts.Origin.Register(cmd)
	fs.StringVar(&opts.Type, "type", "", "Database type without an origin: postgres, mysql, mariadb or mssql")
	fs.StringVar(&opts.Host, "host", "", "Origin host without an origin")
	fs.IntVar(&opts.Port, "port", 0, "Origin port without an origin")
	fs.StringVar(&opts.Description, "description", "", "Cache description")
	fs.BoolVar(&opts.NoCaching, "no-caching", false, "Create the cache with caching off")
	fs.BoolVar(&opts.SkipDNSCheck, "skip-dns-check", false, "Do not check that the origin host resolves (private hosts)")
	fs.BoolVar(&opts.IfNotExists, "if-not-exists", false, "Return the existing cache of that name when its origin matches")
	fs.BoolVar(&opts.AllowDuplicate, "allow-duplicate", false, "Create the cache even when one of that name exists")
	cmd.MarkFlagsMutuallyExclusive("if-not-exists", "allow-duplicate")
	return cmd
}

// CacheJSON is the JSON of a cache in create, get and list; its keys are
// part of the contract.
type CacheJSON struct {
	ID               string  `json:"id"`
	Name             string  `json:"name"`
	Description      *string `json:"description,omitempty"`
	Type             string  `json:"type"`
	Host             string  `json:"host"`
	Port             int     `json:"port"`
	Caching          bool    `json:"caching"`
	DefaultBehaviour string  `json:"default_caching_behaviour,omitempty"`
	CreatedAt        string  `json:"created_at,omitempty"` // RFC 3339, UTC, seconds
	// ConnectionURITemplate is the template PolyScale returns with every
	// cache (its own placeholders for user, password and database).
	ConnectionURITemplate string `json:"connection_uri_template,omitempty"`
	ConnectionString      string `json:"connection_string,omitempty"`
	Existed               bool   `json:"existed,omitempty"` // create: an existing cache was returned
}

func cacheJSON(c *polyscale.Cache) CacheJSON {
	return CacheJSON{ID: c.ID, Name: c.Name, Description: c.Description, Type: c.Database, Host: c.Host, Port: c.Port,
		Caching: c.CachingEnabled, DefaultBehaviour: c.DefaultCachingBehaviour, CreatedAt: output.NormalizeTime(c.CreatedAt),
		ConnectionURITemplate: c.ConnectionURITemplate}
}

// hostPortGiven reports whether --host or --port was given (even as ""
// or 0), or set by a test.
func (opts *CreateOptions) hostPortGiven() bool {
	return opts.HostSet || opts.PortSet || opts.Host != "" || opts.Port != 0
}

// target is the origin database a cache is for.
type target struct {
	typ    connstr.DBType
	host   string
	port   int
	origin *connstr.Origin // nil with --type/--host/--port
}

func createRun(ctx context.Context, opts *CreateOptions) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	ios := opts.IO
	if err := askCreate(ctx, opts); err != nil {
		return err
	}

	// Everything is checked before the first request.
	if err := cmdutil.CheckName(opts.Name, "cache id"); err != nil {
		return err
	}
	t, err := resolveTarget(cfg, opts)
	if err != nil {
		return err
	}
	if e, err := EdgeHost(cfg); err == nil {
		if err := checkNotEdge(t.host, e); err != nil {
			return err
		}
	}
	var edge connstr.Edge
	if t.origin != nil {
		if edge, err = EdgeHost(cfg); err != nil {
			return err
		}
	}
	if !opts.SkipDNSCheck {
		dctx, cancel := context.WithTimeout(ctx, dnsTimeout)
		err := opts.LookupHost(dctx, t.host)
		cancel()
		if err != nil && ctx.Err() == nil {
			return clierr.Usagef("the origin host %s does not resolve: %v", t.host, unwrapDNS(err)).
				WithHint("Fix the host, or pass --skip-dns-check for a host only your network resolves.")
		}
	}

	client, err := opts.PolyScale()
	if err != nil {
		return err
	}
	var cache *polyscale.Cache
	existed := false
	if opts.IfNotExists {
		same, err := client.CachesNamed(ctx, opts.Name)
		if err != nil {
			return err
		}
		if cache, err = pickExisting(same, t, opts.Name); err != nil {
			return err
		}
		existed = cache != nil
	}
	if cache == nil {
		if cache, err = create(ctx, client, opts, t); err != nil {
			return err
		}
	}

	out := cacheJSON(cache)
	out.Existed = existed
	if t.origin != nil {
		if out.ConnectionString, err = t.origin.Rewrite(cache.ID, edge); err != nil {
			return clierr.Wrap(clierr.Usage, err)
		}
	}
	verb := "Created"
	if existed {
		verb = "Using the existing"
	}
	fmt.Fprintf(ios.ErrOut, "%s %s PolyScale cache %s (%s)\n", ios.SuccessIcon(), verb, cache.Name, cache.ID)
	if opts.JSON {
		return output.JSON(ios, out)
	}
	if out.ConnectionString != "" {
		_, err = fmt.Fprintln(ios.Out, out.ConnectionString)
		return err
	}
	_, err = fmt.Fprintln(ios.Out, cache.ID)
	return err
}

// create sends the create once and, when its answer is lost, adopts the
// cache the request may have made instead of making a second one.
func create(ctx context.Context, client *polyscale.Client, opts *CreateOptions, t target) (*polyscale.Cache, error) {
	body := polyscale.NewCache{
		Name:                    opts.Name,
		Host:                    t.host,
		Port:                    t.port,
		Database:                string(t.typ),
		CachingEnabled:          !opts.NoCaching,
		DefaultCachingBehaviour: "autoCached",
	}
	if opts.Description != "" {
		body.Description = &opts.Description
	}
	// What already has this name, so that an adopted cache is the new one.
	// (--if-not-exists has just listed them and found none that matches.)
	before, err := client.CachesNamed(ctx, opts.Name)
	if err != nil {
		return nil, err
	}
	if len(before) > 0 && !opts.AllowDuplicate {
		ids := make([]string, len(before))
		for i := range before {
			ids[i] = before[i].ID
		}
		return nil, cmdutil.RefuseDuplicate("PolyScale", "cache", opts.Name, ids)
	}
	once := cmdutil.CreateOnce[polyscale.Cache]{
		Provider: "PolyScale", Kind: "cache", Name: opts.Name, ListCmd: "cachelink list polyscale", Before: before,
		Named:    func(ctx context.Context) ([]polyscale.Cache, error) { return client.CachesNamed(ctx, opts.Name) },
		ID:       func(c *polyscale.Cache) string { return c.ID },
		Matches:  func(c *polyscale.Cache) bool { return matches(c, t) },
		IOStream: opts.IO,
	}
	return once.Do(ctx, func(ctx context.Context) (*polyscale.Cache, error) {
		id, err := client.CreateCache(ctx, body)
		if err != nil {
			return nil, err
		}
		cache, gerr := client.GetCache(ctx, id)
		if gerr != nil {
			// The cache exists: report it rather than fail and invite a
			// second create.
			opts.IO.Warnf("created the cache %s, but could not read it back: %v", id, gerr)
			return &polyscale.Cache{ID: id, NewCache: body}, nil
		}
		return cache, nil
	})
}

// pickExisting applies --if-not-exists to the caches already named name.
func pickExisting(same []polyscale.Cache, t target, name string) (*polyscale.Cache, error) {
	if len(same) == 0 {
		return nil, nil
	}
	for i := range same {
		if matches(&same[i], t) {
			return &same[i], nil
		}
	}
	c := same[0]
	return nil, clierr.Usagef("a PolyScale cache named %q exists for another origin (%s %s:%d, id %s)", name, c.Database, c.Host, c.Port, c.ID).
		WithHint("Choose another --name, or point --origin at that database.")
}

func matches(c *polyscale.Cache, t target) bool {
	return c.Database == string(t.typ) && strings.EqualFold(c.Host, t.host) && c.Port == t.port
}

// resolveTarget reads the origin, or --type/--host/--port, never both.
func resolveTarget(cfg *config.Config, opts *CreateOptions) (target, error) {
	if opts.Origin.Given() {
		if opts.hostPortGiven() {
			return target{}, clierr.Usagef("--host and --port come from the origin").
				WithHint("Pass either an origin or --type, --host and --port.")
		}
		origin, err := opts.Origin.Read(opts.IO, cfg.Bool(config.NoInput), opts.Getenv)
		if err != nil {
			return target{}, err
		}
		if opts.Type != "" {
			typ, err := parseType(opts.Type)
			if err != nil {
				return target{}, clierr.Wrap(clierr.Usage, err)
			}
			if err := origin.SetType(typ); err != nil {
				return target{}, clierr.Wrap(clierr.Usage, err)
			}
		}
		return target{typ: origin.Type, host: origin.Host, port: origin.Port, origin: origin}, nil
	}
	var missing []string
	if opts.Type == "" {
		missing = append(missing, "--type")
	}
	if !opts.HostSet && opts.Host == "" {
		missing = append(missing, "--host")
	}
	if !opts.PortSet && opts.Port == 0 {
		missing = append(missing, "--port")
	}
	if len(missing) > 0 {
		return target{}, clierr.Usagef("the origin database is needed: --origin-env NAME, --origin - or --origin URL, or --type, --host and --port (missing %s)", strings.Join(missing, ", "))
	}
	typ, err := parseType(opts.Type)
	if err != nil {
		return target{}, clierr.Wrap(clierr.Usage, err)
	}
	if opts.Port < 1 || opts.Port > 65535 {
		return target{}, clierr.Usagef("--port %d is not a port number (1-65535)", opts.Port)
	}
	host := strings.TrimSuffix(strings.TrimPrefix(opts.Host, "["), "]")
	bad := host == "" || strings.ContainsAny(host, "/?#@")
	for _, r := range host {
		bad = bad || r <= ' ' || r == 0x7f
	}
	if bad {
		return target{}, clierr.Usagef("--host %q is not a host name or address", opts.Host)
	}
	return target{typ: typ, host: host, port: opts.Port}, nil
}

// EdgeHost is polyscale.edge_host parsed, or a usage error naming the key.
func EdgeHost(cfg *config.Config) (connstr.Edge, error) {
	edge, err := connstr.ParseEdge(cfg.String(polyscale.KeyEdgeHost))
	if err != nil {
		return edge, clierr.Usagef("invalid polyscale.edge_host: %w", err).
			WithHint(fmt.Sprintf("Set it (config file or %s) to a host or host:port.", config.EnvName(polyscale.KeyEdgeHost)))
	}
	return edge, nil
}

func unwrapDNS(err error) error {
	var de *net.DNSError
	if errors.As(err, &de) {
		if de.IsNotFound {
			return errors.New("no such host")
		}
		return errors.New(de.Err)
	}
	return err
}
