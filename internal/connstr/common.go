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

	// PostgreSQL: the sslmode in effect (the last one given) and how many
	// sslmode parameters there are; Rewrite writes one (see edgeSSLMode).
	sslmode  string
	sslmodes int
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

// pgKeys are the libpq keywords whose values cachelink reads or writes, in
// a PostgreSQL URL's query and in a keyword/value string alike; database
// is pgx's name for dbname.
var pgKeys = map[string]role{
	"host":             roleHost,
	"hostaddr":         roleHostaddr,
	"port":             rolePort,
	"user":             roleUser,
	"password":         rolePassword,
	"dbname":           roleDatabase,
	"database":         roleDatabase,
	"application_name": roleAppName,
	"sslmode":          roleSSLMode,
}

// pgParams are the values of the keywords of a PostgreSQL URL's query or
// keyword/value string, by role: the last occurrence of each wins, as in
// libpq and pgx.
type pgParams struct {
	val [roleBlank + 1]string
	has [roleBlank + 1]bool
}

// set records v as the value of role ro.
func (p *pgParams) set(ro role, v string) {
	p.val[ro], p.has[ro] = v, true
}

// get is the value of role ro, and whether one was given.
func (p *pgParams) get(ro role) (string, bool) {
	return p.val[ro], p.has[ro]
}

// changed says which of the values as parsed a target replaces.
type changed struct {
	host     bool // the host or the port (always when rewriting)
	user     bool
	password bool
	database bool
}

// changed compares t with the values of r as parsed.
func (t *target) changed(r *rawForm) changed {
	return changed{
		host:     t.rewrite || t.host != r.host || t.port != r.port,
		user:     t.user != r.user,
		password: t.password != r.password,
		database: t.database != r.database,
	}
}

// value is the new value of an item of role ro, if it gets one: t's user,
// password or database where t changes it, t's application name where t
// sets one. For the other roles it reports false: what becomes of a host,
// a port or an sslmode depends on the form.
func (c changed) value(ro role, t *target) (string, bool) {
	switch ro {
	case roleUser:
		return t.user, c.user
	case rolePassword:
		return t.password, c.password
	case roleDatabase:
		return t.database, c.database
	case roleAppName:
		return t.appName, t.appName != ""
	}
	return "", false
}

// itemWriter writes the items of a URL query, a keyword/value string or an
// ADO.NET string, each after its separator, with new values encoded as the
// form wants them.
type itemWriter struct {
	b *strings.Builder
	// sep writes what goes before the n-th item written (counting from 0);
	// ws is the white space written before it (keyword/value; "" for a
	// new pair).
	sep func(n int, ws string)
	enc func(b *strings.Builder, v string) // writes a value
	n   int                                // items written so far
	// seen are the roles of the items gone through so far, written or
	// left out.
	seen [roleBlank + 1]bool
}

// next writes the separator before an item.
func (w *itemWriter) next(ws string) {
	w.sep(w.n, ws)
	w.n++
}

// keep writes it as written.
func (w *itemWriter) keep(it *item) {
	w.next(it.sep)
	w.b.WriteString(it.raw)
}

// replace writes it with its key as written and the value v.
func (w *itemWriter) replace(it *item, v string) {
	w.next(it.sep)
	w.b.WriteString(it.raw[:it.voff])
	w.enc(w.b, v)
}

// add writes a new pair; key ends with '='.
func (w *itemWriter) add(key, v string) {
	w.next("")
	w.b.WriteString(key)
	w.enc(w.b, v)
}

// changes notes the role of it and, when ch gives it a new value (see
// changed.value), writes it with that value and reports true.
func (w *itemWriter) changes(it *item, ch changed, t *target) bool {
	w.seen[it.role] = true
	v, ok := ch.value(it.role, t)
	if ok {
		w.replace(it, v)
	}
	return ok
}

// addMissing adds the user, password and database that ch changes to a
// value that is not empty and that no item held. The keys are their
// keywords in the form, '=' included.
func (w *itemWriter) addMissing(ch changed, t *target, userKey, passKey, dbKey string) {
	if ch.user && !w.seen[roleUser] && t.user != "" {
		w.add(userKey, t.user)
	}
	if ch.password && !w.seen[rolePassword] && t.password != "" {
		w.add(passKey, t.password)
	}
	if ch.database && !w.seen[roleDatabase] && t.database != "" {
		w.add(dbKey, t.database)
	}
}

// appendValue writes v as is, or when quote is set between quote marks q
// with esc before each byte of v that is q or esc (q and esc may be the
// same: a doubled quote).
func appendValue(b *strings.Builder, v string, quote bool, q, esc byte) {
	if !quote {
		b.WriteString(v)
		return
	}
	b.WriteByte(q)
	for i := 0; i < len(v); i++ {
		if c := v[i]; c == q || c == esc {
			b.WriteByte(esc)
		}
		b.WriteByte(v[i])
	}
	b.WriteByte(q)
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
