// Package upstash is cachelink's side of Upstash: how to log in to it (an
// Auth0 tenant with a public client), how to learn the account's email, and
// how to mint the Developer API key that every /v2 call needs, since the
// OAuth access token only reaches POST /apikey. It also names the CI
// environment variables that replace the login.
package upstash

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/cachelink/cachelink/internal/safetext"
)

// Name is the provider's name on the command line; Title is for people.
const (
	Name  = "upstash"
	Title = "Upstash"
)

// The CI credentials: both or neither.
const (
	EnvEmail  = "UPSTASH_EMAIL"
	EnvAPIKey = "UPSTASH_API_KEY"
)

// Configuration keys (config.yaml; CACHELINK_UPSTASH_... in the
// environment).
const (
	KeyAPIURL      = "upstash.api_url"
	KeyAuthURL     = "upstash.auth_url"
	KeyTokenURL    = "upstash.token_url"
	KeyRevokeURL   = "upstash.revoke_url"
	KeyClientID    = "upstash.client_id"
	KeyRedirectURL = "upstash.redirect_url"
)

// BuildClientID is the registered OAuth app, set by the release build with
// -ldflags -X.
var BuildClientID = ""

// Audience is the API Auth0 issues Upstash's tokens for.
const Audience = "upstash-api"

// Scopes: offline_access for the refresh token, openid email to learn
// which account this is (the Developer API's Basic auth needs the email).
var Scopes = []string{"offline_access", "openid", "email"}

// maxBody bounds what is read of any answer.
const maxBody = 1 << 20

// UserinfoURL is Auth0's /userinfo on the host of the token endpoint.
func UserinfoURL(tokenURL string) (string, error) {
	u, err := url.Parse(tokenURL)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("invalid Upstash token URL %q", tokenURL)
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/userinfo"}).String(), nil
}

