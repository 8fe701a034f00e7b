package httpx

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"

	"github.com/cachelink/cachelink/internal/clierr"
)

// ErrAmbiguous is wrapped when a create may or may not have happened: the
// connection failed after the request was sent, a gateway gave up, or the
// answer could not be read. The caller looks the resource up by name rather
// than creating a second one.
var ErrAmbiguous = errors.New("the request may or may not have been carried out")

// CredentialError is an error of a transport that puts credentials on
// requests (there are none, or the provider refused them): not the
// network's, so TransportError returns Err as it is.
type CredentialError struct{ Err error }

func (e *CredentialError) Error() string { return e.Err.Error() }
func (e *CredentialError) Unwrap() error { return e.Err }

// TransportError turns a request that got no usable answer from provider
// into "unreachable" (exit 5), marking a POST ambiguous. Errors that
// already carry an exit code (an Auth error from the credentials) and
// cancellations pass through unchanged.
func TransportError(provider, method string, err error) error {
	var ce *CredentialError
	if errors.As(err, &ce) {
		return ce.Err
	}
	if clierr.KindOf(err) != clierr.General || errors.Is(err, context.Canceled) {
		return err
	}
	var ne net.Error
	var ue *url.Error
	if !errors.As(err, &ne) && !errors.As(err, &ue) && !errors.Is(err, ErrBodyTooLarge) {
		return err
	}
	if method == http.MethodPost {
		err = fmt.Errorf("%w: %w", ErrAmbiguous, err)
	}
	return clierr.Wrap(clierr.Unreachable, fmt.Errorf("could not reach %s: %w", provider, err)).
		WithHint("Check the network and try again; 'cachelink doctor' checks the endpoints.")
}
