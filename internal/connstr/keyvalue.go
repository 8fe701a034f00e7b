package connstr

import "strings"

// looksLikeKV reports whether s starts like a libpq keyword/value string:
// a keyword, optional white space, '='.
func looksLikeKV(s string) bool {
	s = trimASCIISpace(s)
	eq := strings.IndexByte(s, '=')
	if eq <= 0 {
		return false
	}
	key := trimASCIISpace(s[:eq])
	if key == "" {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// kvPair is one pair found by nextKV; offsets are into the scanned string.
type kvPair struct {
	start    int // start of the white space before the key
	key      int // start of the key
	keyEnd   int // end of the key (its white space trimmed)
	val      int // start of the value text (an opening quote included)
	end      int // end of the value text (a closing quote included)
	quoted   bool
	escapes  bool // the value has backslashes
	finished bool // no pair: only white space was left (end = len)
}

// nextKV scans the pair starting at i exactly as pgx's
// parseKeywordValueSettings does (itself mirroring libpq): white space, a
// keyword without white space, '=', white space, then either a value running
// to the next white space or a single-quoted value; a backslash escapes the
// next character in both (a trailing backslash in an unquoted value is
// dropped). It returns a reason when the text is not a pair.
func nextKV(s string, i int) (kvPair, string) {
	p := kvPair{start: i}
	for i < len(s) && asciiSpace[s[i]] {
		i++
	}
	if i == len(s) {
		p.finished, p.end = true, i
		return p, ""
	}
	eq := strings.IndexByte(s[i:], '=')
	if eq < 0 {
		return p, `text without "=": write keyword=value pairs and quote values that contain spaces, e.g. password='a b'`
	}
	p.key = i
	p.keyEnd = i + eq
	for p.keyEnd > p.key && asciiSpace[s[p.keyEnd-1]] {
		p.keyEnd--
	}
	if p.keyEnd == p.key {
		return p, `a pair has no keyword before "="`
	}
	for k := p.key; k < p.keyEnd; k++ {
		if asciiSpace[s[k]] {
			return p, `a keyword is followed by text without "=": quote values that contain spaces, e.g. password='a b'`
		}
	}
	j := i + eq + 1
	for j < len(s) && asciiSpace[s[j]] {
		j++
	}
	p.val = j
	if j < len(s) && s[j] == '\'' {
		p.quoted = true
		j++
		for ; j < len(s); j++ {
			if s[j] == '\'' {
				break
			}
			if s[j] == '\\' {
				p.escapes = true
				j++
				if j == len(s) {
					break
				}
			}
		}
		if j >= len(s) {
			return p, "a quoted value is not closed: end it with ' and escape ' and \\ inside with \\"
		}
		p.end = j + 1
		return p, ""
	}
	for ; j < len(s); j++ {
		if asciiSpace[s[j]] {
			break
		}
		if s[j] == '\\' {
			p.escapes = true
			j++
			if j == len(s) {
				break
			}
		}
	}
	p.end = j
	return p, ""
}

// value returns the decoded value of p in s.
func (p *kvPair) value(s string) string {
	v := s[p.val:p.end]
	if p.quoted {
		v = v[1 : len(v)-1]
	}
	if !p.escapes {
		return v
	}
	var b strings.Builder
	b.Grow(len(v))
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' {
			i++
			if i == len(v) {
				break
			}
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// kvHasHostKey reports whether s scans as keyword/value pairs one of which
// is host or hostaddr: then it is a libpq string even if values contain ';'.
func kvHasHostKey(s string) bool {
	for i := 0; ; {
		p, reason := nextKV(s, i)
		if reason != "" {
			return false
		}
		if p.finished {
			return false
		}
		if k := s[p.key:p.keyEnd]; k == "host" || k == "hostaddr" {
			return true
		}
		i = p.end
	}
}

// parseKV parses a libpq keyword/value string. As in pgx, dbname and
// database both name the database, an empty user= is ignored and the last
// occurrence of a keyword wins; host, hostaddr and port work as in URLs.
func (o *Origin) parseKV(s string) error {
	r := &o.raw
	r.src = s
	o.Type, o.Form = Postgres, PostgresKV
	r.userLoc, r.passLoc, r.dbLoc = locItem, locItem, locItem
	items := make([]item, 0, strings.Count(s, "="))
	var hostaddr, port string
	var hasHost, hasHostaddr, hasPort bool
	for i := 0; ; {
		p, reason := nextKV(s, i)
		if reason != "" {
			return perr("keyword/value", reason)
		}
		if p.finished {
			r.trail = s[p.start:]
			break
		}
		i = p.end
		it := item{raw: s[p.key:p.end], sep: s[p.start:p.key], voff: p.val - p.key}
		if !p.quoted && (p.val == p.end || s[p.end-1] == '\\') {
			// An empty value, or one ending in a backslash that may escape
			// the end of the string: written as is, either would swallow a
			// pair written after it. Write it quoted instead.
			it.reencode, it.val = true, p.value(s)
		}
		switch s[p.key:p.keyEnd] {
		case "host":
			it.role, o.Host, hasHost = roleHost, p.value(s), true
		case "hostaddr":
			it.role, hostaddr, hasHostaddr = roleHostaddr, p.value(s), true
		case "port":
			it.role, port, hasPort = rolePort, p.value(s), true
		case "user":
			it.role = roleUser
			if v := p.value(s); v != "" {
				o.User = v
			}
		case "password":
			it.role, o.Password = rolePassword, p.value(s)
		case "dbname", "database":
			it.role, o.Database = roleDatabase, p.value(s)
		case "application_name":
			it.role = roleAppName
		case "sslmode":
			it.role = roleSSLMode
		}
		items = append(items, it)
	}
	r.items = items
	if hasHostaddr && (!hasHost || o.Host == "") {
		o.Host = hostaddr
	}
	if reason := hostProblem(o.Host); reason != "" {
		return perr("host", reason)
	}
	o.Port = 5432
	if hasPort && port != "" {
		if strings.IndexByte(port, ',') >= 0 {
			return perr("port", reasonMultiHost)
		}
		p, ok := parsePort(port)
		if !ok {
			return portError(port)
		}
		o.Port = p
	}
	r.host, r.port, r.user, r.password, r.database = o.Host, o.Port, o.User, o.Password, o.Database
	return nil
}

// appendKVValue writes v bare when libpq reads it back unchanged, else in
// single quotes with \ and ' escaped by a backslash.
func appendKVValue(b *strings.Builder, v string) {
	quote := v == ""
	for i := 0; i < len(v) && !quote; i++ {
		c := v[i]
		quote = asciiSpace[c] || c == '\'' || c == '\\'
	}
	if !quote {
		b.WriteString(v)
		return
	}
	b.WriteByte('\'')
	for i := 0; i < len(v); i++ {
		if c := v[i]; c == '\'' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(v[i])
	}
	b.WriteByte('\'')
}

func (o *Origin) writeKV(b *strings.Builder, t *target) {
	r := &o.raw
	hostChanged := t.rewrite || t.host != r.host || t.port != r.port
	userChanged := t.user != r.user
	passChanged := t.password != r.password
	dbChanged := t.database != r.database

	// When the host changes, one pair carries it (the last host=, else the
	// first hostaddr=); the other host and hostaddr pairs go.
	hostIdx, hasPort := -1, false
	if hostChanged {
		for i := range r.items {
			switch r.items[i].role {
			case roleHost:
				hostIdx = i
			case rolePort:
				hasPort = true
			}
		}
		if hostIdx < 0 {
			for i := range r.items {
				if r.items[i].role == roleHostaddr {
					hostIdx = i
					break
				}
			}
		}
	}

	n := 0
	sep := func(s string) {
		if n > 0 && s == "" {
			s = " " // pgx reads 'a'b=c as two pairs; keep them apart anyway
		}
		b.WriteString(s)
		n++
	}
	replace := func(it *item, v string) {
		sep(it.sep)
		b.WriteString(it.raw[:it.voff])
		appendKVValue(b, v)
	}
	var seen [roleBlank + 1]bool
	for i := range r.items {
		it := &r.items[i]
		seen[it.role] = true
		switch it.role {
		case roleHost, roleHostaddr:
			if !hostChanged {
				break
			}
			if i == hostIdx {
				sep(it.sep)
				if it.role == roleHost {
					b.WriteString(it.raw[:it.voff])
				} else {
					b.WriteString("host=")
				}
				appendKVValue(b, t.host)
				if !hasPort {
					b.WriteString(" port=")
					appendInt(b, t.port)
				}
			}
			continue
		case rolePort:
			if hostChanged {
				sep(it.sep)
				b.WriteString(it.raw[:it.voff])
				appendInt(b, t.port)
				continue
			}
		case roleUser:
			if userChanged {
				replace(it, t.user)
				continue
			}
		case rolePassword:
			if passChanged {
				replace(it, t.password)
				continue
			}
		case roleDatabase:
			if dbChanged {
				replace(it, t.database)
				continue
			}
		case roleAppName:
			if t.appName != "" {
				replace(it, t.appName)
				continue
			}
		}
		if it.reencode {
			replace(it, it.val)
			continue
		}
		sep(it.sep)
		b.WriteString(it.raw)
	}
	add := func(key, v string) {
		sep("")
		b.WriteString(key)
		appendKVValue(b, v)
	}
	if userChanged && !seen[roleUser] && t.user != "" {
		add("user=", t.user)
	}
	if passChanged && !seen[rolePassword] && t.password != "" {
		add("password=", t.password)
	}
	if dbChanged && !seen[roleDatabase] && t.database != "" {
		add("dbname=", t.database)
	}
	if t.rewrite && !seen[roleSSLMode] {
		add("sslmode=", "require")
	}
	if t.appName != "" && !seen[roleAppName] {
		add("application_name=", t.appName)
	}
	b.WriteString(r.trail)
}
