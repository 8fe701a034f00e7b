// Package connstr parses a user's origin database connection string and
// rewrites it so that the application connects through PolyScale's cache
// edge instead of the origin database.
//
// cachelink asks the user for the connection string their application already
// uses, creates a PolyScale cache for that origin (type, host, port) and hands
// back the same connection string pointed at the edge: host and port replaced,
// the cache id added (application_name for PostgreSQL, a "<cache id>-" prefix
// on the user name for MySQL, MariaDB and SQL Server), everything else kept
// as the user wrote it, in the form they wrote it in, except a PostgreSQL
// sslmode that allows clear text, which becomes require: the edge string
// crosses the internet. WeakTLS reports such settings, of every type, so
// that the caller can say what became of them.
//
// Supported forms: PostgreSQL URLs and libpq keyword/value strings, MySQL and
// MariaDB URLs, Go MySQL driver DSNs, SQL Server URLs and ADO.NET strings.
// Each form is parsed with the grammar of the driver that reads it (libpq and
// pgx, go-sql-driver/mysql, go-mssqldb), so that what Parse reports is what
// the driver would connect to; inputs those drivers would read differently
// from what the user probably meant are rejected with a ParseError.
//
// The package is pure: no I/O, no environment, no mutable globals. That keeps
// it fast (a parse and rewrite costs about a microsecond) and lets it be fuzzed.
// Error messages never contain the password nor the whole input.
package connstr

import (
	"errors"
	"strconv"
	"strings"
)

// DBType is a database type, spelled as PolyScale's API spells it.
type DBType string

// The database types PolyScale caches.
const (
	Postgres  DBType = "postgres"
	MySQL     DBType = "mysql"
	MariaDB   DBType = "mariadb"
	SQLServer DBType = "mssql"
)

// ParseDBType accepts postgres|postgresql|pg, mysql, mariadb and
// mssql|sqlserver, case-insensitively; anything else is an error whose hint
// (a Hint method, as clierr.HintOf reads it) lists the valid values.
func ParseDBType(s string) (DBType, error) {
	t := strings.TrimSpace(s)
	switch {
	case strings.EqualFold(t, "postgres"), strings.EqualFold(t, "postgresql"), strings.EqualFold(t, "pg"):
		return Postgres, nil
	case strings.EqualFold(t, "mysql"):
		return MySQL, nil
	case strings.EqualFold(t, "mariadb"):
		return MariaDB, nil
	case strings.EqualFold(t, "mssql"), strings.EqualFold(t, "sqlserver"):
		return SQLServer, nil
	}
	return "", dbTypeError(s)
}

// dbTypeError is ParseDBType's error: the type refused, with the valid
// values as its hint, on a line of their own.
type dbTypeError string

func (e dbTypeError) Error() string { return "unknown database type " + strconv.Quote(string(e)) }
func (e dbTypeError) Hint() string {
	return "Database types: postgres (or postgresql, pg), mysql, mariadb, mssql (or sqlserver)"
}

// EdgePort is the port PolyScale's edge listens on for the type: 5432, 3306,
// 3307 for MariaDB (not 3306), 1433. It is 0 for an unknown type.
func (t DBType) EdgePort() int {
	switch t {
	case Postgres:
		return 5432
	case MySQL:
		return 3306
	case MariaDB:
		return 3307
	case SQLServer:
		return 1433
	}
	return 0
}

// family groups the types whose connection strings share a grammar.
func (t DBType) family() DBType {
	if t == MariaDB {
		return MySQL
	}
	return t
}

// Form is the syntax a connection string is written in.
type Form string

// The connection string forms Parse understands.
const (
	PostgresURL  Form = "postgres-url"           // postgres:// or postgresql://
	PostgresKV   Form = "postgres-keyword-value" // host=... user=... (libpq keyword/value)
	MySQLURL     Form = "mysql-url"              // mysql:// or mariadb:// (scheme mariadb => Type MariaDB)
	MySQLDSN     Form = "mysql-dsn"              // Go MySQL driver DSN user:pass@tcp(host:3306)/db?params
	SQLServerURL Form = "sqlserver-url"          // sqlserver:// (also mssql://)
	ADONet       Form = "ado-net"                // Server=host,1433;Database=db;User Id=u;Password=p;...
)

