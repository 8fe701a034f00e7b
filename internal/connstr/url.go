package connstr

import (
	"net/url"
	"strings"
)

// parseURL parses postgres://, mysql://, mariadb:// and sqlserver:// URLs.
//
// net/url does the parsing; its errors are never shown (they quote the whole
// URL, password included). Checks made before calling it reject what net/url
// accepts but a driver would read differently, and name the part at fault:
//   - a literal '#' (libpq has no fragment: it would be part of the value);
//   - raw spaces and control characters (libpq rejects them);
//   - more than one '@' in the authority, or an '@' after the host when the
//     authority has none: libpq splits at the first '@' (net/url at the last),
//     and an unencoded '/', '?' or '#' in a password moves the password into
//     the host and port.
func (o *Origin) parseURL(s, scheme string, typ DBType, form Form) error {
	r := &o.raw
	r.src = s
	r.scheme = strings.ToLower(scheme)
	o.Type, o.Form = typ, form
	pg := form == PostgresURL
	sql := form == SQLServerURL

	// Split the way net/url does ('?' first, then the authority up to '/'),
	// ignoring '#', which is rejected below.
	after := s[len(scheme)+3:]
	rest := after
	query, hasQuery := "", false
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		rest, query, hasQuery = rest[:i], rest[i+1:], true
	}
	authority := rest
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		authority, r.pathRaw = rest[:i], rest[i:]
	}
	hostport := authority
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		ui := authority[:at]
		hostport = authority[at+1:]
		r.hasUserinfo = true
		r.userRaw = ui
		if c := strings.IndexByte(ui, ':'); c >= 0 {
			r.userRaw, r.passRaw, r.hasPass = ui[:c], ui[c+1:], true
		}
		if strings.IndexByte(ui, '@') >= 0 {
			if strings.IndexByte(r.userRaw, '@') >= 0 {
				return perr("user", "a literal @ must be percent-encoded as %40")
			}
			return perr("password", "a literal @ must be percent-encoded as %40")
		}
	} else if strings.IndexByte(after, '@') >= 0 {
		return perr("password", "an @ appears after the host: if the password contains / ? or #, "+
			"percent-encode them (%2F, %3F, %23); encode a literal @ as %40")
	}
	r.hostRaw = hostport

	// Characters net/url takes but the drivers would read differently.
	for i := 0; i < len(s); i++ {
		c := s[i]
		var reason string
		switch {
		case c < 0x20 || c == 0x7f:
			reason = "contains a control character"
		case c == ' ':
			reason = "contains a space: encode it as %20"
		case c == '#':
			reason = "a literal # must be percent-encoded as %23"
		default:
			continue
		}
		return perr(o.urlPartAt(s, i), reason)
	}

	// Userinfo: characters and escapes, with our part names.
	if r.hasUserinfo {
		if !validUserinfo(r.userRaw) {
			return perr("user", reasonUserinfoChars)
		}
		if !validUserinfo(r.passRaw) {
			return perr("password", reasonUserinfoChars)
		}
		if reason := checkEscapes(r.userRaw, pg); reason != "" {
			return perr("user", reason)
		}
		if reason := checkEscapes(r.passRaw, pg); reason != "" {
			return perr("password", reason)
		}
	}

	// Host and port, before net/url would misread them.
	portText, hasPort := "", false
	if strings.HasPrefix(hostport, "[") {
		end := strings.IndexByte(hostport, ']')
		if end < 0 {
			return perr("host", "missing ']' after the IPv6 address")
		}
		switch after := hostport[end+1:]; {
		case after == "":
		case after[0] == ':':
			portText, hasPort = after[1:], true
		case after[0] == ',':
			return perr("host", reasonMultiHost)
		default:
			return perr("host", "unexpected text after ']': expected :port")
		}
	} else {
		if strings.IndexByte(hostport, ',') >= 0 {
			return perr("host", reasonMultiHost)
		}
		if i := strings.IndexByte(hostport, ':'); i >= 0 {
			if strings.IndexByte(hostport[i+1:], ':') >= 0 {
				return perr("host", "an IPv6 address must be in brackets, e.g. [2001:db8::1]:5432")
			}
			portText, hasPort = hostport[i+1:], true
		}
	}
	if hasPort && portText != "" {
		if _, ok := parsePort(portText); !ok {
			return portError(portText)
		}
	}
	if reason := checkEscapes(r.pathRaw, pg); reason != "" {
		if sql {
			return perr("host", reason) // the path is the instance name
		}
		return perr("database", reason)
	}

	if h, _ := pctDecode(hostport, false); strings.HasPrefix(h, "/") || strings.HasPrefix(h, "@") {
		return perr("host", reasonSocket) // libpq reads %2Fdir as a socket directory
	}

	u, err := url.Parse(s)
	if err != nil {
		// Whatever is left is in the host: IP literals, escapes in the host.
		// Never show err: it contains the password.
		return perr("host", reasonBadHost+" (IPv6 addresses go in brackets: [2001:db8::1])")
	}

	// Values as net/url decodes them.
	if u.User != nil {
		o.User = u.User.Username()
		o.Password, _ = u.User.Password()
	}
	o.Host = u.Hostname()
	if p := u.Port(); p != "" {
		o.Port, _ = parsePort(p) // checked above
	}
	r.userLoc, r.passLoc = locUserinfo, locUserinfo
	if !sql {
		o.Database = strings.TrimPrefix(u.Path, "/")
		r.dbLoc = locPath
	} else {
		r.dbLoc = locItem
	}

	if hasQuery && query != "" {
		var err *ParseError
		switch form {
		case PostgresURL:
			err = o.parsePGQuery(query)
		case SQLServerURL:
			err = o.parseSQLServerQuery(query)
		default:
			o.splitQuery(query)
		}
		if err != nil {
			return err
		}
	}

	if sql && (o.Host == "." || strings.EqualFold(o.Host, "(local)")) {
		o.Host = "localhost" // go-mssqldb's reading
	}
	if reason := hostProblem(o.Host); reason != "" {
		return perr("host", reason)
	}
	if o.Port == 0 {
		o.Port = form.defaultPort()
	}
	r.host, r.port, r.user, r.password, r.database = o.Host, o.Port, o.User, o.Password, o.Database
	return nil
}

