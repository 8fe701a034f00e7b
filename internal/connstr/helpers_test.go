package connstr_test

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/microsoft/go-mssqldb/msdsn"

	"github.com/cachelink/cachelink/internal/connstr"
)

// fields is what a driver, or our Parse, says a connection string connects to.
type fields struct {
	Host     string
	Port     int
	User     string
	Password string
	Database string
}

func fieldsOf(o *connstr.Origin) fields {
	return fields{Host: o.Host, Port: o.Port, User: o.User, Password: o.Password, Database: o.Database}
}

// setenver is *testing.T or *testing.F.
type setenver interface {
	Setenv(key, value string)
	TempDir() string
}

// isolatePGEnv stops pgconn.ParseConfig from reading the PG* environment, a
// service file or a password file.
func isolatePGEnv(tb setenver) {
	for _, k := range []string{
		"PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "PGSSLMODE", "PGAPPNAME",
		"PGSERVICE", "PGCONNECT_TIMEOUT", "PGSSLKEY", "PGSSLCERT", "PGSSLCERTMODE", "PGSSLSNI",
		"PGSSLROOTCERT", "PGSSLPASSWORD", "PGSSLNEGOTIATION", "PGTARGETSESSIONATTRS", "PGTZ",
		"PGOPTIONS", "PGMINPROTOCOLVERSION", "PGMAXPROTOCOLVERSION", "PGCHANNELBINDING", "PGREQUIREAUTH",
	} {
		tb.Setenv(k, "") // restores the old value after the test
		os.Unsetenv(k)   // pgx treats a present but empty PGSSLCERTMODE as an error
	}
	dir := tb.TempDir()
	tb.Setenv("PGPASSFILE", filepath.Join(dir, "no-such-pgpass"))
	tb.Setenv("PGSERVICEFILE", filepath.Join(dir, "no-such-pg_service.conf"))
}

// pgDriver parses s with pgx (the caller isolates the environment).
func pgDriver(s string) (fields, string, error) {
	cfg, err := pgconn.ParseConfig(s)
	if err != nil {
		return fields{}, "", err
	}
	return fields{cfg.Host, int(cfg.Port), cfg.User, cfg.Password, cfg.Database}, cfg.RuntimeParams["application_name"], nil
}

// mysqlDriver parses s with go-sql-driver/mysql.
func mysqlDriver(s string) (fields, error) {
	cfg, err := mysql.ParseDSN(s)
	if err != nil {
		return fields{}, err
	}
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return fields{}, err
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return fields{}, err
	}
	return fields{host, p, cfg.User, cfg.Passwd, cfg.DBName}, nil
}

// mssqlDriver parses s with go-mssqldb; port 0 (none given) is 1433.
func mssqlDriver(s string) (fields, error) {
	cfg, err := msdsn.Parse(s)
	if err != nil {
		return fields{}, err
	}
	port := int(cfg.Port)
	if port == 0 {
		port = 1433
	}
	return fields{cfg.Host, port, cfg.User, cfg.Password, cfg.Database}, nil
}

// The known, documented differences between our reading and a driver's,
// for origin strings (never for what Rewrite writes).
func pgComparable(s string, o *connstr.Origin) (ok, host, user bool) {
	// pgx only recognises lowercase URL schemes (it reads POSTGRES://...
	// as a keyword/value string).
	if o.Form == connstr.PostgresURL && !strings.HasPrefix(s, "postgres://") && !strings.HasPrefix(s, "postgresql://") {
		return false, false, false
	}
	// pgx ignores hostaddr (it becomes a runtime parameter); we take it as
	// the host when no host is given. With no user pgx takes the OS user.
	return true, !strings.Contains(s, "hostaddr"), o.User != ""
}

func mssqlComparable(s string, o *connstr.Origin) bool {
	// go-mssqldb only recognises sqlserver:// (lowercase); it would read
	// mssql://... as an ADO.NET string.
	return o.Form != connstr.SQLServerURL || strings.HasPrefix(s, "sqlserver://")
}

// mssqlHost undoes two go-mssqldb quirks in a host it reports: it keeps the
// brackets of an IPv6 address given without a port (URL) or in brackets
// (ADO.NET), and strips a tcp: prefix only when lowercase. We strip both.
func mssqlHost(h string) string {
	if len(h) > 2 && h[0] == '[' && h[len(h)-1] == ']' {
		h = h[1 : len(h)-1]
	}
	if len(h) > 4 && strings.EqualFold(h[:4], "tcp:") {
		h = h[4:]
	}
	return h
}

var validParts = map[string]bool{
	"scheme": true, "user": true, "password": true, "host": true, "port": true,
	"database": true, "query": true, "keyword/value": true, "format": true,
}
