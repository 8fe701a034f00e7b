package connstr

import (
	"net/url"
	"strconv"
	"strings"
)

// WeakTLS is a setting of an origin that lets its connection go
// unencrypted, or encrypted without checking the server's certificate.
// Between an application and its own database that may be a choice; the
// edge connection string crosses the internet to PolyScale's public edge,
// so Rewrite upgrades the setting where the edge is known to take TLS
// (PostgreSQL) and the caller warns about the others.
type WeakTLS struct {
	// Setting is the parameter as the driver reads it: "sslmode=disable",
	// "tls=skip-verify", "Encrypt=false" (the key as written; a value
	// cachelink does not know is quoted and cut short).
	Setting string
	// Upgraded means that Rewrite writes Fix in its place; otherwise Rewrite
	// keeps the setting and Fix is what would protect the connection.
	Upgraded bool
	Fix      string
}

// pgTLS reports whether sslmode v makes libpq and pgx use TLS always.
func pgTLS(v string) bool { return v == "require" || v == "verify-ca" || v == "verify-full" }

// edgeSSLMode is the one sslmode of the edge string: the origin's when it
// asks for TLS always, else require.
func edgeSSLMode(v string) string {
	if pgTLS(v) {
		return v
	}
	return "require"
}

// sslmode writes the edge string's single sslmode parameter for it, an
// sslmode parameter of the origin: the first one carries edgeSSLMode and
// the others go, so that no reader can take a repeated weaker value. A lone
// sslmode that already asks for TLS is kept as written.
func (w *itemWriter) sslmode(it *item, r *rawForm) {
	first := !w.seen[roleSSLMode]
	w.seen[roleSSLMode] = true
	switch {
	case !first:
	case r.sslmodes == 1 && pgTLS(r.sslmode) && it.reencode:
		w.replace(it, it.val)
	case r.sslmodes == 1 && pgTLS(r.sslmode):
		w.keep(it)
	default:
		w.replace(it, edgeSSLMode(r.sslmode))
	}
}

// WeakTLS lists the settings of o that let its connection go in clear
// text or unverified, each once, with the value in effect (the last one
// given, as the drivers read them); nil when there are none. By form:
//
//   - PostgreSQL: an sslmode other than require, verify-ca or verify-full
//     (disable, allow, prefer). Upgraded: Rewrite writes sslmode=require,
//     once, in place of every sslmode of the origin.
//   - Go MySQL DSN: tls=false (or 0), tls=preferred, tls=skip-verify, as
//     go-sql-driver/mysql reads them. Kept.
//   - MySQL and MariaDB URLs, which no one driver defines: the parameters
//     tls, ssl-mode, sslmode, ssl_mode, ssl and useSSL (any case) set to
//     false, 0, disable(d), prefer(red), allow or skip-verify. Kept.
//   - SQL Server URLs and ADO.NET: Encrypt set to disable, false, no,
//     optional, 0 or f, as go-mssqldb reads it, and TrustServerCertificate
//     set to true. Kept.
func (o *Origin) WeakTLS() []WeakTLS {
	r := &o.raw
	switch o.Form {
	case PostgresURL, PostgresKV:
		if r.sslmodes == 0 || pgTLS(r.sslmode) {
			return nil
		}
		return []WeakTLS{{Setting: "sslmode=" + shownValue(r.sslmode, "disable", "allow", "prefer"), Upgraded: true, Fix: "sslmode=require"}}
	case MySQLDSN:
		var weak weakSet
		q := strings.TrimPrefix(r.dsnQuery, "?")
		for q != "" {
			var pair string
			pair, q, _ = strings.Cut(q, "&")
			k, v, found := strings.Cut(pair, "=")
			if !found || k != "tls" { // the driver's keys are case-sensitive
				continue
			}
			switch v {
			case "0", "false", "FALSE", "False":
			default:
				if l := strings.ToLower(v); l != "skip-verify" && l != "preferred" {
					v = ""
				}
			}
			weak.set("tls", k, v, "tls=true")
		}
		return weak.list()
	case MySQLURL:
		var weak weakSet
		for i := range r.items {
			k, v, found := queryPair(r.items[i].raw)
			if !found {
				continue
			}
			switch strings.ToLower(k) {
			case "tls", "ssl-mode", "sslmode", "ssl_mode", "ssl", "usessl":
			default:
				continue
			}
			switch strings.ToLower(v) {
			case "false", "0", "disable", "disabled", "prefer", "preferred", "allow", "skip-verify":
			default:
				v = ""
			}
			weak.set(strings.ToLower(k), k, v, "tls=true, or ssl-mode=REQUIRED, as your client spells it")
		}
		return weak.list()
	case SQLServerURL, ADONet:
		var weak weakSet
		for i := range r.items {
			it := &r.items[i]
			if it.role == roleBlank {
				continue
			}
			var k, v string
			if o.Form == SQLServerURL {
				k, v, _ = queryPair(it.raw)
			} else {
				k, v = adoPair(it.raw)
			}
			switch l := strings.ToLower(k); l {
			case "encrypt":
				switch strings.ToLower(v) {
				case "disable", "false", "no", "optional", "0", "f":
				default:
					v = ""
				}
				weak.set(l, k, v, k+"=true")
			case "trustservercertificate", "trust server certificate":
				if b, err := strconv.ParseBool(v); err != nil || !b {
					if !strings.EqualFold(v, "yes") {
						v = ""
					}
				}
				weak.set("trustservercertificate", k, v, k+"=false")
			}
		}
		return weak.list()
	}
	return nil
}

// weakSet collects weak settings by key, the last value of a key winning
// ("" for a value that is not weak).
type weakSet struct {
	keys []string
	vals []WeakTLS
}

func (s *weakSet) set(canon, key, val, fix string) {
	w := WeakTLS{Fix: fix}
	if val != "" {
		w.Setting = key + "=" + val
	}
	for i, k := range s.keys {
		if k == canon {
			s.vals[i] = w
			return
		}
	}
	s.keys = append(s.keys, canon)
	s.vals = append(s.vals, w)
}

func (s *weakSet) list() []WeakTLS {
	var out []WeakTLS
	for _, w := range s.vals {
		if w.Setting != "" {
			out = append(out, w)
		}
	}
	return out
}

// shownValue is v as it can be shown: bare when it is one of known, else
// quoted and cut to a few bytes (it is no secret, but need not be text).
func shownValue(v string, known ...string) string {
	for _, k := range known {
		if v == k {
			return v
		}
	}
	if len(v) > 24 {
		v = v[:24] + "..."
	}
	return strconv.Quote(v)
}

// queryPair is the key and value of the query parameter pair, decoded
// (queryUnescape); found is false when it has no "=".
func queryPair(pair string) (key, val string, found bool) {
	k, v, found := strings.Cut(pair, "=")
	return queryUnescape(k), queryUnescape(v), found
}

// queryUnescape decodes a query key or value, or returns it as written
// when it has a bad escape.
func queryUnescape(s string) string {
	if d, err := url.QueryUnescape(s); err == nil {
		return d
	}
	return s
}

// adoPair is the key and value of an ADO.NET part as go-mssqldb reads
// them: trimmed, a double-quoted value unquoted (adoValue).
func adoPair(part string) (key, val string) {
	k, v, _ := strings.Cut(part, "=")
	return strings.TrimSpace(k), adoValue(v)
}
