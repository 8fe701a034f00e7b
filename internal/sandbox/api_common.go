package sandbox

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
)

// APIConfig configures the emulated REST APIs.
type APIConfig struct {
	Account         Account
	Store           *Store
	Counters        *Counters
	PolyScaleAPIKey string        // a static key accepted as Bearer on /v1 (CI mode); "" = none
	PolyScaleTokens TokenVerifier // OAuth access tokens of the PolyScale auth server (may be nil)
	UpstashTokens   TokenVerifier // OAuth access tokens of the Upstash auth server, for POST /apikey (may be nil)
	Redis           RedisSettings
}

// RedisSettings decide where new Upstash databases "are".
type RedisSettings struct {
	Endpoint string // host given to new databases; "" = a fake "<slug>.upstash.io" per database
	Port     int    // 0 = 6379
	Password string // "" = random per database
	// SlugEndpoints is the share (0 to 1) of new databases whose endpoint
	// is a bare slug ("beloved-stallion-58500", no domain), as Upstash
	// returns for some; the others get a full *.upstash.io host. Only
	// without Endpoint. Every 1/share-th database gets one (0.5: every
	// second), so a run is repeatable.
	SlugEndpoints float64
}

func (c *APIConfig) defaults() {
	if c.Store == nil {
		c.Store = NewStore(c.Account)
	}
	if c.Counters == nil {
		c.Counters = &Counters{}
	}
}

// maxBody caps request bodies of the emulated APIs.
const maxBody = 1 << 20

func newUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func randHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func randToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func randInt(n int64) int64 {
	v, err := rand.Int(rand.Reader, big.NewInt(n))
	if err != nil {
		panic(err)
	}
	return v.Int64()
}

func constantTimeEq(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

func equalFoldASCII(a, b string) bool { return strings.EqualFold(a, b) }

// bearerToken returns the token of an "Authorization: Bearer X" header.
func bearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	const p = "bearer "
	if len(h) <= len(p) || !strings.EqualFold(h[:len(p)], p) {
		return "", false
	}
	t := strings.TrimSpace(h[len(p):])
	return t, t != ""
}

// decodeJSON reads r's body (at most maxBody) into v. An empty body is
// decoded as emptyAs when that is not "". Errors are phrased for the client.
func decodeJSON(r *http.Request, v any, emptyAs string) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return fmt.Errorf("reading request body: %v", err)
	}
	if len(b) > maxBody {
		return errors.New("request body too large")
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		if emptyAs == "" {
			return errors.New("request body is empty; expected a JSON object")
		}
		b = []byte(emptyAs)
	}
	if t := strings.TrimSpace(string(b)); !strings.HasPrefix(t, "{") {
		return errors.New("request body must be a JSON object")
	}
	if err := json.Unmarshal(b, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return fmt.Errorf("%s must be of type %s", te.Field, jsonTypeName(te.Type.Kind().String()))
		}
		return fmt.Errorf("malformed JSON: %v", err)
	}
	return nil
}

func jsonTypeName(kind string) string {
	switch kind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "struct", "map", "ptr":
		return "object"
	default:
		return "number"
	}
}

// jsonInt parses a JSON number that must be an integer. ok is false for a
// string, a fraction or anything else.
func jsonInt(raw json.RawMessage) (int64, bool) {
	t := strings.TrimSpace(string(raw))
	if t == "" || t[0] == '"' {
		return 0, false
	}
	var f float64
	if err := json.Unmarshal([]byte(t), &f); err != nil {
		return 0, false
	}
	if f != float64(int64(f)) || f > 1<<53 || f < -(1<<53) {
		return 0, false
	}
	return int64(f), true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