// defaultPort is the port a driver uses when the connection string gives none.
func (f Form) defaultPort() int {
	switch f {
	case PostgresURL, PostgresKV:
		return 5432
	case MySQLURL, MySQLDSN:
		return 3306
	case SQLServerURL, ADONet:
		return 1433
	}
	return 0
}

// Origin is a parsed origin connection string.
//
// The exported fields describe what the driver would connect to. String and
// Rewrite write them back; a field the caller changed is written in place of
// the original, everything else keeps its original text.
type Origin struct {
	Type     DBType
	Form     Form
	Host     string // no brackets for IPv6
	Port     int    // as written, or the driver's default for the form (5432 / 3306 / 1433) when absent
	User     string // decoded
	Password string // decoded
	Database string // decoded; "" if none

	raw rawForm
}

// ParseError reports why an origin connection string was rejected. Its text
// names the part of the string at fault and never contains the password nor
// the whole input.
type ParseError struct {
	Part   string // "scheme", "user", "password", "host", "port", "database", "query", "keyword/value" or "format"
	Reason string
}

func (e *ParseError) Error() string {
	return "origin connection string: " + e.Part + ": " + e.Reason
}

func perr(part, reason string) *ParseError { return &ParseError{Part: part, Reason: reason} }

// Reasons shared by several forms.
const (
	reasonNoHost    = "missing: PolyScale needs the origin database's host name or IP address"
	reasonMultiHost = "several hosts are given: PolyScale caches one origin, give one TCP host"
	reasonSocket    = "a Unix socket or named pipe is not reachable by PolyScale: give one TCP host"
	reasonBadHost   = "not a valid host name or IP address"
	reasonBadPort   = "is not a number from 1 to 65535"
	reasonNUL       = "contains a NUL byte"
)

const supportedForms = "use a URL (postgres://, postgresql://, mysql://, mariadb://, sqlserver://), " +
	"a PostgreSQL keyword/value string (host=... dbname=...), " +
	"a Go MySQL DSN (user:pass@tcp(host:3306)/db) " +
	"or an ADO.NET string (Server=host,1433;Database=db;User Id=...)"

// Parse detects the form of an origin connection string and parses it.
//
// Detection order: a known URL scheme (postgres, postgresql, mysql, mariadb,
// sqlserver, mssql followed by "://", case-insensitive); else a Go MySQL DSN
// (user:pass@tcp(host:port)/db); else an ADO.NET string (key=value pairs
// separated by ';' with an ADO.NET key such as Server or User Id); else a
// libpq keyword/value string. Surrounding white space (a pasted line's
// newline) is ignored; keyword/value and ADO.NET strings ignore it anyway.
// Every failure is a *ParseError.
func Parse(s string) (*Origin, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return nil, perr("format", reasonNUL)
	}
	t := trimASCIISpace(s)
	if t == "" {
		return nil, perr("format", "empty: "+supportedForms)
	}
	o := &Origin{}
	if scheme, ok := schemeOf(t); ok {
		typ, form, known := knownScheme(scheme)
		if known {
			if err := o.parseURL(t, scheme, typ, form); err != nil {
				return nil, err
			}
			return o, nil
		}
	}
	switch {
	case looksLikeDSN(t):
		if err := o.parseDSN(t); err != nil {
			return nil, err
		}
	case looksLikeADO(s):
		if err := o.parseADO(s); err != nil {
			return nil, err
		}
	case looksLikeKV(s):
		if err := o.parseKV(s); err != nil {
			return nil, err
		}
	default:
		if scheme, ok := schemeOf(t); ok {
			return nil, unknownScheme(scheme)
		}
		if len(t) >= 5 && strings.EqualFold(t[:5], "jdbc:") {
			return nil, perr("scheme", "JDBC URLs are not supported: remove the jdbc: prefix")
		}
		if at := strings.IndexByte(t, '@'); at >= 0 && strings.IndexByte(t[at:], '/') >= 0 {
			return nil, perr("format", "looks like user:password@host/database without a scheme: "+
				"add one (postgres://, mysql://, mariadb://, sqlserver://) or, for a Go MySQL DSN, "+
				"write the address as tcp(host:port)")
		}
		return nil, perr("format", "not a recognised connection string: "+supportedForms)
	}
	return o, nil
}

