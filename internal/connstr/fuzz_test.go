package connstr_test

import (
	"errors"

	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/cachelink/cachelink/internal/connstr"
)

// The fuzz targets share one set of properties (checkProperties); each
// target seeds a different form. For every input:
//   - Parse never panics, and fails only with a *ParseError naming a known part;
//   - Parse(o.String()) gives the same type, form and fields, and String is
//     then stable;
//   - where the driver for the form also accepts the input, it reads the same
//     fields (bar the documented differences in helpers_test.go);
//   - Rewrite succeeds (for non-Postgres types: unless there is no user, which
//     is a ParseError on "user"), Parse of its output gives the edge host and
//     port, the prefixed user, the same password and database, and the driver
//     reads the same (and does not reject it when it accepted the origin);
//     for PostgreSQL, pgx reads it as TLS always (no clear-text fallback).

const fuzzCacheID = "0c8f7a2e-5b1d-4c3e-9f6a-7d2b1e4a9c05"

var fuzzEdges = []connstr.Edge{{Host: "psedge.global"}, {Host: "2001:db8::7", Port: 6543}}

func FuzzPostgresURL(f *testing.F) {
	isolatePGEnv(f)
	for _, s := range []string{
		"postgres://app:s3cret@db.example.com:5432/shop?sslmode=verify-full&connect_timeout=10",
		"postgresql://app:p%40ss%3Aw%2Frd%3F%23%25%26%3D%20x@db.example.com/shop",
		"postgres://app@[2001:db8::1]:6432/shop?application_name=old&sslmode=disable",
		"postgres://[fe80::1%25eth0]/db",
		"postgres:///shop?host=db.example.com&port=6432&user=app&password=pw",
		"postgres://ignored/shop?hostaddr=192.0.2.10&dbname=other",
		"POSTGRES://u:%27%22%5C%3B@h/d%2Fb?options=-c%20search_path%3Dx",
		"postgres://u:pw@h:5432/db?application_name=a&application_name=b&x=%2B",
		"postgres://u:pw@h/db?",
	} {
		f.Add(s)
	}
	f.Fuzz(checkProperties)
}

func FuzzPostgresKV(f *testing.F) {
	isolatePGEnv(f)
	for _, s := range []string{
		"host=db.example.com port=5432 user=app password=s3cret dbname=shop sslmode=verify-full",
		"host=db.example.com user=app password='p@ss:w/rd?#%&= x' dbname=shop",
		"host = 2001:db8::1 user=app password='it\\'s \\\\ \"q\"' application_name = old",
		" hostaddr=192.0.2.10 database=shop user= user=app\t\n",
		"host=h password=a\\ b port=06432 sslmode=require application_name=''",
		"user=app host='db.example.com' dbname='my db'password=x",
	} {
		f.Add(s)
	}
	f.Fuzz(checkProperties)
}

func FuzzMySQLURL(f *testing.F) {
	for _, s := range []string{
		"mysql://app:s3cret@db.example.com:3306/shop?tls=true&charset=utf8mb4",
		"mariadb://app:p%40ss%3Aw%2Frd%3F%23%25%26%3D%20x@db.example.com/shop",
		"mysql://app@[2001:db8::1]/shop",
		"MySQL://u:%22q%22%5C%3B@h:3307/",
		"mysql://u@h",
	} {
		f.Add(s)
	}
	f.Fuzz(checkProperties)
}

func FuzzMySQLDSN(f *testing.F) {
	for _, s := range []string{
		"app:s3cret@tcp(db.example.com:3306)/shop?parseTime=true&loc=UTC",
		"app:p@ss:w/rd?#%&= x@tcp(db.example.com)/shop",
		"app:pw@tcp([2001:db8::1]:3306)/shop",
		"app:pw@tcp(2001:db8::1)/sh%2Fop",
		"app@/shop",
		"app:pw@tcp/shop?timeout=5s",
		"tcp(db.example.com:3306)/shop",
		"u:'\"\\;@tcp(h:1)/",
	} {
		f.Add(s)
	}
	f.Fuzz(checkProperties)
}

func FuzzSQLServerURL(f *testing.F) {
	for _, s := range []string{
		"sqlserver://sa:s3cret@db.example.com:1433?database=shop&encrypt=true",
		"sqlserver://sa:p%40ss%3Aw%2Frd%3F%23%25%26%3D%20x@db.example.com/SQLEXPRESS?database=shop",
		"sqlserver://sa@[2001:db8::1]:1433?database=sh+op",
		"sqlserver://db.example.com?user%20id=sa&password=pw&port=1500&app+name=x",
		"mssql://sa:pw@h/inst",
	} {
		f.Add(s)
	}
	f.Fuzz(checkProperties)
}

func FuzzADONet(f *testing.F) {
	for _, s := range []string{
		"Server=db.example.com,1433;Database=shop;User Id=sa;Password=s3cret;Encrypt=true",
		"Data Source=tcp:db.example.com\\SQLEXPRESS,1433;Initial Catalog=shop;uid=sa;pwd=\"p@ss;w\"\"rd\";",
		"server=2001:db8::1;user=sa;password=' x';Port=1500",
		" Address = db.example.com ; User ID = sa ;;",
		"Server=h;Password=\"\"\"\";User Id=\"a\";Database=\"b=c\"",
	} {
		f.Add(s)
	}
	f.Fuzz(checkProperties)
}

