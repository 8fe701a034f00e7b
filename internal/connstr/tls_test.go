package connstr_test

import (
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/microsoft/go-mssqldb/msdsn"

	"github.com/cachelink/cachelink/internal/connstr"
)

// The edge connection string crosses the internet to PolyScale's public
// edge. A setting of the origin that allows clear text (or an unchecked
// certificate) is upgraded where the edge is known to take TLS, PostgreSQL,
// and kept (for the caller to warn about) for the others. Each row's
// rewrite is read by the form's driver, which must see the TLS setting the
// row claims.
var weakTLSCases = []struct {
	name   string
	origin string
	weak   []connstr.WeakTLS
	// rewrite is Rewrite's output ("{id}" for cacheID); the driver check
	// is in TestWeakTLSAsTheDriversReadIt.
	rewrite string
}{
	// PostgreSQL: upgraded to a single sslmode=require.
	{
		name:    "postgres url sslmode=disable",
		origin:  "postgres://app:pw@db.example.com/shop?sslmode=disable",
		weak:    []connstr.WeakTLS{{Setting: "sslmode=disable", Upgraded: true, Fix: "sslmode=require"}},
		rewrite: "postgres://app:pw@psedge.global:5432/shop?sslmode=require&application_name={id}",
	},
	{
		name:    "postgres url sslmode=allow",
		origin:  "postgres://app:pw@db.example.com/shop?connect_timeout=5&sslmode=allow",
		weak:    []connstr.WeakTLS{{Setting: "sslmode=allow", Upgraded: true, Fix: "sslmode=require"}},
		rewrite: "postgres://app:pw@psedge.global:5432/shop?connect_timeout=5&sslmode=require&application_name={id}",
	},
	{
		name:    "postgres url sslmode=prefer",
		origin:  "postgresql://app:pw@db.example.com/shop?sslmode=prefer",
		weak:    []connstr.WeakTLS{{Setting: "sslmode=prefer", Upgraded: true, Fix: "sslmode=require"}},
		rewrite: "postgresql://app:pw@psedge.global:5432/shop?sslmode=require&application_name={id}",
	},
	{
		// libpq and pgx read the last one: disable. One value is written,
		// where the first one was.
		name:    "postgres url repeated sslmode, the last one weak",
		origin:  "postgres://app:pw@db.example.com/shop?sslmode=require&x=1&sslmode=disable",
		weak:    []connstr.WeakTLS{{Setting: "sslmode=disable", Upgraded: true, Fix: "sslmode=require"}},
		rewrite: "postgres://app:pw@psedge.global:5432/shop?sslmode=require&x=1&application_name={id}",
	},
	{
		// Already TLS in effect: nothing to say, but one value all the same.
		name:    "postgres url repeated sslmode, the last one verify-full",
		origin:  "postgres://app:pw@db.example.com/shop?sslmode=disable&sslmode=verify-full",
		rewrite: "postgres://app:pw@psedge.global:5432/shop?sslmode=verify-full&application_name={id}",
	},
	{
		name:    "postgres url encoded key and empty value",
		origin:  "postgres://app:pw@db.example.com/shop?ssl%6Dode=",
		weak:    []connstr.WeakTLS{{Setting: `sslmode=""`, Upgraded: true, Fix: "sslmode=require"}},
		rewrite: "postgres://app:pw@psedge.global:5432/shop?ssl%6Dode=require&application_name={id}",
	},
	{
		name:    "postgres url verify-ca kept as written",
		origin:  "postgres://app:pw@db.example.com/shop?sslmode=verify-ca",
		rewrite: "postgres://app:pw@psedge.global:5432/shop?sslmode=verify-ca&application_name={id}",
	},
	{
		name:    "postgres keyword/value sslmode=disable",
		origin:  "host=db.example.com user=app sslmode=disable dbname=shop",
		weak:    []connstr.WeakTLS{{Setting: "sslmode=disable", Upgraded: true, Fix: "sslmode=require"}},
		rewrite: "host=psedge.global port=5432 user=app sslmode=require dbname=shop application_name={id}",
	},
	{
		name:    "postgres keyword/value repeated sslmode",
		origin:  "host=db.example.com sslmode='require' user=app sslmode = prefer",
		weak:    []connstr.WeakTLS{{Setting: "sslmode=prefer", Upgraded: true, Fix: "sslmode=require"}},
		rewrite: "host=psedge.global port=5432 sslmode=require user=app application_name={id}",
	},

	// MySQL and MariaDB: kept, reported.
	{
		name:    "go mysql dsn tls=false",
		origin:  "app:pw@tcp(db.example.com:3306)/shop?tls=false&parseTime=true",
		weak:    []connstr.WeakTLS{{Setting: "tls=false", Fix: "tls=true"}},
		rewrite: "{id}-app:pw@tcp(psedge.global:3306)/shop?tls=false&parseTime=true",
	},
	{
		name:    "go mysql dsn tls=skip-verify",
		origin:  "app:pw@tcp(db.example.com)/shop?tls=skip-verify",
		weak:    []connstr.WeakTLS{{Setting: "tls=skip-verify", Fix: "tls=true"}},
		rewrite: "{id}-app:pw@tcp(psedge.global:3306)/shop?tls=skip-verify",
	},
	{
		name:    "go mysql dsn tls=preferred",
		origin:  "app:pw@tcp(db.example.com)/shop?tls=preferred",
		weak:    []connstr.WeakTLS{{Setting: "tls=preferred", Fix: "tls=true"}},
		rewrite: "{id}-app:pw@tcp(psedge.global:3306)/shop?tls=preferred",
	},
	{
		// The driver reads the last tls; TLS= is not its key.
		name:    "go mysql dsn tls=false then tls=true",
		origin:  "app:pw@tcp(db.example.com)/shop?tls=false&TLS=false&tls=true",
		rewrite: "{id}-app:pw@tcp(psedge.global:3306)/shop?tls=false&TLS=false&tls=true",
	},
	{
		name:    "mysql url ssl-mode=DISABLED",
		origin:  "mysql://app:pw@db.example.com/shop?ssl-mode=DISABLED",
		weak:    []connstr.WeakTLS{{Setting: "ssl-mode=DISABLED", Fix: "tls=true, or ssl-mode=REQUIRED, as your client spells it"}},
		rewrite: "mysql://{id}-app:pw@psedge.global:3306/shop?ssl-mode=DISABLED",
	},
	{
		name:   "mariadb url useSSL=false and tls=skip-verify",
		origin: "mariadb://app:pw@db.example.com/shop?useSSL=false&tls=skip-verify",
		weak: []connstr.WeakTLS{
			{Setting: "useSSL=false", Fix: "tls=true, or ssl-mode=REQUIRED, as your client spells it"},
			{Setting: "tls=skip-verify", Fix: "tls=true, or ssl-mode=REQUIRED, as your client spells it"},
		},
		rewrite: "mariadb://{id}-app:pw@psedge.global:3307/shop?useSSL=false&tls=skip-verify",
	},
	{
		name:    "mysql url ssl-mode=REQUIRED",
		origin:  "mysql://app:pw@db.example.com/shop?ssl-mode=REQUIRED",
		rewrite: "mysql://{id}-app:pw@psedge.global:3306/shop?ssl-mode=REQUIRED",
	},

	// SQL Server: kept, reported.
	{
		name:    "ado.net Encrypt=false",
		origin:  "Server=db.example.com,1433;Database=shop;User Id=sa;Password=pw;Encrypt=false",
		weak:    []connstr.WeakTLS{{Setting: "Encrypt=false", Fix: "Encrypt=true"}},
		rewrite: "Server=psedge.global,1433;Database=shop;User Id={id}-sa;Password=pw;Encrypt=false",
	},
	{
		name:   "ado.net Encrypt=no and Trust Server Certificate=yes",
		origin: `Server=db.example.com;User Id=sa;Encrypt = "no";Trust Server Certificate=yes`,
		weak: []connstr.WeakTLS{
			{Setting: "Encrypt=no", Fix: "Encrypt=true"},
			{Setting: "Trust Server Certificate=yes", Fix: "Trust Server Certificate=false"},
		},
		rewrite: `Server=psedge.global,1433;User Id={id}-sa;Encrypt = "no";Trust Server Certificate=yes`,
	},
	{
		name:    "ado.net Encrypt=true",
		origin:  "Server=db.example.com;User Id=sa;Encrypt=true",
		rewrite: "Server=psedge.global,1433;User Id={id}-sa;Encrypt=true",
	},
	{
		name:    "sqlserver url encrypt=disable",
		origin:  "sqlserver://sa:pw@db.example.com?database=shop&encrypt=disable",
		weak:    []connstr.WeakTLS{{Setting: "encrypt=disable", Fix: "encrypt=true"}},
		rewrite: "sqlserver://{id}-sa:pw@psedge.global:1433?database=shop&encrypt=disable",
	},
	{
		name:    "sqlserver url TrustServerCertificate=true",
		origin:  "sqlserver://sa:pw@db.example.com?encrypt=true&TrustServerCertificate=true",
		weak:    []connstr.WeakTLS{{Setting: "TrustServerCertificate=true", Fix: "TrustServerCertificate=false"}},
		rewrite: "sqlserver://{id}-sa:pw@psedge.global:1433?encrypt=true&TrustServerCertificate=true",
	},
}