// trimASCIISpace removes surrounding ASCII white space, such as the newline
// of a pasted line.
func trimASCIISpace(s string) string {
	i, j := 0, len(s)
	for i < j && asciiSpace[s[i]] {
		i++
	}
	for j > i && asciiSpace[s[j-1]] {
		j--
	}
	return s[i:j]
}

var asciiSpace = [256]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// schemeOf returns the scheme of s if s starts with "scheme://".
func schemeOf(s string) (string, bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9', c == '+', c == '-', c == '.':
			if i == 0 {
				return "", false
			}
		case c == ':':
			if i > 0 && strings.HasPrefix(s[i:], "://") {
				return s[:i], true
			}
			return "", false
		default:
			return "", false
		}
	}
	return "", false
}

func knownScheme(scheme string) (DBType, Form, bool) {
	switch {
	case strings.EqualFold(scheme, "postgres"), strings.EqualFold(scheme, "postgresql"):
		return Postgres, PostgresURL, true
	case strings.EqualFold(scheme, "mysql"):
		return MySQL, MySQLURL, true
	case strings.EqualFold(scheme, "mariadb"):
		return MariaDB, MySQLURL, true
	case strings.EqualFold(scheme, "sqlserver"), strings.EqualFold(scheme, "mssql"):
		return SQLServer, SQLServerURL, true
	}
	return "", "", false
}

func unknownScheme(scheme string) *ParseError {
	const supported = "supported schemes are postgres, postgresql, mysql, mariadb, sqlserver and mssql"
	if len(scheme) <= 20 {
		return perr("scheme", strconv.Quote(scheme)+" is not supported: "+supported)
	}
	return perr("scheme", "not supported: "+supported)
}

// SetType overrides the detected type within the same family: mysql and
// mariadb only, since a Go MySQL DSN (or a mysql:// URL pointing at a MariaDB
// server) cannot say MariaDB. The type decides the edge port; the text of the
// connection string (its scheme included) is not changed. Any other change
// is an error.
func (o *Origin) SetType(t DBType) error {
	if t == o.Type {
		return nil
	}
	if t.family() == MySQL && o.Type.family() == MySQL {
		o.Type = t
		return nil
	}
	return errors.New("cannot change the database type from " + string(o.Type) + " to " + strconv.Quote(string(t)) +
		": only mysql and mariadb can be swapped")
}

// String writes the origin back in its own form, with the same meaning. It
// contains the password: do not log it.
//
// Fields changed by the caller are written in place of the parsed ones
// (except a user name with ':' in a Go MySQL DSN, which cannot carry one).
// Apart from that the text is kept as written, except that the URL scheme is
// lowercased (pgx and go-mssqldb only recognise lowercase schemes), pairs
// of a keyword/value string are separated by at least one space, and an
// unquoted keyword/value ending in a backslash, or empty, is quoted.
func (o *Origin) String() string {
	t := target{
		host:     o.Host,
		port:     o.Port,
		user:     o.User,
		password: o.Password,
		database: o.Database,
	}
	var b strings.Builder
	b.Grow(len(o.raw.src) + 16)
	_ = o.write(&b, &t) // fails only when rewriting
	return b.String()
}

// Edge is the PolyScale edge to connect through.
type Edge struct {
	Host string // e.g. "psedge.global"; IPv6 without brackets
	Port int    // 0 = use the DB type's EdgePort
}

