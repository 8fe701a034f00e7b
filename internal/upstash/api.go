package upstash

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/httpx"
	"github.com/cachelink/cachelink/internal/provider"
	"github.com/cachelink/cachelink/internal/uuid"
)

// Database is an Upstash Redis database as the Developer API returns it.
// Unknown fields are ignored.
type Database struct {
	ID                string   `json:"database_id"`
	Name              string   `json:"database_name"`
	Region            string   `json:"region"`
	PrimaryRegion     string   `json:"primary_region"`
	ReadRegions       []string `json:"read_regions"`
	Endpoint          string   `json:"endpoint"`
	Port              int      `json:"port"`
	Password          string   `json:"password"`
	RestToken         string   `json:"rest_token"`
	ReadOnlyRestToken string   `json:"read_only_rest_token"`
	TLS               bool     `json:"tls"`
	State             string   `json:"state"`
	Type              string   `json:"type"`
	CreationTime      int64    `json:"creation_time"`
	Eviction          bool     `json:"eviction"`
	Budget            int64    `json:"budget"`
}

// NewDatabase is the body of a create. It carries both shapes the service
// has read: the current specification's (Upstash's docs repository,
// devops/developer-api/openapi.yml, CreateDatabaseRequest: database_name,
// platform, primary_region, read_regions, plan, budget, eviction, tls) and
// the older one Upstash's CLI and Terraform provider still send (region
// "global", tls true), which newer deployments ignore. CreateDatabase fills
// Platform, Region and TLS; the field order is the body's.
type NewDatabase struct {
	Name          string   `json:"database_name"`
	Platform      string   `json:"platform"` // aws or gcp: PlatformOf(PrimaryRegion)
	PrimaryRegion string   `json:"primary_region"`
	ReadRegions   []string `json:"read_regions,omitempty"`
	Plan          string   `json:"plan,omitempty"`
	Budget        *int64   `json:"budget,omitempty"` // in BudgetUnit
	Eviction      *bool    `json:"eviction,omitempty"`
	Region        string   `json:"region"` // always "global" (older deployments)
	TLS           bool     `json:"tls"`    // always true (ignored by newer deployments)
}

// BudgetUnit is the unit of a database's monthly budget, in the create body
// and in the Database object. The public sources disagree: Upstash's
// Terraform provider documents its budget field (passed to the API as is)
// in dollars ("default $20"), Upstash's CLI documents update-budget in
// cents, and the specification names no unit. cachelink reads it as
// Terraform does.
const BudgetUnit = "US dollars"

// Plans are the specification's values of a create's plan
// (CreateDatabaseRequest.plan); none given, Upstash picks free or
// pay-as-you-go by the account.
var Plans = []string{
	"free", "payg", "fixed_250mb", "fixed_1gb", "fixed_5gb", "fixed_10gb",
	"fixed_50gb", "fixed_100gb", "fixed_500gb",
}

// CheckPlan validates a plan ("" = none) before any request.
func CheckPlan(plan string) error {
	if plan == "" || slices.Contains(Plans, plan) {
		return nil
	}
	return clierr.Hinted(fmt.Errorf("unknown plan %q", plan), "Plans: "+strings.Join(Plans, ", "))
}

// The platforms of the specification's CreateDatabaseRequest.platform.
const (
	PlatformAWS = "aws"
	PlatformGCP = "gcp"
)

// The regions of the specification (CreateDatabaseRequest.primary_region
// and read_regions), by platform as Upstash's docs list them
// (redis/features/globaldatabase.mdx): any of PrimaryRegions can be the
// primary; read regions are the AWS ones except af-south-1, never the
// primary, and need an AWS primary (a database lives on one platform).
var (
	AWSRegions = []string{
		"us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1",
		"eu-central-1", "eu-west-1", "eu-west-2", "sa-east-1", "ap-south-1",
		"ap-northeast-1", "ap-southeast-1", "ap-southeast-2", "af-south-1",
	}
	GCPRegions     = []string{"us-central1", "us-east4", "europe-west1", "asia-northeast1"}
	PrimaryRegions = slices.Concat(AWSRegions, GCPRegions)
	ReadRegions    = []string{
		"us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1",
		"eu-central-1", "eu-west-1", "eu-west-2", "sa-east-1", "ap-south-1",
		"ap-northeast-1", "ap-southeast-1", "ap-southeast-2",
	}
)

