package upstash_test

import (
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/cachelink/cachelink/internal/cmdtest"
	"github.com/cachelink/cachelink/internal/sandbox"
)

// redisTimeout bounds each command a test sends to the real server.
const redisTimeout = 30 * time.Second

// realRedisServer is the Redis server .ci/run starts: TLS only, with a
// password, its certificate self-signed.
type realRedisServer struct {
	Host     string
	Port     int
	Password string
	CACert   string // path of the PEM certificate to trust
	Roots    *x509.CertPool
	CLI      string // redis-cli
}

// realRedis returns the server in CACHELINK_TEST_REDIS_ADDR (host:port),
// CACHELINK_TEST_REDIS_PASSWORD and CACHELINK_TEST_REDIS_CACERT, and
// redis-cli, or skips the test outside CI; in CI a missing one fails it.
func realRedis(t *testing.T) realRedisServer {
	t.Helper()
	addr := os.Getenv("CACHELINK_TEST_REDIS_ADDR")
	ci := os.Getenv("CI") != ""
	cli, cliErr := exec.LookPath("redis-cli")
	switch {
	case addr == "" && ci:
		t.Fatal("CI=true but CACHELINK_TEST_REDIS_ADDR is not set: .ci/run should have started a Redis server and exported it")
	case addr == "":
		t.Skip("CACHELINK_TEST_REDIS_ADDR is not set: point it at a Redis server with TLS and a password " +
			"(CACHELINK_TEST_REDIS_ADDR=127.0.0.1:PORT, CACHELINK_TEST_REDIS_PASSWORD, CACHELINK_TEST_REDIS_CACERT=PEM file, " +
			"as .ci/run does) to run the real-Redis tests")
	case cliErr != nil && ci:
		t.Fatal("CI=true but no redis-cli on PATH: .ci/run should have installed Debian's redis-tools")
	case cliErr != nil:
		t.Skip("no redis-cli on PATH: install Debian's redis-tools to run the real-Redis tests")
	}
	s := realRedisServer{Password: os.Getenv("CACHELINK_TEST_REDIS_PASSWORD"), CACert: os.Getenv("CACHELINK_TEST_REDIS_CACERT"), CLI: cli}
	if s.Password == "" || s.CACert == "" {
		t.Fatal("CACHELINK_TEST_REDIS_ADDR is set, so CACHELINK_TEST_REDIS_PASSWORD and CACHELINK_TEST_REDIS_CACERT must be too")
	}
	host, port, err := net.SplitHostPort(addr)
	if err == nil {
		s.Port, err = strconv.Atoi(port)
	}
	if err != nil || host == "" || s.Port <= 0 {
		t.Fatalf("CACHELINK_TEST_REDIS_ADDR is not HOST:PORT: %q (%v)", addr, err)
	}
	// cachelink adds .upstash.io to an endpoint that is a bare name.
	if !strings.ContainsAny(host, ".:") {
		t.Fatalf("CACHELINK_TEST_REDIS_ADDR's host %q has no dot: cachelink would make it %s.upstash.io; use 127.0.0.1", host, host)
	}
	s.Host = host
	pem, err := os.ReadFile(s.CACert)
	if err != nil {
		t.Fatalf("CACHELINK_TEST_REDIS_CACERT: %v", err)
	}
	s.Roots = x509.NewCertPool()
	if !s.Roots.AppendCertsFromPEM(pem) {
		t.Fatalf("CACHELINK_TEST_REDIS_CACERT %s holds no PEM certificate", s.CACert)
	}
	return s
}

