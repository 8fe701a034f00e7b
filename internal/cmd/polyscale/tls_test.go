package polyscale_test

// A cleartext TLS setting in an origin: the edge connection string crosses
// the internet to PolyScale's public edge, so PostgreSQL's sslmode is
// upgraded to require and the settings of the other types are kept with a
// warning. Never silent, and the same in create polyscale, connstr polyscale
// and cachelink run --polyscale.

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/microsoft/go-mssqldb/msdsn"
)

func TestACleartextTLSSettingIsUpgradedOrWarnedAbout(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		origin string
		// warning is what stderr says, after "warning: the origin's ".
		warning string
		// check reads the edge string with the driver of its form.
		check func(t *testing.T, edge string)
	}{
		{
			name:    "postgres sslmode=disable is upgraded",
			origin:  "postgres://app:" + dbPassword + "@localhost:5432/shop?sslmode=disable",
			warning: "sslmode=disable allows an unencrypted connection, and the connection string through PolyScale's edge crosses the internet: it has sslmode=require instead",
			check:   pgUsesTLS,
		},
		{
			name:    "postgres repeated sslmode becomes one",
			origin:  "postgres://app:" + dbPassword + "@localhost:5432/shop?sslmode=require&sslmode=disable",
			warning: "sslmode=disable allows an unencrypted connection",
			check: func(t *testing.T, edge string) {
				pgUsesTLS(t, edge)
				if n := strings.Count(edge, "sslmode="); n != 1 {
					t.Errorf("the edge string has %d sslmode parameters, want 1: %s", n, edge)
				}
			},
		},
		{
			name:    "postgres keyword/value sslmode=prefer is upgraded",
			origin:  "host=localhost user=app password=" + dbPassword + " dbname=shop sslmode=prefer",
			warning: "sslmode=prefer allows an unencrypted connection",
			check:   pgUsesTLS,
		},
		{
			name:    "mysql tls=false is kept and warned about",
			origin:  "app:" + dbPassword + "@tcp(localhost:3306)/shop?tls=false",
			warning: "tls=false allows an unencrypted or unverified connection, and the connection string through PolyScale's edge crosses the internet; cachelink keeps the setting\nSet tls=true in the origin",
			check: func(t *testing.T, edge string) {
				cfg, err := mysql.ParseDSN(edge)
				if err != nil || cfg.TLSConfig != "false" {
					t.Errorf("go-sql-driver/mysql reads tls=%q (%v) in %s, want the origin's false", cfg.TLSConfig, err, edge)
				}
			},
		},
		{
			name:    "sql server Encrypt=false is kept and warned about",
			origin:  "Server=localhost,1433;Database=shop;User Id=sa;Password=" + dbPassword + ";Encrypt=false",
			warning: "Encrypt=false allows an unencrypted or unverified connection",
			check: func(t *testing.T, edge string) {
				cfg, err := msdsn.Parse(edge)
				if err != nil || cfg.Encryption != msdsn.EncryptionOff {
					t.Errorf("go-mssqldb reads encryption %v (%v) in %s, want the origin's off", cfg.Encryption, err, edge)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := ciSandbox(t)
			e.Setenv("DATABASE_URL", tc.origin)
			runs := [][]string{
				{"create", "polyscale", "--name", "tls", "--origin-env", "DATABASE_URL", "--skip-dns-check"},
				{"connstr", "polyscale", guardCacheID, "--origin-env", "DATABASE_URL"},
			}
			if _, err := exec.LookPath("printenv"); err == nil {
				runs = append(runs, []string{"run", "--polyscale", guardCacheID, "--", "printenv", "DATABASE_URL"})
			}
			for _, args := range runs {
				r := expectExit(t, e, 0, args...)
				if want := "warning: the origin's " + tc.warning; !strings.Contains(r.Stderr, want) {
					t.Errorf("%s: stderr lacks\n%s\ngot:\n%s", args[0], want, r.Stderr)
				}
				if n := strings.Count(r.Stderr, "warning:"); n != 1 {
					t.Errorf("%s: %d warnings, want 1:\n%s", args[0], n, r.Stderr)
				}
				tc.check(t, strings.TrimSuffix(r.Stdout, "\n"))
			}
		})
	}
}

func TestAnOriginWithTLSGetsNoWarning(t *testing.T) {
	t.Parallel()
	e := ciSandbox(t)
	for _, origin := range []string{
		pgOrigin, // no sslmode: the edge string gets sslmode=require
		pgOrigin + "?sslmode=verify-full",
		"app:" + dbPassword + "@tcp(localhost:3306)/shop?tls=true",
		"Server=localhost;User Id=sa;Password=" + dbPassword + ";Encrypt=true",
	} {
		e.Setenv("DATABASE_URL", origin)
		r := expectExit(t, e, 0, "connstr", "polyscale", guardCacheID, "--origin-env", "DATABASE_URL")
		if r.Stderr != "" {
			t.Errorf("%s: stderr = %q, want nothing", origin, r.Stderr)
		}
	}
}

// pgUsesTLS fails t unless pgx reads edge as TLS always: a TLS
// configuration and no fallback without one (sslmode=prefer and allow
// have one).
func pgUsesTLS(t *testing.T, edge string) {
	t.Helper()
	cfg, err := pgconn.ParseConfig(edge)
	if err != nil {
		t.Fatalf("pgx rejects the edge string %s: %v", edge, err)
	}
	ok := cfg.TLSConfig != nil
	for _, fb := range cfg.Fallbacks {
		ok = ok && fb.TLSConfig != nil
	}
	if !ok {
		t.Errorf("pgx would connect to %s without TLS", edge)
	}
}