// PlatformOf is the platform of a region, "" for an unknown one.
func PlatformOf(region string) string {
	switch {
	case slices.Contains(AWSRegions, region):
		return PlatformAWS
	case slices.Contains(GCPRegions, region):
		return PlatformGCP
	}
	return ""
}

// CheckRegions validates a primary region and read regions before any
// request; the error's hint (clierr.HintOf) lists what is valid.
func CheckRegions(primary string, reads []string) error {
	if !slices.Contains(PrimaryRegions, primary) {
		return clierr.Hinted(fmt.Errorf("unknown region %q", primary), "Regions: "+strings.Join(PrimaryRegions, ", "))
	}
	if p := PlatformOf(primary); len(reads) > 0 && p != PlatformAWS {
		return fmt.Errorf("%s is a %s region: read regions are AWS regions and need an AWS primary region (a database lives on one platform)", primary, strings.ToUpper(p))
	}
	seen := map[string]bool{}
	for _, r := range reads {
		switch {
		case r == primary:
			return fmt.Errorf("read region %s is the primary region; a read region must be another one", r)
		case !slices.Contains(ReadRegions, r):
			return clierr.Hinted(fmt.Errorf("%q cannot be a read region: read regions are AWS regions other than af-south-1", r),
				"Read regions: "+strings.Join(ReadRegions, ", "))
		case seen[r]:
			return fmt.Errorf("read region %s is given twice", r)
		}
		seen[r] = true
	}
	return nil
}

// Host is the database's host name: the endpoint, with .upstash.io added
// to a bare slug.
func Host(d *Database) string {
	e := d.Endpoint
	// A slug looks like eu1-sought-mollusk-30143: no dot, no colon, dashes.
	if strings.ContainsAny(e, ".:") || !strings.Contains(e, "-") {
		return e
	}
	return e + ".upstash.io"
}

// RedisURL is rediss://default:PASSWORD@HOST:PORT (TLS always; the port as
// returned).
func RedisURL(d *Database) string {
	u := url.URL{Scheme: "rediss", User: url.UserPassword("default", d.Password), Host: net.JoinHostPort(Host(d), strconv.Itoa(d.Port))}
	return u.String()
}

// RESTURL is the database's REST endpoint.
func RESTURL(d *Database) string {
	host := Host(d)
	if strings.Contains(host, ":") {
		host = "[" + host + "]" // IPv6
	}
	return (&url.URL{Scheme: "https", Host: host}).String()
}

// Client calls the Developer API under /v2. HTTP puts the credentials on
// each request (account.Transport: the account email and API key, and one
// new key minted with the stored login when Upstash rejects it) and
// retries what is safe to resend.
type Client struct {
	BaseURL string
	HTTP    *http.Client
	// Profile is the --profile whose login HTTP sends, named in the hints
	// of errors ("" or "default": none).
	Profile string
}

// NewClient is the client of the API at baseURL, sending through hc. The
// profile its hints name is that of hc's transport when it tells one
// (account.Transport does).
func NewClient(baseURL string, hc *http.Client) *Client {
	return &Client{BaseURL: baseURL, HTTP: hc, Profile: provider.TransportProfile(hc)}
}

// ErrAmbiguous is wrapped when a create may or may not have happened
// (httpx.ErrAmbiguous, shared by both providers).
var ErrAmbiguous = httpx.ErrAmbiguous

// AccountHint explains the one account limitation users hit on a 401/403,
// for the default profile; ProfileAccountHint is the one for any profile.
const AccountHint = "Accounts created through Vercel or Fly.io cannot use Upstash's Developer API. " +
	"Otherwise run 'cachelink connect upstash', or check UPSTASH_EMAIL and UPSTASH_API_KEY."

// ProfileAccountHint is AccountHint naming profile in the connect command.
func ProfileAccountHint(profile string) string {
	return "Accounts created through Vercel or Fly.io cannot use Upstash's Developer API. " +
		"Otherwise run '" + provider.ConnectCommand(Provider, profile) + "', or check UPSTASH_EMAIL and UPSTASH_API_KEY."
}

func (c *Client) do(ctx context.Context, method, path string, body any, out any) error {
	u := strings.TrimRight(c.BaseURL, "/") + path
	return httpx.Exchange(ctx, c.HTTP, "Upstash", method, u, body, out, func(method string, status int, body []byte) error {
		return apiError(method, status, body, c.Profile)
	})
}

