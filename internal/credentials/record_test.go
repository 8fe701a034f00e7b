package credentials_test

import (
	"testing"

	"github.com/cachelink/cachelink/internal/credentials"
)

// Disconnecting revokes the refresh token when there is one (it ends the
// access tokens too), else the access token, and nothing of an empty
// record.
func TestRevocableTokenPrefersTheRefreshToken(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		rec       credentials.Record
		token, as string
	}{
		{"both", credentials.Record{AccessToken: "at", RefreshToken: "rt"}, "rt", "refresh_token"},
		{"access token only (an API key login)", credentials.Record{AccessToken: "at"}, "at", "access_token"},
		{"neither", credentials.Record{}, "", ""},
	} {
		token, hint := tc.rec.RevocableToken()
		if token != tc.token || hint != tc.as {
			t.Errorf("%s: RevocableToken() = %q, %q; want %q, %q", tc.name, token, hint, tc.token, tc.as)
		}
	}
}
