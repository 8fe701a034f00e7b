package cmdutil

import (
	"context"
	"net/http"

	"github.com/cachelink/cachelink/internal/iostreams"
)

// progressTransport shows label with a spinner on stderr while a request
// is out, when stderr is a terminal and the wait lasts (see
// iostreams.StartProgress): with a slow provider, or retries, something
// moves. A command that says more ("Creating Upstash database shop…")
// starts its own spinner first, and this one then stays out of the way.
type progressTransport struct {
	ios   *iostreams.IOStreams
	label string
	next  http.RoundTripper
}

func (t *progressTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	defer t.ios.StartProgress(t.label)()
	return t.next.RoundTrip(req)
}

// LoginProfile and LoginScopes pass through what the transport beneath
// tells (account.Transport): API clients read them for their hints
// (provider.TransportProfile, PolyScale's held scopes), and wrapping the
// transport for a spinner must not hide them.
func (t *progressTransport) LoginProfile() string {
	if p, ok := t.next.(interface{ LoginProfile() string }); ok {
		return p.LoginProfile()
	}
	return ""
}

func (t *progressTransport) LoginScopes(ctx context.Context) ([]string, bool) {
	if s, ok := t.next.(interface {
		LoginScopes(context.Context) ([]string, bool)
	}); ok {
		return s.LoginScopes(ctx)
	}
	return nil, false
}
