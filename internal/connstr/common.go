package connstr

import (
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"
)

// rawForm is the parsed text of an origin, kept so that String and Rewrite
// can write it back in the same form with untouched parts as written.
type rawForm struct {
	src string // the input (URL and DSN: without surrounding white space)

	// The exported fields as parsed, to tell which ones the caller changed.
	host     string
	port     int
	user     string
	password string
	database string

	// URL forms.
	scheme      string // lowercased as written: postgres, postgresql, mysql, mariadb, sqlserver, mssql
	hasUserinfo bool   // an '@' ends the userinfo
	userRaw     string // URL and DSN: the user name as written
	hasPass     bool   // a ':' separates user and password
	passRaw     string // URL and DSN: the password as written
	hostRaw     string // URL: host[:port] as written; DSN: the address in tcp(...)
	pathRaw     string // URL: "/path" as written, "" if none
	userLoc     loc
	passLoc     loc
	dbLoc       loc

	// URL query parameters, keyword/value pairs, ADO.NET parts.
	items []item

	// DSN.
	dsnNet    string // "tcp" or ""
	dsnParens bool   // the address is written as net(addr)
	dsnDB     string // the database name as written
	dsnQuery  string // "?params" as written, "" if none

	// Keyword/value: white space after the last pair.
	trail string
}

// loc says where a value lives in the connection string.
type loc uint8

const (
	locNone     loc = iota // absent
	locUserinfo            // URL userinfo or DSN user:pass
	locPath                // URL path or DSN database
	locItem                // a query parameter or key/value pair
)

// role is what a query parameter or key/value pair means to us.
type role uint8

const (
	roleOther role = iota
	roleHost
	roleHostaddr
	rolePort
	roleUser
	rolePassword
	roleDatabase
	roleAppName
	roleSSLMode
	roleProtocol
	roleBlank // an empty ADO.NET part, or an empty URL query pair
)

// item is one query parameter ("k=v"), keyword/value pair or ADO.NET part.
type item struct {
	raw      string // as written: the pair (keyword/value: from key to end of value; ADO.NET: the whole part)
	key      string // SQL Server URL: the decoded key, to find repeats
	sep      string // keyword/value: white space before the pair
	voff     int    // offset of the value in raw: after '=' (and white space, in keyword/value and ADO.NET)
	role     role
	val      string // keyword/value: the decoded value, when reencode is set
	reencode bool   // keyword/value: write val encoded, not raw (see parseKV)
}

// hostProblem returns "" if h is a usable single TCP host: a host name, an
// IPv4 address or an IPv6 address (with an optional zone), without brackets.
// Otherwise it returns the reason it is not.
func hostProblem(h string) string {
	if h == "" {
		return reasonNoHost
	}
	if strings.IndexByte(h, ',') >= 0 {
		return reasonMultiHost
	}
	if h[0] == '/' || h[0] == '@' || strings.IndexByte(h, '/') >= 0 || strings.IndexByte(h, '\\') >= 0 {
		return reasonSocket
	}
	if strings.IndexByte(h, ':') >= 0 {
		a, err := netip.ParseAddr(h)
		if err != nil || !a.Is6() || (a.Zone() != "" && !validHostChars(a.Zone(), false)) {
			return reasonBadHost + " (an IPv6 address was expected)"
		}
		return ""
	}
	if !validHostChars(h, true) {
		return reasonBadHost
	}
	return ""
}

// validHostChars accepts letters, digits, '-', '.', '_' and (when unicode is
// set) valid UTF-8 beyond ASCII, for internationalised host names.
func validHostChars(s string, unicode bool) bool {
	if s == "" {
		return false
	}
	ascii := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '.', c == '_':
		case c >= 0x80 && unicode:
			ascii = false
		default:
			return false
		}
	}
	return ascii || utf8.ValidString(s)
}

// parsePort parses a decimal port from 1 to 65535 (leading zeros allowed, as
// the drivers allow them).
func parsePort(s string) (int, bool) {
	if s == "" || len(s) > 10 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	if n < 1 || n > 65535 {
		return 0, false
	}
	return n, true
}

// portError reports a bad port. The port text is quoted only when it is
// short and plain, so that a password mislaid into the port position (by an
// unencoded character) is not echoed.
func portError(text string) *ParseError {
	if text == "" {
		return perr("port", "empty: give a number from 1 to 65535 or leave out the ':'")
	}
	if len(text) <= 12 {
		plain := true
		for i := 0; i < len(text); i++ {
			c := text[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '+') {
				plain = false
				break
			}
		}
		if plain {
			return perr("port", strconv.Quote(text)+" "+reasonBadPort)
		}
	}
	return perr("port", "not a number from 1 to 65535")
}

// appendHostPort writes host:port, with brackets around an IPv6 address.
// When pct is set (URLs) a '%' of an IPv6 zone and non-ASCII bytes are
// percent-encoded.
func appendHostPort(b *strings.Builder, host string, port int, pct bool) {
	v6 := strings.IndexByte(host, ':') >= 0
	if v6 {
		b.WriteByte('[')
	}
	if pct {
		for i := 0; i < len(host); i++ {
			if c := host[i]; c == '%' || c >= 0x80 {
				appendPct(b, c)
			} else {
				b.WriteByte(c)
			}
		}
	} else {
		b.WriteString(host)
	}
	if v6 {
		b.WriteByte(']')
	}
	b.WriteByte(':')
	appendInt(b, port)
}

func appendInt(b *strings.Builder, n int) {
	var buf [20]byte
	b.Write(strconv.AppendInt(buf[:0], int64(n), 10))
}

const upperHex = "0123456789ABCDEF"

func appendPct(b *strings.Builder, c byte) {
	b.WriteByte('%')
	b.WriteByte(upperHex[c>>4])
	b.WriteByte(upperHex[c&15])
}

// appendEscaped percent-encodes every byte of s except the RFC 3986
// unreserved characters. The result reads the same in userinfo, path and
// query, for net/url, libpq and pgx alike ('+' is encoded, so it can never
// turn into a space).
func appendEscaped(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
		} else {
			appendPct(b, c)
		}
	}
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// pctDecode decodes %XX escapes; '+' stays '+' (libpq's rule for every part
// of a URI, and net/url's for userinfo and path). It reports bad escapes and,
// when noNUL is set, %00.
func pctDecode(s string, noNUL bool) (string, string) {
	n := strings.IndexByte(s, '%')
	if n < 0 {
		return s, ""
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:n])
	for i := n; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		if i+2 >= len(s) {
			return "", reasonBadEscape
		}
		hi, ok1 := unhex(s[i+1])
		lo, ok2 := unhex(s[i+2])
		if !ok1 || !ok2 {
			return "", reasonBadEscape
		}
		c = hi<<4 | lo
		if c == 0 && noNUL {
			return "", "%00 is not allowed (libpq forbids NUL bytes)"
		}
		b.WriteByte(c)
		i += 2
	}
	return b.String(), ""
}

const reasonBadEscape = "bad percent-escape: encode a literal % as %25"