// EmailFromIDToken reads the email claim of the ID token that came with
// tok, if any. The token was received directly from the token endpoint, so
// its signature need not be checked (OpenID Connect Core 3.1.3.7).
func EmailFromIDToken(tok *oauth2.Token) string {
	raw, _ := tok.Extra("id_token").(string)
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var claims struct {
		Email string `json:"email"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return ""
	}
	return claims.Email
}

// Userinfo asks Auth0's /userinfo for the account's email.
func Userinfo(ctx context.Context, hc *http.Client, userinfoURL, accessToken string) (string, error) {
	resp, body, err := sendBearer(ctx, hc, http.MethodGet, userinfoURL, accessToken, nil)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s answered %s", userinfoURL, resp.Status)
	}
	var info struct {
		Email string `json:"email"`
	}
	if err := json.Unmarshal(body, &info); err != nil {
		return "", fmt.Errorf("%s answered something that is not JSON", userinfoURL)
	}
	return info.Email, nil
}

// MaxAPIKeys is how many Developer API keys an account may hold.
const MaxAPIKeys = 37

// ErrKeyLimit: the account already holds MaxAPIKeys keys.
var ErrKeyLimit = errors.New("the account has reached Upstash's limit of 37 Developer API keys")

// APIError is an answer of the Developer API that is not a success. Its
// body has no fixed schema: a JSON object with error or message, or a
// string.
type APIError struct {
	Status  int
	Message string
}

func (e *APIError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("Upstash answered %d %s", e.Status, http.StatusText(e.Status))
	}
	return fmt.Sprintf("Upstash answered %d: %s", e.Status, e.Message)
}

// KeyName is the name of a key minted at t: cachelink_API_KEY_<unix time>.
func KeyName(t time.Time) string { return "cachelink_API_KEY_" + strconv.FormatInt(t.Unix(), 10) }

// ErrNameTaken: the account already has a key of that name.
var ErrNameTaken = errors.New("an API key of that name exists")

// MintNamedKey mints a key named KeyName(now). Names must be unique and
// have a one-second resolution, so when that name is taken (a second
// profile connected in the same second) it tries once more with a random
// suffix. It returns the key and the name it got.
func MintNamedKey(ctx context.Context, hc *http.Client, apiURL, accessToken string, now time.Time) (key, name string, err error) {
	name = KeyName(now)
	key, err = MintAPIKey(ctx, hc, apiURL, accessToken, name)
	if errors.Is(err, ErrNameTaken) {
		var b [3]byte
		_, _ = rand.Read(b[:])
		name += "_" + hex.EncodeToString(b[:])
		key, err = MintAPIKey(ctx, hc, apiURL, accessToken, name)
	}
	return key, name, err
}

// MintAPIKey creates a Developer API key named name with the OAuth access
// token (POST /apikey) and returns it. It is a POST that creates
// something, so it is never retried here.
func MintAPIKey(ctx context.Context, hc *http.Client, apiURL, accessToken, name string) (string, error) {
	body, _ := json.Marshal(map[string]string{"name": name})
	resp, raw, err := sendBearer(ctx, hc, http.MethodPost, strings.TrimRight(apiURL, "/")+"/apikey", accessToken, body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		apiErr := &APIError{Status: resp.StatusCode, Message: ErrorMessage(raw)}
		if resp.StatusCode == http.StatusBadRequest && strings.Contains(strings.ToLower(apiErr.Message), "already exists") {
			return "", fmt.Errorf("%w: %w", ErrNameTaken, apiErr)
		}
		if resp.StatusCode == http.StatusBadRequest && strings.Contains(strings.ToLower(apiErr.Message), "limit") {
			return "", fmt.Errorf("%w: delete an unused key in the Upstash console (Account > Management API) and run the command again: %w", ErrKeyLimit, apiErr)
		}
		return "", apiErr
	}
	var out struct {
		APIKey string `json:"api_key"`
	}
	if err := json.Unmarshal(raw, &out); err != nil || out.APIKey == "" {
		return "", errors.New("the answer to POST /apikey has no api_key")
	}
	return out.APIKey, nil
}

// RevokeRefreshToken revokes a refresh token at Auth0's revocation
// endpoint (POST /oauth/revoke, form client_id and token; a public client
// sends no secret). Auth0 answers 200 with no body. The Developer API keys
// minted with the login are not affected: only the console deletes them.
func RevokeRefreshToken(ctx context.Context, hc *http.Client, revokeURL, clientID, refreshToken string) error {
	form := url.Values{"client_id": {clientID}, "token": {refreshToken}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, revokeURL, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != http.StatusOK {
		msg := revokeErrorMessage(body)
		if msg == "" {
			return fmt.Errorf("%s answered %s", revokeURL, resp.Status)
		}
		return fmt.Errorf("%s answered %s: %s", revokeURL, resp.Status, msg)
	}
	return nil
}

// revokeErrorMessage is the OAuth error of a refused revocation
// ({"error", "error_description"}), or Upstash's text, sanitized.
func revokeErrorMessage(body []byte) string {
	var e struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error != "" {
		msg := e.Error
		if e.Description != "" {
			msg += ": " + e.Description
		}
		return safetext.Line(msg, 200)
	}
	return ErrorMessage(body)
}

// sendBearer sends a request with accessToken as its Bearer token, and
// body as JSON unless it is nil, and reads the answer (at most maxBody
// bytes of it).
func sendBearer(ctx context.Context, hc *http.Client, method, u, accessToken string, body []byte) (*http.Response, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	return resp, raw, err
}

// ErrorMessage extracts the message of an Upstash error body: a JSON
// object's error or message, a JSON string, or the plain text, with
// control characters removed and the length bounded.
func ErrorMessage(body []byte) string {
	var obj struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	var str string
	msg := strings.TrimSpace(string(body))
	switch {
	case json.Unmarshal(body, &obj) == nil && (obj.Error != "" || obj.Message != ""):
		msg = obj.Error
		if msg == "" {
			msg = obj.Message
		}
	case json.Unmarshal(body, &str) == nil:
		msg = str
	}
	return safetext.Line(msg, 300)
}