func TestWeakTLS(t *testing.T) {
	t.Parallel()
	for _, tc := range weakTLSCases {
		t.Run(tc.name, func(t *testing.T) {
			o, err := connstr.Parse(tc.origin)
			if err != nil {
				t.Fatal(err)
			}
			if got := o.WeakTLS(); !reflect.DeepEqual(got, tc.weak) {
				t.Errorf("WeakTLS() = %+v\nwant %+v", got, tc.weak)
			}
			out, err := o.Rewrite(cacheID, psedge)
			if err != nil {
				t.Fatal(err)
			}
			if want := strings.ReplaceAll(tc.rewrite, "{id}", cacheID); out != want {
				t.Errorf("Rewrite:\n got %q\nwant %q", out, want)
			}
			// String (not the edge) keeps the origin's settings as they are.
			if s := o.String(); s != tc.origin {
				t.Errorf("String() = %q, want the origin unchanged", s)
			}
		})
	}
}

// TestWeakTLSAsTheDriversReadIt reads each rewrite with its form's driver:
// PostgreSQL's must use TLS with no clear-text fallback; the others must
// still carry the setting that was reported (kept, not silently dropped).
func TestWeakTLSAsTheDriversReadIt(t *testing.T) {
	isolatePGEnv(t)
	for _, tc := range weakTLSCases {
		t.Run(tc.name, func(t *testing.T) {
			o, err := connstr.Parse(tc.origin)
			if err != nil {
				t.Fatal(err)
			}
			out, err := o.Rewrite(cacheID, psedge)
			if err != nil {
				t.Fatal(err)
			}
			switch o.Form {
			case connstr.PostgresURL, connstr.PostgresKV:
				if weak, _ := pgAllowsCleartext(tc.origin); weak != (len(tc.weak) > 0) {
					t.Errorf("pgx reads the origin as clear text allowed = %v, but WeakTLS = %+v", weak, tc.weak)
				}
				weak, err := pgAllowsCleartext(out)
				if err != nil || weak {
					t.Errorf("pgx reads the rewrite %q as clear text allowed = %v, %v; want TLS always", out, weak, err)
				}
			case connstr.MySQLDSN:
				orig, err1 := mysql.ParseDSN(tc.origin)
				cfg, err2 := mysql.ParseDSN(out)
				if err1 != nil || err2 != nil || cfg.TLSConfig != orig.TLSConfig {
					t.Errorf("go-sql-driver/mysql reads tls=%q in the rewrite (%v), %q in the origin (%v)", cfg.TLSConfig, err2, orig.TLSConfig, err1)
				}
				weak := orig.TLSConfig == "false" || orig.TLSConfig == "skip-verify" || orig.TLSConfig == "preferred"
				if weak != (len(tc.weak) > 0) {
					t.Errorf("go-sql-driver/mysql reads tls=%q, but WeakTLS = %+v", orig.TLSConfig, tc.weak)
				}
			case connstr.SQLServerURL, connstr.ADONet:
				orig, err1 := msdsn.Parse(tc.origin)
				cfg, err2 := msdsn.Parse(out)
				if err1 != nil || err2 != nil || cfg.Encryption != orig.Encryption || cfg.TrustServerCertificate != orig.TrustServerCertificate {
					t.Errorf("go-mssqldb reads the rewrite as encryption %v trust %v (%v), the origin as %v %v (%v)",
						cfg.Encryption, cfg.TrustServerCertificate, err2, orig.Encryption, orig.TrustServerCertificate, err1)
				}
				weak := orig.Encryption != msdsn.EncryptionRequired && orig.Encryption != msdsn.EncryptionStrict || orig.TrustServerCertificate
				if weak != (len(tc.weak) > 0) {
					t.Errorf("go-mssqldb reads encryption %v trust %v, but WeakTLS = %+v", orig.Encryption, orig.TrustServerCertificate, tc.weak)
				}
			case connstr.MySQLURL:
				// No Go driver reads mysql:// URLs: the parameters are kept.
				u, err := url.Parse(out)
				if err != nil {
					t.Fatal(err)
				}
				ou, _ := url.Parse(tc.origin)
				if !reflect.DeepEqual(u.Query(), ou.Query()) {
					t.Errorf("the rewrite's parameters %v differ from the origin's %v", u.Query(), ou.Query())
				}
			}
		})
	}
}

// pgAllowsCleartext reports whether pgx would connect to s without TLS:
// no TLS configured, or a fallback without it (sslmode allow, prefer).
func pgAllowsCleartext(s string) (bool, error) {
	cfg, err := pgconn.ParseConfig(s)
	if err != nil {
		return false, err
	}
	weak := cfg.TLSConfig == nil
	for _, fb := range cfg.Fallbacks {
		weak = weak || fb.TLSConfig == nil
	}
	return weak, nil
}

// checkEdgeTLS is a fuzz property: whatever the origin says about sslmode,
// pgx reads a PostgreSQL edge string as TLS always, when it reads it.
func checkEdgeTLS(t *testing.T, o *connstr.Origin, s, out string) {
	t.Helper()
	if o.Type != connstr.Postgres {
		return
	}
	if weak, err := pgAllowsCleartext(out); err == nil && weak {
		t.Fatalf("pgx reads the edge string without TLS\norigin:  %q\nrewrite: %q", s, out)
	}
}
