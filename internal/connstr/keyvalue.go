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
		j, p.escapes = scanKVValue(s, j+1, true)
		if j >= len(s) {
			return p, "a quoted value is not closed: end it with ' and escape ' and \\ inside with \\"
		}
		p.end = j + 1
		return p, ""
	}
	p.end, p.escapes = scanKVValue(s, j, false)
	return p, ""
}

// scanKVValue scans a value from j to its end: the closing quote when
// quoted, else white space, else the end of s. A backslash escapes the byte
// after it; escapes says whether there was one.
func scanKVValue(s string, j int, quoted bool) (end int, escapes bool) {
	for ; j < len(s); j++ {
		if c := s[j]; quoted && c == '\'' || !quoted && asciiSpace[c] {
			break
		}
		if s[j] == '\\' {
			escapes = true
			j++
			if j == len(s) {
				break
			}
		}
	}
	return j, escapes
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
	var params pgParams
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
		it.role = pgKeys[s[p.key:p.keyEnd]]
		if v := p.value(s); it.role != roleUser || v != "" { // an empty user= is ignored
			params.set(it.role, v)
		}
		if it.role == roleSSLMode {
			r.sslmodes++
		}
		items = append(items, it)
	}
	r.items = items
	r.sslmode = params.val[roleSSLMode]
	o.User, o.Password, o.Database = params.val[roleUser], params.val[rolePassword], params.val[roleDatabase]
	host, hasHost := params.get(roleHost)
	hostaddr, hasHostaddr := params.get(roleHostaddr)
	o.Host = host
	if hasHostaddr && (!hasHost || host == "") {
		o.Host = hostaddr
	}
	if reason := hostProblem(o.Host); reason != "" {
		return perr("host", reason)
	}
	o.Port = 5432
	if port, _ := params.get(rolePort); port != "" {
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
	appendValue(b, v, quote, '\'', '\\')
}

func (o *Origin) writeKV(b *strings.Builder, t *target) {
	r := &o.raw
	ch := t.changed(r)

	// When the host changes, one pair carries it (the last host=, else the
	// first hostaddr=); the other host and hostaddr pairs go.
	hostIdx, hasPort := -1, false
	if ch.host {
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

	w := itemWriter{b: b, enc: appendKVValue, sep: func(n int, ws string) {
		if n > 0 && ws == "" {
			ws = " " // pgx reads 'a'b=c as two pairs; keep them apart anyway
		}
		b.WriteString(ws)
	}}
	for i := range r.items {
		it := &r.items[i]
		if t.rewrite && it.role == roleSSLMode {
			w.sslmode(it, r)
			continue
		}
		if w.changes(it, ch, t) {
			continue
		}
		switch it.role {
		case roleHost, roleHostaddr:
			if !ch.host {
				break
			}
			if i == hostIdx {
				w.next(it.sep)
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
			if ch.host {
				w.next(it.sep)
				b.WriteString(it.raw[:it.voff])
				appendInt(b, t.port)
				continue
			}
		}
		if it.reencode {
			w.replace(it, it.val)
			continue
		}
		w.keep(it)
	}
	w.addMissing(ch, t, "user=", "password=", "dbname=")
	if t.rewrite && !w.seen[roleSSLMode] {
		w.add("sslmode=", "require")
	}
	if t.appName != "" && !w.seen[roleAppName] {
		w.add("application_name=", t.appName)
	}
	b.WriteString(r.trail)
}