// apiError maps Upstash's answers, which have no fixed schema, to exit
// codes; its hints name profile.
func apiError(method string, status int, body []byte, profile string) error {
	ae := &APIError{Status: status, Message: ErrorMessage(body)}
	switch {
	case status == http.StatusUnauthorized, status == http.StatusForbidden:
		return clierr.Wrap(clierr.Auth, ae).WithHint(ProfileAccountHint(profile))
	case status == http.StatusNotFound:
		return clierr.Wrap(clierr.NotFound, ae)
	case status == http.StatusBadRequest:
		return clierr.Wrap(clierr.Usage, ae)
	case status == http.StatusTooManyRequests || status >= 500:
		var err error = ae
		if method == http.MethodPost && (status == http.StatusBadGateway || status == http.StatusGatewayTimeout) {
			err = fmt.Errorf("%w: %w", ErrAmbiguous, ae)
		}
		hint := "Upstash kept failing; try again later."
		if status == http.StatusServiceUnavailable {
			hint = "Upstash may be in maintenance; try again later."
		}
		return clierr.Wrap(clierr.Unreachable, err).WithHint(hint)
	}
	return clierr.Wrap(clierr.General, ae)
}

// ListDatabases returns the account's databases.
func (c *Client) ListDatabases(ctx context.Context) ([]Database, error) {
	var out []Database
	err := c.do(ctx, http.MethodGet, "/v2/redis/databases", nil, &out)
	return out, err
}

// GetDatabase returns one database, with its secrets unless hide.
func (c *Client) GetDatabase(ctx context.Context, id string, hide bool) (*Database, error) {
	path := "/v2/redis/database/" + url.PathEscape(id)
	if hide {
		path += "?credentials=hide"
	}
	var out Database
	if err := c.do(ctx, http.MethodGet, path, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateDatabase creates a database. An error wrapping ErrAmbiguous means
// it may exist anyway.
func (c *Client) CreateDatabase(ctx context.Context, n NewDatabase) (*Database, error) {
	n.Platform, n.Region, n.TLS = PlatformOf(n.PrimaryRegion), "global", true
	var out Database
	if err := c.do(ctx, http.MethodPost, "/v2/redis/database", n, &out); err != nil {
		return nil, err
	}
	if out.ID == "" {
		return nil, clierr.Wrap(clierr.General, fmt.Errorf("%w: Upstash answered the create without a database id", ErrAmbiguous))
	}
	return &out, nil
}

// DeleteDatabase deletes a database (Upstash answers "OK").
func (c *Client) DeleteDatabase(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/v2/redis/database/"+url.PathEscape(id), nil, nil)
}

// ResetPassword gives the database a new password and REST tokens.
func (c *Client) ResetPassword(ctx context.Context, id string) (*Database, error) {
	var out Database
	if err := c.do(ctx, http.MethodPost, "/v2/redis/reset-password/"+url.PathEscape(id), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// IsID reports whether ref is a database id (a UUID) rather than a name.
func IsID(ref string) bool { return uuid.Is(ref) }

// DatabasesNamed returns the databases called name.
func (c *Client) DatabasesNamed(ctx context.Context, name string) ([]Database, error) {
	all, err := c.ListDatabases(ctx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(d Database) bool { return d.Name != name }), nil
}

// FindDatabase returns the database ref names, with its secrets: by id
// (one GET) or by name (a list, then the GET). None is exit 3; a name two
// databases share is exit 2 listing their ids.
func (c *Client) FindDatabase(ctx context.Context, ref string) (*Database, error) {
	id := ref
	if !IsID(ref) {
		found, err := c.DatabasesNamed(ctx, ref)
		if err != nil {
			return nil, err
		}
		d, err := provider.OneNamed(databaseLookup, ref, found, func(d *Database) string { return d.ID })
		if err != nil || d.Password != "" {
			return d, err
		}
		id = d.ID
	}
	d, err := c.GetDatabase(ctx, id, false)
	if err != nil && clierr.KindOf(err) == clierr.NotFound {
		return nil, databaseLookup.NoSuchID(id)
	}
	return d, err
}

// databaseLookup names Upstash's databases in the errors of FindDatabase.
var databaseLookup = provider.Resources{Title: Title, Name: Name, Noun: "database", Plural: "databases"}
