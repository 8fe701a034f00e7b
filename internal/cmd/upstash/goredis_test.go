package upstash_test

// The URLs cachelink prints are meant for Redis clients: go-redis's
// ParseURL must accept every one of them and find in it the address, the
// user "default", the password exactly, and TLS. Every place a URL comes
// out is checked: create (text and JSON), get -o json, list -o json
// --show-secrets, connstr (redis, env, json, --write-env) and
// reset-password.

import (
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/cachelink/cachelink/internal/cmdtest"
	"github.com/cachelink/cachelink/internal/sandbox"
)

// specialPassword has every character that means something in a URL, a
// space, a quote for the .env file, and non-ASCII.
const specialPassword = `p@ss:w/rd?#%&= +[]!$'()*,;~é\"` + "`"

// printedURLs runs every command that prints a rediss:// URL for the one
// database named cache, which it creates, and returns the URLs by where
// they came from.
func printedURLs(t *testing.T, e *cmdtest.Env) map[string]string {
	t.Helper()
	out := map[string]string{}
	out["create"] = singleLine(t, mustSucceed(t, e, "create", "upstash", "--name", "cache", "--region", "eu-west-1").Stdout)
	out["create -o json"] = cmdtest.DecodePipedJSON[dbJSON](t, mustSucceed(t, e, "create", "upstash", "--name", "cache", "--region", "eu-west-1", "--if-not-exists", "-o", "json").Stdout).RedisURL
	out["get -o json"] = cmdtest.DecodePipedJSON[dbJSON](t, mustSucceed(t, e, "get", "upstash", "cache", "-o", "json").Stdout).RedisURL
	out["list -o json"] = cmdtest.DecodePipedJSON[[]dbJSON](t, mustSucceed(t, e, "list", "upstash", "-o", "json", "--show-secrets").Stdout)[0].RedisURL
	out["connstr"] = singleLine(t, mustSucceed(t, e, "connstr", "upstash", "cache").Stdout)
	out["connstr --format redis"] = singleLine(t, mustSucceed(t, e, "connstr", "upstash", "cache", "--format", "redis").Stdout)
	out["connstr --format json"] = cmdtest.DecodePipedJSON[dbJSON](t, mustSucceed(t, e, "connstr", "upstash", "cache", "--format", "json").Stdout).RedisURL
	out["connstr --format env"] = envValue(t, mustSucceed(t, e, "connstr", "upstash", "cache", "--format", "env").Stdout, "REDIS_URL")
	file := filepath.Join(t.TempDir(), ".env")
	mustSucceed(t, e, "connstr", "upstash", "cache", "--write-env", file)
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	out["connstr --write-env"] = envValue(t, string(b), "REDIS_URL")
	return out
}

// singleLine is s without its newline; s must be exactly one line.
func singleLine(t *testing.T, s string) string {
	t.Helper()
	if strings.Count(s, "\n") != 1 || !strings.HasSuffix(s, "\n") {
		t.Fatalf("want exactly one line, got %q", s)
	}
	return strings.TrimSuffix(s, "\n")
}

// envValue is the value of key in .env lines, unquoted as sh and dotenv
// parsers read it: bare, '...' (literal) or "..." (\ escapes \ " $ `).
func envValue(t *testing.T, env, key string) string {
	t.Helper()
	for l := range strings.SplitSeq(env, "\n") {
		v, ok := strings.CutPrefix(l, key+"=")
		if !ok {
			continue
		}
		switch {
		case len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'':
			return v[1 : len(v)-1]
		case len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"':
			var b strings.Builder
			for i := 1; i < len(v)-1; i++ {
				if v[i] == '\\' && i+1 < len(v)-1 && strings.ContainsRune("\\\"$`", rune(v[i+1])) {
					i++
				}
				b.WriteByte(v[i])
			}
			return b.String()
		}
		return v
	}
	t.Fatalf("no %s in:\n%s", key, env)
	return ""
}