func checkProperties(t *testing.T, s string) {
	o, err := connstr.Parse(s)
	if err != nil {
		var pe *connstr.ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("Parse(%q) error is %T, not *ParseError: %v", s, err, err)
		}
		if !validParts[pe.Part] {
			t.Fatalf("Parse(%q): unknown part %q", s, pe.Part)
		}
		return
	}
	want := fieldsOf(o)

	str := o.String()
	o2, err := connstr.Parse(str)
	if err != nil {
		t.Fatalf("Parse(String()) failed: %v\norigin: %q\nstring: %q", err, s, str)
	}
	if got := fieldsOf(o2); got != want || o2.Type != o.Type || o2.Form != o.Form {
		t.Fatalf("Parse(String()) changed the origin\norigin: %q\nstring: %q\nwant %s %s %+v\ngot  %s %s %+v",
			s, str, o.Type, o.Form, want, o2.Type, o2.Form, got)
	}
	if str2 := o2.String(); str2 != str {
		t.Fatalf("String not stable\norigin: %q\nfirst:  %q\nsecond: %q", s, str, str2)
	}
	originMatchesDriver(t, o, s)
	_ = o.WeakTLS() // never panics

	for _, e := range fuzzEdges {
		out, err := o.Rewrite(fuzzCacheID, e)
		if err != nil {
			var pe *connstr.ParseError
			if o.Type != connstr.Postgres && o.User == "" && errors.As(err, &pe) && pe.Part == "user" {
				continue
			}
			t.Fatalf("Rewrite(%q) failed: %v", s, err)
		}
		r, err := connstr.Parse(out)
		if err != nil {
			t.Fatalf("Parse(Rewrite()) failed: %v\norigin:  %q\nrewrite: %q", err, s, out)
		}
		exp := want
		exp.Host, exp.Port = e.Host, e.Port
		if exp.Port == 0 {
			exp.Port = o.Type.EdgePort()
		}
		if o.Type != connstr.Postgres {
			exp.User = fuzzCacheID + "-" + o.User
		}
		if got := fieldsOf(r); got != exp || r.Form != o.Form || r.Type != o.Type {
			t.Fatalf("Parse(Rewrite()) differs\norigin:  %q\nrewrite: %q\nwant %s %+v\ngot  %s %+v", s, out, o.Form, exp, r.Form, got)
		}
		rewriteMatchesDriver(t, o, s, out, exp)
		checkEdgeTLS(t, o, s, out)
	}
}

func originMatchesDriver(t *testing.T, o *connstr.Origin, s string) {
	t.Helper()
	s = driverInput(o, s)
	want := fieldsOf(o)
	var got fields
	var err error
	switch o.Form {
	case connstr.PostgresURL, connstr.PostgresKV:
		ok, host, user := pgComparable(s, o)
		if !ok {
			return
		}
		got, _, err = pgDriver(s)
		if !host {
			got.Host = want.Host
		}
		if !user {
			got.User = want.User
		}
	case connstr.MySQLDSN:
		got, err = mysqlDriver(s)
	case connstr.SQLServerURL, connstr.ADONet:
		if !mssqlComparable(s, o) {
			return
		}
		got, err = mssqlDriver(s)
		got.Host = mssqlHost(got.Host)
	default:
		return
	}
	if err == nil && got != want {
		t.Fatalf("the driver reads the origin differently\norigin: %q\nours:   %+v\ndriver: %+v", s, want, got)
	}
}

func rewriteMatchesDriver(t *testing.T, o *connstr.Origin, s, out string, want fields) {
	t.Helper()
	s = driverInput(o, s)
	var got fields
	var err, errOrigin error
	app := fuzzCacheID
	switch o.Form {
	case connstr.PostgresURL, connstr.PostgresKV:
		if ok, _, _ := pgComparable(s, o); ok {
			_, _, errOrigin = pgDriver(s)
		} else {
			errOrigin = errors.New("pgx reads a mixed-case scheme as keyword/value")
		}
		got, app, err = pgDriver(out)
		if want.User == "" {
			got.User = ""
		}
	case connstr.MySQLDSN:
		_, errOrigin = mysqlDriver(s)
		got, err = mysqlDriver(out)
	case connstr.ADONet:
		_, errOrigin = mssqlDriver(s)
		got, err = mssqlDriver(out)
	case connstr.SQLServerURL:
		if strings.HasPrefix(o.String(), "sqlserver://") {
			_, errOrigin = mssqlDriver(s)
			got, err = mssqlDriver(out)
			break
		}
		fallthrough // mssql://: go-mssqldb does not read it
	case connstr.MySQLURL:
		// No Go driver reads mysql:// URLs: check the URL itself.
		u, err := url.Parse(out)
		if err != nil {
			t.Fatalf("net/url rejects the rewrite %q: %v", out, err)
		}
		pw, _ := u.User.Password()
		port, _ := strconv.Atoi(u.Port())
		got = fields{u.Hostname(), port, u.User.Username(), pw, trimSlash(u.Path)}
	}
	if err != nil {
		if errOrigin == nil {
			t.Fatalf("the driver accepts the origin but not the rewrite\norigin:  %q\nrewrite: %q\nerror: %v", s, out, err)
		}
		return
	}
	if got != want || app != fuzzCacheID {
		t.Fatalf("the driver reads the rewrite differently\norigin:  %q\nrewrite: %q\nwant: %+v\ngot:  %+v (application_name %q)", s, out, want, got, app)
	}
}

// driverInput is the origin as Parse reads it: URLs and DSNs without
// surrounding white space (a pasted line's newline), which the drivers would
// keep.
func driverInput(o *connstr.Origin, s string) string {
	switch o.Form {
	case connstr.PostgresKV, connstr.ADONet:
		return s
	}
	return strings.Trim(s, " \t\n\v\f\r")
}

func trimSlash(p string) string {
	if len(p) > 0 && p[0] == '/' {
		return p[1:]
	}
	return p
}
