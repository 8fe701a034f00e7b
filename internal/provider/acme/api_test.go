package acme

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/httpx"
	"github.com/cachelink/cachelink/internal/safetext"
)

// Widget is an Acme widget as the API returns it.
type Widget struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	URL  string `json:"url"` // what applications connect to
}

// Client calls Acme's API. HTTP puts the credentials on each request
// (account.Transport, from f.AuthClient) and retries what is safe to
// resend; the client itself knows nothing about tokens.
type Client struct {
	BaseURL string // acme.api_url
	HTTP    *http.Client
}

// NewClient is the client of the API at baseURL, sending through hc.
func NewClient(baseURL string, hc *http.Client) *Client {
	return &Client{BaseURL: baseURL, HTTP: hc}
}

// Create makes a widget.
func (c *Client) Create(ctx context.Context, name string) (*Widget, error) {
	var w Widget
	if err := c.do(ctx, http.MethodPost, "/v1/widgets", map[string]string{"name": name}, &w); err != nil {
		return nil, err
	}
	return &w, nil
}

// List returns every widget.
func (c *Client) List(ctx context.Context) ([]Widget, error) {
	var ws []Widget
	if err := c.do(ctx, http.MethodGet, "/v1/widgets", nil, &ws); err != nil {
		return nil, err
	}
	return ws, nil
}

func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	return httpx.Exchange(ctx, c.HTTP, Title, method, strings.TrimRight(c.BaseURL, "/")+path, body, out, apiError)
}

// apiError maps an answer that is not a 2xx, {"error": "..."}, to the
// error users see and so to the exit code. A 401 does not come here:
// account.Transport turns it into exit 4 after trying to recover.
func apiError(method string, status int, body []byte) error {
	var e struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(body, &e)
	msg := safetext.Line(e.Error, 300)
	if msg == "" {
		msg = http.StatusText(status)
	}
	err := fmt.Errorf("Acme answered %d to %s: %s", status, method, msg)
	switch {
	case status == http.StatusNotFound:
		return clierr.Wrap(clierr.NotFound, err)
	case status == http.StatusBadRequest || status == http.StatusConflict:
		return clierr.Wrap(clierr.Usage, err)
	case status == http.StatusForbidden:
		return clierr.Wrap(clierr.Auth, err).WithHint("Run `cachelink connect acme` to grant the widgets scopes.")
	case status == http.StatusTooManyRequests || status >= 500:
		return clierr.Wrap(clierr.Unreachable, err).WithHint("Try again later.")
	}
	return clierr.Wrap(clierr.General, err)
}
