package upstash

// QStash: each Upstash account has it (one QStash user per region it
// uses); it is never created. The requests follow the specification in
// Upstash's docs repository (devops/developer-api/openapi.yml:
// GET /qstash/users, GET /qstash/user/{id}, POST /qstash/rotate-token/{id},
// schema QStashUser).

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/cachelink/cachelink/internal/clierr"
)

// QStashUser is the account's QStash in one region.
type QStashUser struct {
	ID            string `json:"id"`
	CustomerID    string `json:"customer_id,omitempty"`
	Token         string `json:"token"`
	ReadOnlyToken string `json:"read_only_token,omitempty"`
	Active        bool   `json:"active"`
	State         string `json:"state,omitempty"`
	Type          string `json:"type,omitempty"`
	Region        string `json:"region,omitempty"`
	CreationTime  int64  `json:"creation_time,omitempty"`
}

// The variables QStash's SDKs read.
const (
	EnvQStashToken = "QSTASH_TOKEN"
	EnvQStashURL   = "QSTASH_URL"
)

// QStashRegions are the specification's QStashUser.region values.
var QStashRegions = []string{"eu-central-1", "us-east-1"}

// QStashURL is the API URL of QStash in region, as Upstash's docs give
// them (qstash/howto/multi-region.mdx), or "" for a region they do not
// name: the SDKs then use their default, the EU region.
func QStashURL(region string) string {
	switch region {
	case "eu-central-1", "us-east-1":
		return "https://qstash-" + region + ".upstash.io"
	}
	return ""
}

// ListQStashUsers returns the account's QStash users, with their tokens.
func (c *Client) ListQStashUsers(ctx context.Context) ([]QStashUser, error) {
	var out []QStashUser
	err := c.do(ctx, http.MethodGet, "/v2/qstash/users", nil, &out)
	return out, err
}

// GetQStashUser returns one QStash user.
func (c *Client) GetQStashUser(ctx context.Context, id string) (*QStashUser, error) {
	var out QStashUser
	if err := c.do(ctx, http.MethodGet, "/v2/qstash/user/"+url.PathEscape(id), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// RotateQStashToken gives a QStash user a new token; the old one stops
// working. It answers the user with the new token.
func (c *Client) RotateQStashToken(ctx context.Context, id string) (*QStashUser, error) {
	var out QStashUser
	if err := c.do(ctx, http.MethodPost, "/v2/qstash/rotate-token/"+url.PathEscape(id), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// FindQStashUser is the account's QStash user in region ("" = the only
// one): one list. None is exit 3; several without a region is exit 2
// naming their regions.
func (c *Client) FindQStashUser(ctx context.Context, region string) (*QStashUser, error) {
	users, err := c.ListQStashUsers(ctx)
	if err != nil {
		return nil, err
	}
	var found []QStashUser
	var regions []string
	for _, u := range users {
		regions = append(regions, u.Region)
		if region == "" || u.Region == region {
			found = append(found, u)
		}
	}
	switch {
	case len(found) == 1:
		return &found[0], nil
	case len(found) == 0 && region == "":
		return nil, clierr.NotFoundf("the Upstash account has no QStash").
			WithHint("Open QStash once in the Upstash console (console.upstash.com/qstash) to set it up.")
	case len(found) == 0:
		return nil, clierr.NotFoundf("the Upstash account has no QStash in %s (it has: %s)", region, strings.Join(regions, ", "))
	}
	return nil, clierr.Usagef("the Upstash account has QStash in %d regions (%s)", len(found), strings.Join(regions, ", ")).
		WithHint(fmt.Sprintf("Choose one with --region, such as --region %s.", found[0].Region))
}
