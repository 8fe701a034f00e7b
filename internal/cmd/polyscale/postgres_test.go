package polyscale_test

import (
	"context"
	"encoding/json"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cachelink/cachelink/internal/cmdtest"
	"github.com/cachelink/cachelink/internal/sandbox"
)

// postgresTimeout bounds each connection a test makes to the real server.
const postgresTimeout = 30 * time.Second

// realPostgres returns the origin of the PostgreSQL server .ci/run starts
// (CACHELINK_TEST_POSTGRES_URL, a URL with user, password and database)
// and psql, or skips the test outside CI; in CI a missing one fails it.
func realPostgres(t *testing.T) (origin *url.URL, psql string) {
	t.Helper()
	raw := os.Getenv("CACHELINK_TEST_POSTGRES_URL")
	psql, psqlErr := exec.LookPath("psql")
	switch {
	case raw == "" && os.Getenv("CI") != "":
		t.Fatal("CI=true but CACHELINK_TEST_POSTGRES_URL is not set: .ci/run should have started a PostgreSQL server and exported it")
	case raw == "":
		t.Skip("CACHELINK_TEST_POSTGRES_URL is not set: point it at a PostgreSQL server with SSL on " +
			"(postgres://USER:PASSWORD@127.0.0.1:PORT/DB, as .ci/run does) to run the real-database tests")
	case psqlErr != nil && os.Getenv("CI") != "":
		t.Fatal("CI=true but no psql on PATH: .ci/run should have installed Debian's postgresql-client")
	case psqlErr != nil:
		t.Skip("no psql on PATH: install Debian's postgresql-client to run the real-database tests")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Hostname() == "" || u.User == nil {
		t.Fatalf("CACHELINK_TEST_POSTGRES_URL is not a postgres:// URL with a user and a host: %q (%v)", raw, err)
	}
	// The SSL the checks see must be cachelink's doing (it adds sslmode=require).
	q := u.Query()
	q.Del("sslmode")
	u.RawQuery = q.Encode()
	return u, psql
}

// session is what a connection reports about itself.
type session struct {
	AppName, User, Database string
	SSL                     bool
}

const sessionQuery = `select current_setting('application_name'), current_user, current_database(), ssl
	from pg_stat_ssl where pid = pg_backend_pid()`

// psqlSession connects with psql and conn, in e's environment (the
// password comes only from conn: no prompt, no password file, no PG*
// variables).
func psqlSession(t *testing.T, e *cmdtest.Env, psql, conn string) session {
	t.Helper()
	env := []string{"PGCONNECT_TIMEOUT=10", "PGPASSFILE=" + filepath.Join(t.TempDir(), "no-pgpass")}
	out, stderr, err := e.RunClient(postgresTimeout, "PG", env, psql, "-X", "-w", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1",
		"-d", conn, "-c", sessionQuery)
	if err != nil {
		t.Fatalf("psql with the printed connection string: %v\n%s", err, stderr)
	}
	f := strings.Split(strings.TrimRight(out, "\n"), "\t")
	if len(f) != 4 {
		t.Fatalf("psql printed %q, want application_name, user, database and ssl", out)
	}
	return session{AppName: f[0], User: f[1], Database: f[2], SSL: f[3] == "t"}
}

// pgxSession connects with the Go driver and conn.
func pgxSession(t *testing.T, conn string) session {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), postgresTimeout)
	defer cancel()
	c, err := pgx.Connect(ctx, conn)
	if err != nil {
		t.Fatalf("pgx with the printed connection string: %v", err)
	}
	defer c.Close(context.Background())
	var s session
	if err := c.QueryRow(ctx, sessionQuery).Scan(&s.AppName, &s.User, &s.Database, &s.SSL); err != nil {
		t.Fatalf("pgx query: %v", err)
	}
	return s
}

// kvQuote quotes a keyword/value value as libpq reads it.
func kvQuote(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// TestCreatedConnectionStringReachesARealPostgres creates a cache whose edge
// is the real server itself, so the printed string must get psql and pgx
// in: same user, password and database, application_name the cache id, and
// SSL because cachelink added sslmode=require (the server only takes SSL).
func TestCreatedConnectionStringReachesARealPostgres(t *testing.T) {
	t.Parallel()
	origin, psql := realPostgres(t)
	password, _ := origin.User.Password()
	port := origin.Port()
	if port == "" {
		port = "5432"
	}
	database := strings.TrimPrefix(origin.Path, "/")
	// The edge is the server itself; the origin names it another way, as
	// an origin on the edge host is refused.
	edgeHost := origin.Host
	origin = sameServerOtherName(t, origin, port)
	forms := []struct{ name, origin string }{
		{"url", origin.String()},
		{"keyword-value", strings.Join([]string{"host=" + origin.Hostname(), "port=" + port,
			"user=" + kvQuote(origin.User.Username()), "password=" + kvQuote(password), "dbname=" + kvQuote(database)}, " ")},
	}
	for _, form := range forms {
		t.Run(form.name, func(t *testing.T) {
			t.Parallel()
			e := cmdtest.New(t, cmdtest.Options{Sandbox: sandbox.Options{PolyScaleAPIKey: "ci-key"}})
			e.Setenv("CACHELINK_POLYSCALE_EDGE_HOST", edgeHost)
			e.Setenv("DATABASE_URL", form.origin)

			r := e.MustRun(t, "create", "polyscale", "--name", "shop-pg", "--origin-env", "DATABASE_URL", "--skip-dns-check")
			lines := strings.Split(strings.TrimSuffix(r.Stdout, "\n"), "\n")
			if len(lines) != 1 || lines[0] == "" {
				t.Fatalf("create printed %d lines on stdout, want the connection string alone:\n%s", len(lines), r.Stdout)
			}
			conn := lines[0]
			if password != "" && strings.Contains(r.Stderr, password) {
				t.Errorf("the origin password is on stderr:\n%s", r.Stderr)
			}

			r = e.MustRun(t, "list", "polyscale", "-o", "json")
			var caches []struct{ ID, Name string }
			if err := json.Unmarshal([]byte(r.Stdout), &caches); err != nil {
				t.Fatalf("list -o json: %v\n%s", err, r.Stdout)
			}
			if len(caches) != 1 || caches[0].Name != "shop-pg" || caches[0].ID == "" {
				t.Fatalf("list -o json = %+v, want the one cache shop-pg", caches)
			}
			want := session{AppName: caches[0].ID, User: origin.User.Username(), Database: database, SSL: true}

			if got := psqlSession(t, e, psql, conn); got != want {
				t.Errorf("psql %q:\n got %+v\nwant %+v", conn, got, want)
			}
			if got := pgxSession(t, conn); got != want {
				t.Errorf("pgx %q:\n got %+v\nwant %+v", conn, got, want)
			}
		})
	}
}

// sameServerOtherName returns origin with its host spelled another way
// (localhost for a loopback address, an address for a name), so that it
// differs from the edge host while the edge still reaches the server.
func sameServerOtherName(t *testing.T, origin *url.URL, port string) *url.URL {
	t.Helper()
	u := *origin
	host := origin.Hostname()
	switch {
	case host == "127.0.0.1" || host == "::1":
		host = "localhost"
	default:
		addrs, err := net.LookupHost(host)
		if err != nil || len(addrs) == 0 {
			t.Fatalf("resolving %s: %v", host, err)
		}
		host = addrs[0]
	}
	u.Host = net.JoinHostPort(host, port)
	return &u
}
