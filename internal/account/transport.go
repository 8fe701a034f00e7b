package account

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/httpx"
	"github.com/cachelink/cachelink/internal/provider"
)

// Transport authenticates the requests of one provider and profile: it
// resolves the credential (Resolver.Resolve), lets the provider put it on
// the request, and when the provider answers 401 to a stored login it lets
// the provider recover once (a forced refresh under the cross-process lock,
// or a new key) and sends the request again. A 401 means nothing was done,
// so resending even a POST creates nothing twice; any other answer, and
// every transport error, is returned as it is (retries of what is safe to
// resend happen below, in Base). A second 401, or a 401 to a credential
// from the environment, is exit 4 with the way out.
//
// Errors of its own (no credential, a refused login) come wrapped in
// httpx.CredentialError, so that the API clients report them unchanged
// rather than as a network failure.
type Transport struct {
	Resolver *Resolver
	Provider provider.Provider
	Profile  string
	// Base sends the authorized request (the API client's transport, with
	// its retries); nil means http.DefaultTransport.
	Base http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	c, err := t.Resolver.Resolve(ctx, t.Provider, t.Profile)
	if err != nil {
		return nil, t.fail(req, err)
	}
	if err := t.check(c); err != nil {
		return nil, t.fail(req, err)
	}
	resp, err := t.send(req, c, false)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	drain(resp)
	if c.FromEnv() || c.Record == nil || c.Record.RefreshToken == "" {
		return nil, t.fail(req, Rejected(t.Provider, c))
	}
	s, err := t.Resolver.Session(t.Provider, t.Profile)
	if err != nil {
		return nil, t.fail(req, err)
	}
	if c, err = t.Provider.Recover(ctx, s, c); err != nil {
		return nil, t.fail(req, err)
	}
	if err := t.check(c); err != nil {
		return nil, t.fail(req, err)
	}
	if req.Body != nil && req.GetBody == nil {
		return nil, t.fail(req, errors.New("the request cannot be sent again with the new credential"))
	}
	resp, err = t.send(req, c, true)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	drain(resp)
	t.Provider.Refused(ctx, s, c)
	return nil, t.fail(req, Rejected(t.Provider, c))
}

// LoginProfile is the profile whose login the transport sends: API
// clients built on it name it in their hints (`cachelink connect ...
// --profile work`).
func (t *Transport) LoginProfile() string { return t.Profile }

// LoginScopes are the scopes of the credential the transport sends, as
// stored with the login; known is false when they are not known (an API
// key, a credential from the environment, a login stored without them).
func (t *Transport) LoginScopes(ctx context.Context) (scopes []string, known bool) {
	c, err := t.Resolver.Resolve(ctx, t.Provider, t.Profile)
	if err != nil || c == nil || c.FromEnv() || c.APIKey() || len(c.Scopes) == 0 {
		return nil, false
	}
	return append([]string(nil), c.Scopes...), true
}

// check refuses, before anything is sent, a credential that cannot be put
// on a request (see Resolver.Env for the environment's).
func (t *Transport) check(c *provider.Credential) error {
	if sendable(c) == nil {
		return nil
	}
	if c.FromEnv() {
		return unsendable(strings.Join(c.EnvVars, " or "))
	}
	return clierr.Errorf("the stored %s login of profile %s holds a credential with a control character, which cannot be sent",
		t.Provider.Title(), t.Profile).WithHint("Run '" + provider.ConnectCommand(t.Provider, t.Profile) + "' to store it again.")
}

// send authorizes a copy of req with c (a RoundTripper must not change the
// request it was given) and sends it; again means a second send, with a
// fresh copy of the body.
func (t *Transport) send(req *http.Request, c *provider.Credential, again bool) (*http.Response, error) {
	out := req.Clone(req.Context())
	if again && req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		out.Body = body
	}
	t.Provider.Authorize(out, c)
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(out)
}

// fail closes the request's body, as a RoundTripper must, and marks err as
// the credentials' rather than the network's.
func (t *Transport) fail(req *http.Request, err error) error {
	if req.Body != nil {
		req.Body.Close()
	}
	return &httpx.CredentialError{Err: err}
}

// drain reads a little of a refused answer and closes it, so the
// connection can be reused.
func drain(resp *http.Response) {
	_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
	resp.Body.Close()
}