const reasonUserinfoChars = "characters such as @ : / ? # [ ] \" \\ spaces and non-ASCII letters must be " +
	"percent-encoded (encode @ as %40, space as %20)"

// urlPartAt names the part of URL s that byte i falls in, splitting the way
// parseURL does.
func (o *Origin) urlPartAt(s string, i int) string {
	start := strings.Index(s, "://") + 3
	if i < start {
		return "scheme"
	}
	q := strings.IndexByte(s[start:], '?')
	if q >= 0 && i >= start+q {
		return "query"
	}
	end := len(s)
	if q >= 0 {
		end = start + q
	}
	a := strings.IndexByte(s[start:end], '/')
	if a >= 0 && i >= start+a {
		if o.Form == SQLServerURL {
			return "host"
		}
		return "database"
	}
	authEnd := end
	if a >= 0 {
		authEnd = start + a
	}
	auth := s[start:authEnd]
	j := i - start
	if at := strings.LastIndexByte(auth, '@'); at >= 0 {
		if j < at {
			if c := strings.IndexByte(auth[:at], ':'); c >= 0 && j > c {
				return "password"
			}
			return "user"
		}
		if j == at {
			return "user"
		}
		auth, j = auth[at+1:], j-at-1
	}
	colon := strings.LastIndexByte(auth, ':')
	if strings.HasPrefix(auth, "[") {
		if rb := strings.IndexByte(auth, ']'); rb >= 0 {
			colon = -1
			if rb+1 < len(auth) && auth[rb+1] == ':' {
				colon = rb + 1
			}
		}
	}
	if colon >= 0 && j > colon {
		return "port"
	}
	return "host"
}

