package connstr_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/cachelink/cachelink/internal/connstr"
)

// sentinel is the password in the malformed inputs below: no error message
// may contain it, nor the whole input.
const sentinel = "SENTINEL-PW-123"

func TestParseErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string // "PW" stands for the sentinel password
		part string
	}{
		// PostgreSQL URLs.
		{"postgres://app:PW@db.example.com:abc/shop", "port"},
		{"postgres://app:PW@db.example.com:99999/shop", "port"},
		{"postgres://app:PW@db.example.com:0/shop", "port"},
		{"postgres://app:PW@/shop", "host"},
		{"postgres://app:PW@:5432/shop", "host"},
		{"postgres://app:PW@h1,h2/shop", "host"},
		{"postgres://app:PW@h1:5432,h2:5432/shop", "host"},
		{"postgres://app:PW@2001:db8::1/shop", "host"},
		{"postgres://app:PW@[2001:db8::1/shop", "host"},
		{"postgres://app:PW@[192.0.2.1]/shop", "host"},
		{"postgres://app:PW@ho%41st/shop", "host"},
		{"postgres://app:PW@exa!mple.com/shop", "host"},
		{"postgres://app:PW@%2Fvar%2Frun%2Fpostgresql/shop", "host"},
		{"postgres://app:PW@h/shop?host=%2Ftmp", "host"},
		{"postgres://app:PW@h/shop?host=a,b", "host"},
		{"postgres://app:PW@h/shop?port=5432,5433", "port"},
		{"postgres://app:PW@h/shop?port=x", "port"},
		{"postgres:///shop?user=app&password=PW", "host"},
		{"postgres://app:p@PW@h/shop", "password"},      // unencoded @
		{"postgres://a@pp:PW@h/shop", "user"},           // unencoded @ in the user
		{"postgres://app:p#PW@h/shop", "password"},      // unencoded #
		{"postgres://app:p/PW@h/shop", "password"},      // unencoded / moves the password into the host
		{"postgres://app:p?PW@h/shop", "password"},      // unencoded ? too
		{"postgres://app:p PW@h/shop", "password"},      // space
		{"postgres://app:p\"PW@h/shop", "password"},     // quote
		{"postgres://app:p\\PW@h/shop", "password"},     // backslash
		{"postgres://app:p\u00e4PW@h/shop", "password"}, // raw non-ASCII
		{"postgres://app:p%zzPW@h/shop", "password"},    // bad escape
		{"postgres://app:p%00PW@h/shop", "password"},    // NUL
		{"postgres://app:p\tPW@h/shop", "password"},     // control character
		{"postgres://app:PW@h/sh%zzop", "database"},     // bad escape
		{"postgres://app:PW@h/my shop", "database"},     // space
		{"postgres://app:PW@h/shop?sslmode", "query"},   // no '='
		{"postgres://app:PW@h/shop?x=a=b", "query"},     // two '='
		{"postgres://app:PW@h/shop?&x=1", "query"},      // empty pair
		{"postgres://app:PW@h/shop?x=%zz", "query"},     // bad escape
		{"postgres://app:PW@h/shop?x=1#frag", "query"},  // fragment
		{"postgres://h/shop?user=app&password=PW@x", "password"},

		// libpq keyword/value.
		{"host=db.example.com password=PW more", "keyword/value"},
		{"host=db.example.com password='PW", "keyword/value"},
		{"host=db.example.com password='PW\\'", "keyword/value"},
		{"host=h =x password=PW", "keyword/value"},
		{"host=/var/run/postgresql password=PW", "host"},
		{"host=a,b password=PW", "host"},
		{"host= password=PW", "host"},
		{"user=app password=PW dbname=shop", "host"},
		{"host=h port=x5432 password=PW", "port"},
		{"host=h port=5432,5433 password=PW", "port"},
		{"host=h\x00 password=PW", "format"},

		// Go MySQL DSN.
		{"app:PW@tcp(db.example.com:abc)/shop", "port"},
		{"app:PW@tcp(db.example.com:)/shop", "port"},
		{"app:PW@unix(/tmp/mysql.sock)/shop", "host"},
		{"app:PW@tcp(db.example.com:3306/shop", "host"},
		{"app:PW@tcp(h)/shop?loc=Europe/Paris", "database"},
		{"app:PW@tcp(h)/sh%zzop", "database"},
		{"app:PW@tcp([::1])/shop", "host"},
		{"app:PW@tcp(:3306)/shop", "host"},
		{"app:PW@tcp(a,b:3306)/shop", "host"},
		{"app:PW@localhost/shop", "format"}, // no tcp(...): the message says so
		{"app:PW@tcp6([::1]:3306)/shop", "host"},

		// MySQL and MariaDB URLs.
		{"mysql://app:PW@db.example.com:0/shop", "port"},
		{"mariadb://app:PW@/shop", "host"},
		{"mysql://app:PW@h/shop#x", "database"},

		// SQL Server URLs.
		{"sqlserver://sa:PW@h?database=shop;x=1", "query"},
		{"sqlserver://sa:PW@h?database=a&Database=b", "query"},
		{"sqlserver://sa:PW@h?server=other", "query"},
		{"sqlserver://sa:PW@h?database=%zz", "query"},
		{"sqlserver://sa@h?password=PW&password=x", "query"},
		{"sqlserver://sa:PW@h?password=x", "query"},
		{"sqlserver://sa:PW@h?user%20id=x", "query"},
		{"sqlserver://sa:PW@h:1433?port=1500", "query"},
		{"sqlserver://sa:PW@h?port=0", "port"},
		{"sqlserver://sa:PW@h/inst%zz", "host"},

		// ADO.NET.
		{"Server=h;User Id=sa;Password=SENTINEL;PW-123", "keyword/value"}, // unquoted ';'
		{"Server=h;User Id=sa;Password=\"PW", "keyword/value"},
		{"Server=h;=x;Password=PW", "keyword/value"},
		{"Server=h;User Id=sa;Password=\xffPW", "keyword/value"},
		{`Server=np:\\h\pipe\sql\query;User Id=sa;Password=PW`, "host"},
		{`Server=\\.\pipe\sql\query;User Id=sa;Password=PW`, "host"},
		{"Server=lpc:h;User Id=sa;Password=PW", "host"},
		{"Server=h;Protocol=np;Password=PW", "host"},
		{"Server=h,abc;Password=PW", "port"},
		{"Server=h,;Password=PW", "port"},
		{"Server=h;Port=0;Password=PW", "port"},
		{"Server=a,1433,b;Password=PW", "host"},
		{"Server=,1433;Password=PW", "host"},
		{"Database=shop;User Id=sa;Password=PW", "host"},

		// Neither.
		{"redis://default:PW@h:6379", "scheme"},
		{"jdbc:postgresql://h/db?password=PW", "scheme"},
		{"app:PW@db.example.com:3306/shop", "format"},
		{"PW", "format"},
		{"", "format"},
		{"  \n", "format"},
		{"postgres://u:PW@h/db\x00", "format"},
	} {
		in := strings.ReplaceAll(tc.in, "PW", sentinel)
		t.Run(in, func(t *testing.T) {
			t.Parallel()
			o, err := connstr.Parse(in)
			if err == nil {
				t.Fatalf("Parse succeeded: %s %+v", o.Form, fieldsOf(o))
			}
			var pe *connstr.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error is %T, not *connstr.ParseError: %v", err, err)
			}
			msg := err.Error()
			if pe.Part != tc.part {
				t.Errorf("part = %q, want %q (%s)", pe.Part, tc.part, msg)
			}
			if !strings.HasPrefix(msg, "origin connection string: "+pe.Part+": ") || pe.Reason == "" {
				t.Errorf("message %q does not read origin connection string: <part>: <reason>", msg)
			}
			if strings.Contains(msg, "SENTINEL") || strings.Contains(msg, "PW-123") {
				t.Errorf("message leaks the password: %s", msg)
			}
			if len(in) > 8 && strings.Contains(msg, in) {
				t.Errorf("message contains the whole input: %s", msg)
			}
		})
	}
}

// A port that is plainly not a number is quoted, to help; anything that
// might be a mislaid password is not.
func TestPortErrorQuotesOnlyPlainText(t *testing.T) {
	t.Parallel()
	_, err := connstr.Parse("postgres://app:pw@db.example.com:abc/shop")
	if want := `origin connection string: port: "abc" is not a number from 1 to 65535`; err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
	_, err = connstr.Parse("host=h port=" + sentinel)
	if err == nil || strings.Contains(err.Error(), sentinel) {
		t.Errorf("error = %v, want one without the port text", err)
	}
}
