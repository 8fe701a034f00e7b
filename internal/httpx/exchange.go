package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/cachelink/cachelink/internal/clierr"
)

// Exchange is one JSON request to a provider's API and its answer, the
// shape every provider shares. hc sends it (its transport puts the
// credentials on it); mapError turns an answer that is not a 2xx into the
// error users see. A 2xx is decoded into out, when out is not nil and the
// body is not empty.
func Exchange(ctx context.Context, hc *http.Client, provider, method, url string, body, out any,
	mapError func(method string, status int, body []byte) error) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return err
		}
	}
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload) // GetBody set: a transport may resend it
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return TransportError(provider, method, err)
	}
	data, err := ReadBody(resp)
	if err != nil {
		return TransportError(provider, method, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return mapError(method, resp.StatusCode, data)
	}
	if out == nil || len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		err := fmt.Errorf("the answer to %s %s is not the JSON %s should send", method, resp.Request.URL.Path, provider)
		if method == http.MethodPost {
			// It may have succeeded, but what it made cannot be read.
			return clierr.Wrap(clierr.General, fmt.Errorf("%w: %w", ErrAmbiguous, err))
		}
		return clierr.Wrap(clierr.General, err)
	}
	return nil
}