// validUserinfo mirrors net/url: letters, digits, "-._:~!$&'()*+,;=%" (and
// '@', rejected earlier). Everything else must be percent-encoded.
func validUserinfo(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-._:~!$&'()*+,;=%", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// checkEscapes reports a bad %XX escape and, for PostgreSQL (libpq), %00.
func checkEscapes(s string, noNUL bool) string {
	for i := strings.IndexByte(s, '%'); i >= 0 && i < len(s); i++ {
		if s[i] != '%' {
			continue
		}
		if i+2 >= len(s) {
			return reasonBadEscape
		}
		hi, ok1 := unhex(s[i+1])
		lo, ok2 := unhex(s[i+2])
		if !ok1 || !ok2 {
			return reasonBadEscape
		}
		if noNUL && hi == 0 && lo == 0 {
			return "%00 is not allowed (libpq forbids NUL bytes)"
		}
		i += 2
	}
	return ""
}

// countItems counts the '&'-separated pairs of a query, to size the slice.
func countItems(q string) int {
	return strings.Count(q, "&") + 1
}

// splitQuery keeps the parameters of a MySQL URL as written: no driver in Go
// reads mysql:// URLs, and none of their parameters matters to PolyScale.
func (o *Origin) splitQuery(q string) {
	items := make([]item, 0, countItems(q))
	for q != "" {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		it := item{raw: pair, voff: len(pair)}
		if pair == "" {
			it.role = roleBlank
		} else if eq := strings.IndexByte(pair, '='); eq >= 0 {
			it.voff = eq + 1
		}
		items = append(items, it)
	}
	o.raw.items = items
}

// parsePGQuery reads PostgreSQL URL parameters the way libpq and pgx do:
// pairs separated by '&', exactly one '=' each, both halves percent-decoded
// with '+' kept literal, %00 forbidden, the last occurrence winning. host,
// hostaddr and port override the authority; user, password and dbname (or
// pgx's database) override the userinfo and path.
func (o *Origin) parsePGQuery(q string) *ParseError {
	r := &o.raw
	items := make([]item, 0, countItems(q))
	var params pgParams
	for q != "" {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		k, v, found := strings.Cut(pair, "=")
		if !found {
			return perr("query", `a parameter has no "=": write key=value pairs separated by &`)
		}
		if strings.IndexByte(v, '=') >= 0 {
			return perr("query", `a parameter value contains "=": percent-encode it as %3D`)
		}
		key, reason := pctDecode(k, true)
		if reason != "" {
			return perr("query", reason)
		}
		val, reason := pctDecode(v, true)
		if reason != "" {
			return perr("query", reason)
		}
		it := item{raw: pair, voff: len(k) + 1, role: pgKeys[key]}
		params.set(it.role, val)
		if it.role == roleSSLMode {
			r.sslmodes++
		}
		items = append(items, it)
	}
	r.items = items
	r.sslmode = params.val[roleSSLMode]
	// Parameters override the userinfo and the path.
	if v, ok := params.get(roleUser); ok {
		o.User, r.userLoc = v, locItem
	}
	if v, ok := params.get(rolePassword); ok {
		o.Password, r.passLoc = v, locItem
	}
	if v, ok := params.get(roleDatabase); ok {
		o.Database, r.dbLoc = v, locItem
	}
	host, hasHost := params.get(roleHost)
	hostaddr, hasHostaddr := params.get(roleHostaddr)
	switch {
	case hasHost && host != "":
		o.Host = host
	case hasHost && !hasHostaddr:
		o.Host = ""
	case hasHostaddr && (o.Host == "" || hasHost):
		o.Host = hostaddr
	}
	if port, ok := params.get(rolePort); ok {
		if strings.IndexByte(port, ',') >= 0 {
			return perr("port", reasonMultiHost)
		}
		o.Port = 0
		if port != "" {
			p, ok := parsePort(port)
			if !ok {
				return portError(port)
			}
			o.Port = p
		}
	}
	return nil
}

// sameLower reports whether strings.ToLower(a) == strings.ToLower(b), the
// way go-mssqldb compares keys, without allocating for ASCII keys.
func sameLower(a, b string) bool {
	if len(a) == len(b) {
		i := 0
		for ; i < len(a); i++ {
			ca, cb := a[i], b[i]
			if ca >= 0x80 || cb >= 0x80 {
				break
			}
			if 'A' <= ca && ca <= 'Z' {
				ca += 'a' - 'A'
			}
			if 'A' <= cb && cb <= 'Z' {
				cb += 'a' - 'A'
			}
			if ca != cb {
				return false
			}
		}
		if i == len(a) {
			return true
		}
	}
	if isASCII(a) && isASCII(b) {
		return false
	}
	//lint:ignore SA6005 go-mssqldb compares lowercased keys; EqualFold would also match "ſ" with "s".
	return strings.ToLower(a) == strings.ToLower(b)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// parseSQLServerQuery reads SQL Server URL parameters the way go-mssqldb
// does (url.Query, keys lowercased): database, user id, password and port
// matter; every key may appear once; server is rejected (go-mssqldb does).
func (o *Origin) parseSQLServerQuery(q string) *ParseError {
	r := &o.raw
	items := make([]item, 0, countItems(q))
	for q != "" {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		if strings.IndexByte(pair, ';') >= 0 {
			return perr("query", "a literal ; must be percent-encoded as %3B (go-mssqldb ignores such parameters)")
		}
		if pair == "" {
			items = append(items, item{role: roleBlank})
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			return perr("query", reasonBadEscape)
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			return perr("query", reasonBadEscape)
		}
		for i := range items {
			if items[i].role != roleBlank && sameLower(items[i].key, key) {
				return perr("query", "a parameter is given twice (keys are case-insensitive; go-mssqldb rejects repeats)")
			}
		}
		it := item{raw: pair, voff: len(k) + 1, key: key}
		switch {
		case sameLower(key, "database"):
			it.role, o.Database = roleDatabase, val
		case sameLower(key, "user id"):
			if r.hasUserinfo {
				return perr("query", "the user is given twice: in the URL and as user id=")
			}
			it.role, o.User, r.userLoc = roleUser, val, locItem
		case sameLower(key, "password"):
			if r.hasPass {
				return perr("query", "the password is given twice: in the URL and as password=")
			}
			it.role, o.Password, r.passLoc = rolePassword, val, locItem
		case sameLower(key, "port"):
			if o.Port != 0 {
				return perr("query", "the port is given twice: after the host and as port=")
			}
			p, ok := parsePort(val)
			if !ok {
				return portError(val)
			}
			it.role, o.Port = rolePort, p
		case sameLower(key, "server"):
			return perr("query", "server= repeats the URL's host: remove it")
		}
		items = append(items, it)
	}
	// A user or password given as parameters: new credentials go there too,
	// since go-mssqldb rejects a key given both ways.
	if !r.hasUserinfo && (r.userLoc == locItem || r.passLoc == locItem) {
		r.userLoc, r.passLoc = locItem, locItem
	}
	r.items = items
	return nil
}

func (o *Origin) writeURL(b *strings.Builder, t *target) {
	r := &o.raw
	pg := o.Form == PostgresURL
	ch := t.changed(r)

	b.WriteString(r.scheme)
	b.WriteString("://")

	uiUser := ch.user && r.userLoc == locUserinfo
	uiPass := ch.password && r.passLoc == locUserinfo
	if r.hasUserinfo || (uiUser && t.user != "") || (uiPass && t.password != "") {
		if uiUser {
			appendEscaped(b, t.user)
		} else {
			b.WriteString(r.userRaw)
		}
		switch {
		case uiPass && (t.password != "" || r.hasPass):
			b.WriteByte(':')
			appendEscaped(b, t.password)
		case !uiPass && r.hasPass:
			b.WriteByte(':')
			b.WriteString(r.passRaw)
		}
		b.WriteByte('@')
	}

	if ch.host {
		appendHostPort(b, t.host, t.port, true)
	} else {
		b.WriteString(r.hostRaw)
	}

	switch {
	case o.Form == SQLServerURL && ch.host:
		// The path names an instance, found through the SQL Server Browser;
		// the edge listens on a fixed port, so it goes.
	case ch.database && r.dbLoc == locPath:
		if t.database != "" {
			b.WriteByte('/')
			appendEscaped(b, t.database)
		}
	default:
		b.WriteString(r.pathRaw)
	}

	w := itemWriter{b: b, enc: appendEscaped, sep: func(n int, _ string) {
		if n == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
	}}
	for i := range r.items {
		it := &r.items[i]
		if pg && t.rewrite && it.role == roleSSLMode {
			w.sslmode(it, r)
			continue
		}
		if w.changes(it, ch, t) {
			continue
		}
		switch it.role {
		case roleBlank:
			continue
		case roleHost, roleHostaddr, rolePort:
			if ch.host {
				continue
			}
		}
		w.keep(it)
	}

	// Values that had no parameter yet, for those kept in the query (the
	// others went into the userinfo or the path above).
	userKey, dbKey := "user=", "dbname="
	if o.Form == SQLServerURL {
		userKey, dbKey = "user%20id=", "database="
	}
	inQuery := changed{
		user:     ch.user && r.userLoc == locItem,
		password: ch.password && r.passLoc == locItem,
		database: ch.database && r.dbLoc == locItem,
	}
	w.addMissing(inQuery, t, userKey, "password=", dbKey)
	if pg && t.rewrite && !w.seen[roleSSLMode] {
		w.next("")
		b.WriteString("sslmode=require")
	}
	if t.appName != "" && !w.seen[roleAppName] {
		w.add("application_name=", t.appName)
	}
}
