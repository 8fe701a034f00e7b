package connstr_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/cachelink/cachelink/internal/connstr"
)

// TestDrivers checks every rewriteCases row against the driver that reads
// its form: pgx (pgconn.ParseConfig) for PostgreSQL, go-sql-driver/mysql
// (ParseDSN) for Go MySQL DSNs, go-mssqldb (msdsn.Parse) for SQL Server URLs
// and ADO.NET. No Go driver reads mysql:// or mariadb:// URLs: net/url
// stands in for them.
//
// The origin must read the same in the driver as in Parse (a differential
// check), and the rewrite must read as the edge, with the prefixed user (or
// application_name for PostgreSQL) and the same password and database.
func TestDrivers(t *testing.T) {
	isolatePGEnv(t)
	for _, tc := range rewriteCases {
		t.Run(tc.name, func(t *testing.T) {
			o, err := connstr.Parse(tc.origin)
			if err != nil {
				t.Fatal(err)
			}
			if tc.setType != "" {
				if err := o.SetType(tc.setType); err != nil {
					t.Fatal(err)
				}
			}
			out, err := o.Rewrite(cacheID, tc.edge)
			if err != nil {
				t.Fatal(err)
			}
			origin := strings.TrimSpace(tc.origin)
			if tc.form == connstr.PostgresKV || tc.form == connstr.ADONet {
				origin = tc.origin
			}
			want := rewrittenFields(tc.want, tc.typ, tc.edge)

			switch tc.form {
			case connstr.PostgresURL, connstr.PostgresKV:
				if ok, host, user := pgComparable(origin, o); ok {
					got, _, err := pgDriver(origin)
					if err != nil {
						t.Fatalf("pgx rejects the origin: %v", err)
					}
					if !host {
						got.Host = tc.want.Host
					}
					if !user {
						got.User = tc.want.User
					}
					if got != tc.want {
						t.Errorf("pgx reads the origin as %+v, we read %+v", got, tc.want)
					}
				}
				got, app, err := pgDriver(out)
				if err != nil {
					t.Fatalf("pgx rejects the rewrite %q: %v", out, err)
				}
				if got != want || app != cacheID {
					t.Errorf("pgx reads the rewrite as %+v application_name=%q\nwant %+v application_name=%q", got, app, want, cacheID)
				}

			case connstr.MySQLDSN:
				got, err := mysqlDriver(origin)
				if err != nil {
					t.Fatalf("go-sql-driver/mysql rejects the origin: %v", err)
				}
				if got != tc.want {
					t.Errorf("go-sql-driver/mysql reads the origin as %+v, we read %+v", got, tc.want)
				}
				if got, err = mysqlDriver(out); err != nil || got != want {
					t.Errorf("go-sql-driver/mysql reads the rewrite as %+v, %v\nwant %+v", got, err, want)
				}

			case connstr.SQLServerURL, connstr.ADONet:
				if tc.form == connstr.SQLServerURL && !strings.HasPrefix(origin, "sqlserver://") {
					checkURL(t, origin, tc.want)
					checkURL(t, out, want)
					return
				}
				got, err := mssqlDriver(origin)
				if err != nil {
					t.Fatalf("go-mssqldb rejects the origin: %v", err)
				}
				got.Host = mssqlHost(got.Host)
				if got != tc.want {
					t.Errorf("go-mssqldb reads the origin as %+v, we read %+v", got, tc.want)
				}
				if got, err = mssqlDriver(out); err != nil || got != want {
					t.Errorf("go-mssqldb reads the rewrite as %+v, %v\nwant %+v", got, err, want)
				}

			case connstr.MySQLURL:
				checkURL(t, origin, tc.want)
				checkURL(t, out, want)
			}
		})
	}
}

// checkURL reads a mysql://, mariadb:// or mssql:// URL with net/url.
func checkURL(t *testing.T, s string, want fields) {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatalf("net/url rejects %q", s)
	}
	pw, _ := u.User.Password()
	port, _ := strconv.Atoi(u.Port())
	if port == 0 {
		port = want.Port // the default of the form
	}
	db := trimSlash(u.Path)
	if u.Scheme == "mssql" { // the database is a parameter
		db = u.Query().Get("database")
	}
	got := fields{u.Hostname(), port, u.User.Username(), pw, db}
	if got != want {
		t.Errorf("net/url reads %q as %+v, want %+v", s, got, want)
	}
}