// cli runs redis-cli with the URL cachelink printed, in e's environment
// (TLS trusting only the server's certificate; no REDISCLI_* variables),
// and returns its output.
func (s realRedisServer) cli(t *testing.T, e *cmdtest.Env, rawURL string, args ...string) string {
	t.Helper()
	out, stderr, err := e.RunClient(redisTimeout, "REDISCLI_", nil, s.CLI,
		append([]string{"--tls", "--cacert", s.CACert, "-u", rawURL, "--no-auth-warning", "-e"}, args...)...)
	if err != nil {
		t.Fatalf("redis-cli %s with the printed URL: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out, stderr)
	}
	return strings.TrimRight(out, "\n")
}

// oneLine is stdout when it is exactly one non-empty line.
func oneLine(t *testing.T, what string, r cmdtest.Result) string {
	t.Helper()
	if r.Code != 0 {
		t.Fatalf("%s exited %d\nstdout: %s\nstderr: %s", what, r.Code, r.Stdout, r.Stderr)
	}
	lines := strings.Split(strings.TrimSuffix(r.Stdout, "\n"), "\n")
	if len(lines) != 1 || lines[0] == "" {
		t.Fatalf("%s printed %d lines on stdout, want the URL alone:\n%s", what, len(lines), r.Stdout)
	}
	return lines[0]
}

// TestPrintedURLReachesARealRedis creates a database whose endpoint is the
// real server, so the rediss:// URL create and connstr print must get
// redis-cli and go-redis in: TLS to the host in the URL (go-redis checks
// the certificate's name, redis-cli only its chain) and the password,
// which the URL percent-encodes, decoded back to what the server wants.
//
// reset-password is not tried here: the sandbox hands every database the
// configured password, so the "new" one would be the same and prove nothing,
// and the server would not learn a really new one.
func TestPrintedURLReachesARealRedis(t *testing.T) {
	t.Parallel()
	srv := realRedis(t)
	e := cmdtest.New(t, cmdtest.Options{Sandbox: sandbox.Options{
		Redis: sandbox.RedisSettings{Endpoint: srv.Host, Port: srv.Port, Password: srv.Password}}})
	e.MustRun(t, "connect", "upstash")

	r := e.Run("create", "upstash", "--name", "cache", "--region", "eu-west-1")
	created := oneLine(t, "create upstash", r)
	if strings.Contains(r.Stderr, srv.Password) {
		t.Errorf("the password is on stderr:\n%s", r.Stderr)
	}
	u, err := url.Parse(created)
	if err != nil {
		t.Fatalf("create printed %q, not a URL: %v", created, err)
	}
	password, _ := u.User.Password()
	if u.Scheme != "rediss" || u.Hostname() != srv.Host || u.Port() != strconv.Itoa(srv.Port) ||
		u.User.Username() != "default" || password != srv.Password {
		t.Fatalf("create printed %q, want rediss://default:<the password>@%s", created, net.JoinHostPort(srv.Host, strconv.Itoa(srv.Port)))
	}
	printed := oneLine(t, "connstr upstash cache", e.Run("connstr", "upstash", "cache"))
	if printed != created {
		t.Errorf("connstr upstash cache printed %q, create printed %q", printed, created)
	}

	for _, c := range []struct{ name, url string }{{"create", created}, {"connstr", printed}} {
		if got := srv.cli(t, e, c.url, "PING"); got != "PONG" {
			t.Errorf("redis-cli PING with the URL %s printed: %q, want PONG", c.name, got)
		}
	}

	// A key written and read back through the URL, then read by go-redis.
	key := fmt.Sprintf("cachelink-test:%d", time.Now().UnixNano())
	value := "héllo wörld " + key
	if got := srv.cli(t, e, created, "SET", key, value, "EX", "300"); got != "OK" {
		t.Fatalf("redis-cli SET printed %q, want OK", got)
	}
	t.Cleanup(func() { srv.cli(t, e, created, "DEL", key) })
	if got := srv.cli(t, e, created, "GET", key); got != value {
		t.Errorf("redis-cli GET printed %q, want %q", got, value)
	}

	opts, err := redis.ParseURL(created)
	if err != nil {
		t.Fatalf("go-redis cannot parse the URL: %v", err)
	}
	if opts.TLSConfig == nil {
		t.Fatalf("go-redis reads %q without TLS", created)
	}
	opts.TLSConfig.RootCAs = srv.Roots
	opts.MaxRetries = -1 // no command retries: a failure shows as it is
	client := redis.NewClient(opts)
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), redisTimeout)
	defer cancel()
	if got, err := client.Ping(ctx).Result(); err != nil || got != "PONG" {
		t.Errorf("go-redis PING with the URL = %q, %v; want PONG", got, err)
	}
	if got, err := client.Get(ctx, key).Result(); err != nil || got != value {
		t.Errorf("go-redis GET %s = %q, %v; want %q", key, got, err, value)
	}
}