// checkParses checks that go-redis reads u as the database at host:port
// with password.
func checkParses(t *testing.T, from, u, host string, port int, password string) {
	t.Helper()
	opt, err := redis.ParseURL(u)
	if err != nil {
		t.Errorf("%s: redis.ParseURL(%q): %v", from, u, err)
		return
	}
	if want := net.JoinHostPort(host, strconv.Itoa(port)); opt.Addr != want {
		t.Errorf("%s: Addr = %q, want %q (URL %q)", from, opt.Addr, want, u)
	}
	if opt.Username != "default" {
		t.Errorf("%s: Username = %q, want default", from, opt.Username)
	}
	if opt.Password != password {
		t.Errorf("%s: Password = %q, want %q (URL %q)", from, opt.Password, password, u)
	}
	if opt.TLSConfig == nil {
		t.Errorf("%s: no TLS: Upstash only accepts TLS (rediss://)", from)
	} else if opt.TLSConfig.ServerName != host {
		t.Errorf("%s: TLS ServerName = %q, want %q", from, opt.TLSConfig.ServerName, host)
	}
}

func TestGoRedisParsesEveryURLCachelinkPrints(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		redis sandbox.RedisSettings
		host  string // "" = the endpoint Upstash returned
		port  int
	}{
		{name: "random endpoint and password", port: 6379},
		{name: "a password with special characters", redis: sandbox.RedisSettings{Password: specialPassword}, port: 6379},
		{name: "an endpoint that is a bare slug", redis: sandbox.RedisSettings{Endpoint: "eu1-quick-falcon-12345"}, host: "eu1-quick-falcon-12345.upstash.io", port: 6379},
		{name: "the port Upstash returns", redis: sandbox.RedisSettings{Endpoint: "us1-noble-newt-31337.upstash.io", Port: 32123}, host: "us1-noble-newt-31337.upstash.io", port: 32123},
		{name: "a local server", redis: sandbox.RedisSettings{Endpoint: "127.0.0.1", Port: 6380, Password: "local pw"}, host: "127.0.0.1", port: 6380},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := ciMode(t, sandbox.Options{Redis: tt.redis})
			urls := printedURLs(t, e)
			d := onlyDatabase(t, e)
			if tt.redis.Password != "" && d.Password != tt.redis.Password {
				t.Fatalf("the sandbox gave the password %q, want %q", d.Password, tt.redis.Password)
			}
			host := tt.host
			if host == "" {
				host = d.Endpoint
			}
			for from, u := range urls {
				if !strings.HasPrefix(u, "rediss://default:") {
					t.Errorf("%s: %q is not rediss://default:...", from, u)
				}
				checkParses(t, from, u, host, tt.port, d.Password)
			}

			u := singleLine(t, mustSucceed(t, e, "reset-password", "cache", "--yes").Stdout)
			checkParses(t, "reset-password", u, host, tt.port, onlyDatabase(t, e).Password)
			u = cmdtest.DecodePipedJSON[dbJSON](t, mustSucceed(t, e, "reset-password", "cache", "--yes", "-o", "json").Stdout).RedisURL
			checkParses(t, "reset-password -o json", u, host, tt.port, onlyDatabase(t, e).Password)
		})
	}
}

// The REST URL is the other half of what cachelink prints: it must be a
// URL for any endpoint Upstash (or the sandbox, pointed at a local server)
// gives.
func TestTheRESTURLIsAValidURLForEveryKindOfEndpoint(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ endpoint, host string }{
		{"eu1-quick-falcon-12345.upstash.io", "eu1-quick-falcon-12345.upstash.io"},
		{"eu1-quick-falcon-12345", "eu1-quick-falcon-12345.upstash.io"},
		{"127.0.0.1", "127.0.0.1"},
		{"::1", "::1"},
	} {
		t.Run(tc.endpoint, func(t *testing.T) {
			t.Parallel()
			e := ciMode(t, sandbox.Options{Redis: sandbox.RedisSettings{Endpoint: tc.endpoint}})
			mustSucceed(t, e, "create", "upstash", "--name", "cache", "--region", "eu-west-1")
			rest := strings.TrimSpace(mustSucceed(t, e, "connstr", "upstash", "cache", "--format", "rest").Stdout)
			u, err := url.Parse(rest)
			if err != nil || u.Scheme != "https" || u.Hostname() != tc.host || u.Port() != "" {
				t.Errorf("connstr --format rest = %q (%v), want https://%s", rest, err, tc.host)
			}
			redisURL := strings.TrimSpace(mustSucceed(t, e, "connstr", "upstash", "cache").Stdout)
			checkParses(t, "connstr", redisURL, tc.host, 6379, onlyDatabase(t, e).Password)
		})
	}
}