// ParseEdge parses "host", "host:port", "[v6]:port", "[v6]" or a bare IPv6
// address such as "::1" (no port).
func ParseEdge(s string) (Edge, error) {
	if s == "" {
		return Edge{}, errors.New("edge: empty: give a host name, host:port or [IPv6]:port")
	}
	bad := func(what string) (Edge, error) {
		return Edge{}, errors.New("edge " + strconv.Quote(s) + ": " + what)
	}
	host, portText, hasPort := s, "", false
	if s[0] == '[' {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return bad("missing ']' after the IPv6 address")
		}
		host = s[1:end]
		switch rest := s[end+1:]; {
		case rest == "":
		case rest[0] == ':':
			portText, hasPort = rest[1:], true
		default:
			return bad("unexpected text after ']': expected :port")
		}
		if strings.IndexByte(host, ':') < 0 {
			return bad("only IPv6 addresses go in brackets")
		}
	} else if i := strings.IndexByte(s, ':'); i >= 0 && strings.IndexByte(s[i+1:], ':') < 0 {
		host, portText, hasPort = s[:i], s[i+1:], true
	}
	if r := hostProblem(host); r != "" {
		return bad("host " + r)
	}
	e := Edge{Host: host}
	if hasPort {
		p, ok := parsePort(portText)
		if !ok {
			return bad("port must be a number from 1 to 65535")
		}
		e.Port = p
	}
	return e, nil
}

// target is what write puts into the connection string.
type target struct {
	host     string
	port     int
	user     string
	password string
	database string
	rewrite  bool   // writing the PolyScale connection string
	appName  string // Postgres rewrite: application_name
}

// Rewrite returns the PolyScale connection string in the origin's own form:
// host and port are the edge's (Edge.Port, or the type's EdgePort when 0).
//
//   - PostgreSQL: application_name=<cacheID> (replacing any existing one in
//     place, else added) and sslmode=require when no sslmode is given. An
//     sslmode that allows clear text (disable, allow, prefer: see WeakTLS)
//     becomes require, and repeated sslmodes become one, where the first
//     was, with the value in effect when that asks for TLS. A URL
//     carries the edge in its authority and loses its host, hostaddr and
//     port parameters; a keyword/value string gets host= and port= replaced
//     in place (port= added after host= if missing) and loses hostaddr=.
//   - MySQL, MariaDB, SQL Server: the user name becomes "<cacheID>-<user>"
//     (an origin without a user is a ParseError on "user"). A Go MySQL DSN
//     gets tcp(host:port); ADO.NET gets Server=host,port without tcp: or
//     \instance; a SQL Server URL loses its /instance path and any port=.
//
// The cache id is inserted as given, encoded or quoted as the form requires;
// the caller validates it. Password, database and all other parameters keep
// their original text and order.
func (o *Origin) Rewrite(cacheID string, edge Edge) (string, error) {
	if cacheID == "" {
		return "", errors.New("connstr: empty cache id")
	}
	if r := hostProblem(edge.Host); r != "" {
		return "", errors.New("connstr: edge host " + r)
	}
	if edge.Port < 0 || edge.Port > 65535 {
		return "", errors.New("connstr: edge port must be from 1 to 65535")
	}
	if fam := formFamily(o.Form); fam == "" || fam != o.Type.family() {
		return "", errors.New("connstr: database type " + strconv.Quote(string(o.Type)) + " does not match the form " + string(o.Form))
	}
	t := target{
		host:     edge.Host,
		port:     edge.Port,
		user:     o.User,
		password: o.Password,
		database: o.Database,
		rewrite:  true,
	}
	if t.port == 0 {
		t.port = o.Type.EdgePort()
	}
	if o.Type == Postgres {
		t.appName = cacheID
	} else {
		if o.User == "" {
			return "", perr("user", "missing: PolyScale needs the database user name to route the connection")
		}
		t.user = cacheID + "-" + o.User
	}
	var b strings.Builder
	b.Grow(len(o.raw.src) + len(cacheID) + len(edge.Host) + 40)
	if err := o.write(&b, &t); err != nil {
		return "", err
	}
	return b.String(), nil
}

func formFamily(f Form) DBType {
	switch f {
	case PostgresURL, PostgresKV:
		return Postgres
	case MySQLURL, MySQLDSN:
		return MySQL
	case SQLServerURL, ADONet:
		return SQLServer
	}
	return ""
}

func (o *Origin) write(b *strings.Builder, t *target) error {
	switch o.Form {
	case PostgresURL, MySQLURL, SQLServerURL:
		o.writeURL(b, t)
	case PostgresKV:
		o.writeKV(b, t)
	case MySQLDSN:
		return o.writeDSN(b, t)
	case ADONet:
		o.writeADO(b, t)
	}
	return nil
}
