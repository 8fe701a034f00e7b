package upstash_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/cachelink/cachelink/internal/upstash"
)

func TestErrorMessageReadsEveryShapeUpstashSends(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		`{"error":"database not found"}`:  "database not found",
		`{"message":"Unauthorized"}`:      "Unauthorized",
		`"invalid region"`:                "invalid region",
		"plain text\x1b[31m with escapes": "plain text [31m with escapes",
		"":                                "",
	}
	for body, want := range tests {
		if got := upstash.ErrorMessage([]byte(body)); got != want {
			t.Errorf("ErrorMessage(%q) = %q, want %q", body, got, want)
		}
	}
}

func TestEmailFromIDToken(t *testing.T) {
	t.Parallel()
	payload := base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"auth0|1","email":"dev@example.com"}`))
	tok := (&oauth2.Token{AccessToken: "a"}).WithExtra(map[string]any{"id_token": "h." + payload + ".sig"})
	if got := upstash.EmailFromIDToken(tok); got != "dev@example.com" {
		t.Errorf("email = %q", got)
	}
	if got := upstash.EmailFromIDToken(&oauth2.Token{}); got != "" {
		t.Errorf("no ID token: email = %q", got)
	}
}

func TestKeyName(t *testing.T) {
	t.Parallel()
	if got := upstash.KeyName(time.Unix(1795996555, 0)); got != "cachelink_API_KEY_1795996555" {
		t.Errorf("KeyName = %q", got)
	}
}

func TestMintAPIKeySaysWhenTheLimitIsReached(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte("you have reached the limit of 37 api keys; delete one before creating another"))
	}))
	defer srv.Close()
	_, err := upstash.MintAPIKey(context.Background(), srv.Client(), srv.URL, "at", "cachelink_API_KEY_1")
	if !errors.Is(err, upstash.ErrKeyLimit) {
		t.Errorf("err = %v, want ErrKeyLimit", err)
	}
}
