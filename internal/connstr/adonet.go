package connstr

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// adoKey is what an ADO.NET key means: its role, and whether only ADO.NET
// strings use it (one of those first means ADO.NET even without a ';').
type adoKey struct {
	role role
	only bool
}

// adoKeys are the ADO.NET keys that matter, lowercase, as go-mssqldb's
// splitConnectionString and adoSynonyms read them (lowercased, white space
// trimmed), plus common keys only ADO.NET strings use. Never modified.
var adoKeys = map[string]adoKey{
	"server":          {roleHost, true},
	"data source":     {roleHost, true},
	"address":         {roleHost, true},
	"addr":            {roleHost, true},
	"network address": {roleHost, true},
	"user id":         {roleUser, true},
	"uid":             {roleUser, true},
	"user":            {roleUser, false},
	"password":        {rolePassword, false},
	"pwd":             {rolePassword, true},
	"database":        {roleDatabase, false},
	"initial catalog": {roleDatabase, true},
	"port":            {rolePort, false},
	"protocol":        {roleProtocol, true},

	"trusted_connection": {roleOther, true}, "integrated security": {roleOther, true},
	"encrypt": {roleOther, true}, "trustservercertificate": {roleOther, true},
	"trust server certificate": {roleOther, true}, "multipleactiveresultsets": {roleOther, true},
	"persist security info": {roleOther, true}, "connection timeout": {roleOther, true},
	"connect timeout": {roleOther, true}, "application name": {roleOther, true}, "app": {roleOther, true},
	"workstation id": {roleOther, true}, "wsid": {roleOther, true}, "failover partner": {roleOther, true},
	"packet size": {roleOther, true}, "multisubnetfailover": {roleOther, true},
	"multi subnet failover": {roleOther, true}, "applicationintent": {roleOther, true},
	"application intent": {roleOther, true}, "column encryption setting": {roleOther, true},
	"pooling": {roleOther, true}, "min pool size": {roleOther, true}, "max pool size": {roleOther, true},
}

// lookupADOKey finds a (trimmed) key the way go-mssqldb does:
// strings.ToLower, then an exact match. ASCII keys are lowercased on the
// stack.
func lookupADOKey(key string) (adoKey, bool) {
	var buf [32]byte
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c >= 0x80 {
			k, ok := adoKeys[strings.ToLower(key)]
			return k, ok
		}
		if i == len(buf) {
			return adoKey{}, false
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	k, ok := adoKeys[string(buf[:len(key)])]
	return k, ok
}

// adoParts calls fn with each ';'-separated part of s, the way go-mssqldb
// splits: a '"' opens or closes a quoted section (where "" is a literal
// quote) and ';' inside one does not separate. It reports whether a quote
// was left open. A trailing ';' yields a last, empty part.
func adoParts(s string, fn func(part string) bool) (unclosed bool) {
	start, inQ := 0, false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			if inQ && i+1 < len(s) && s[i+1] == '"' {
				i++
				continue
			}
			inQ = !inQ
		case ';':
			if inQ {
				continue
			}
			if !fn(s[start:i]) {
				return false
			}
			start = i + 1
		}
	}
	if inQ {
		return true
	}
	fn(s[start:])
	return false
}

// looksLikeADO reports whether s is an ADO.NET string: its first key is one
// only ADO.NET uses (Server=host,1433), or it has key=value parts separated
// by ';' with an ADO.NET key among them, unless it reads as a libpq string
// with a host keyword (user=a;b host=h: a value with ';').
func looksLikeADO(s string) bool {
	hasSemi := strings.IndexByte(s, ';') >= 0
	first, firstOnly, anyKey := true, false, false
	adoParts(s, func(part string) bool {
		eq := strings.IndexByte(part, '=')
		if eq < 0 {
			return true
		}
		key := strings.TrimSpace(part[:eq])
		if key == "" {
			return true
		}
		k, known := lookupADOKey(key)
		if first {
			firstOnly, first = k.only, false
		}
		anyKey = anyKey || known
		return true
	})
	if firstOnly {
		return true
	}
	return hasSemi && anyKey && !kvHasHostKey(s)
}

// adoValue is the value of an ADO.NET part (what follows its '=') as
// go-mssqldb reads it: trimmed, and a value in double quotes unquoted
// with "" read as ".
func adoValue(raw string) string {
	v := strings.TrimSpace(raw)
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = strings.ReplaceAll(v[1:len(v)-1], `""`, `"`)
	}
	return v
}

// parseADO parses an ADO.NET connection string as go-mssqldb does: parts
// split on ';' outside double quotes, key and value trimmed, a value in
// double quotes unquoted with "" read as ", the last occurrence of a key
// winning. Server may carry a tcp: prefix, a \instance and a ,port; a Port
// key also sets the port. Unlike go-mssqldb, a part without '=' and an
// unclosed quote are errors (usually an unquoted ';' in a password).
func (o *Origin) parseADO(s string) error {
	r := &o.raw
	r.src = s
	o.Type, o.Form = SQLServer, ADONet
	r.userLoc, r.passLoc, r.dbLoc = locItem, locItem, locItem
	if !utf8.ValidString(s) {
		return perr("keyword/value", "not valid UTF-8")
	}
	items := make([]item, 0, strings.Count(s, ";")+1)
	hasServer := false
	var err *ParseError
	unclosed := adoParts(s, func(part string) bool {
		it := item{raw: part}
		if strings.TrimSpace(part) == "" {
			it.role = roleBlank
			items = append(items, it)
			return true
		}
		eq := strings.IndexByte(part, '=')
		if eq < 0 {
			err = perr("keyword/value", `a part has no "=": a value that contains ; must be in double quotes, e.g. Password="a;b"`)
			return false
		}
		key := strings.TrimSpace(part[:eq])
		if key == "" {
			err = perr("keyword/value", `a part has no key before "="`)
			return false
		}
		v := adoValue(part[eq+1:])
		// The value starts after '=' and white space, so that a replaced
		// value keeps the spacing: " Server = host".
		it.voff = eq + 1 + (len(part[eq+1:]) - len(strings.TrimLeftFunc(part[eq+1:], unicode.IsSpace)))
		k, _ := lookupADOKey(key)
		it.role = k.role
		switch it.role {
		case roleHost:
			host, port, e := parseADOServer(v)
			if e != nil {
				err = e
				return false
			}
			o.Host, hasServer = host, true
			if port != 0 {
				o.Port = port
			}
		case rolePort:
			p, ok := parsePort(v)
			if !ok {
				err = portError(v)
				return false
			}
			o.Port = p
		case roleUser:
			o.User = v
		case rolePassword:
			o.Password = v
		case roleDatabase:
			o.Database = v
		case roleProtocol:
			if !strings.EqualFold(v, "tcp") {
				err = perr("host", "only the tcp protocol can go through PolyScale: give one TCP host")
				return false
			}
		}
		items = append(items, it)
		return true
	})
	if unclosed {
		return perr("keyword/value", `a double quote is not closed: quote values as "..." and double any " inside`)
	}
	if err != nil {
		return err
	}
	if !hasServer {
		return perr("host", reasonNoHost+" (in ADO.NET: Server=host,port)")
	}
	if o.Port == 0 {
		o.Port = 1433
	}
	r.items = items
	r.host, r.port, r.user, r.password, r.database = o.Host, o.Port, o.User, o.Password, o.Database
	return nil
}

// parseADOServer reads a Server value: [tcp:]host[\instance][,port].
func parseADOServer(v string) (host string, port int, _ *ParseError) {
	switch {
	case hasPrefixFold(v, "tcp:"):
		v = v[4:]
	case hasPrefixFold(v, "np:"), hasPrefixFold(v, "lpc:"), hasPrefixFold(v, "admin:"), hasPrefixFold(v, "via:"),
		strings.HasPrefix(v, `\\`):
		return "", 0, perr("host", "only tcp: connections can go through PolyScale: give one TCP host")
	}
	if c := strings.IndexByte(v, ','); c >= 0 {
		text := v[c+1:]
		if strings.IndexByte(text, ',') >= 0 {
			return "", 0, perr("host", reasonMultiHost)
		}
		p, ok := parsePort(text)
		if !ok {
			return "", 0, portError(text)
		}
		v, port = v[:c], p
	}
	host = v
	if i := strings.IndexByte(v, '\\'); i >= 0 {
		host = v[:i] // a named instance: the edge listens on a fixed port
	}
	switch {
	case host == "":
		return "", 0, perr("host", reasonNoHost)
	case host == "." || strings.EqualFold(host, "(local)"):
		host = "localhost" // go-mssqldb's reading
	case len(host) > 2 && host[0] == '[' && host[len(host)-1] == ']' && strings.IndexByte(host, ':') > 0:
		host = host[1 : len(host)-1]
	}
	if reason := hostProblem(host); reason != "" {
		return "", 0, perr("host", reason)
	}
	return host, port, nil
}

// appendADOValue writes v bare when go-mssqldb and SqlClient read it back
// unchanged, else in double quotes with inner " doubled.
func appendADOValue(b *strings.Builder, v string) {
	quote := strings.IndexByte(v, ';') >= 0 || strings.IndexByte(v, '"') >= 0 ||
		strings.HasPrefix(v, "'") || strings.TrimSpace(v) != v
	appendValue(b, v, quote, '"', '"')
}

func (o *Origin) writeADO(b *strings.Builder, t *target) {
	r := &o.raw
	ch := t.changed(r)

	items := r.items
	var tail *item // a last blank part (a trailing ';'): new pairs go before it
	if k := len(items) - 1; k > 0 && items[k].role == roleBlank {
		tail, items = &items[k], items[:k]
	}
	w := itemWriter{b: b, enc: appendADOValue, sep: func(n int, _ string) {
		if n > 0 {
			b.WriteByte(';')
		}
	}}
	for i := range items {
		it := &items[i]
		if w.changes(it, ch, t) {
			continue
		}
		switch {
		case it.role == roleHost && ch.host:
			w.next(it.sep)
			b.WriteString(it.raw[:it.voff])
			b.WriteString(t.host)
			b.WriteByte(',')
			appendInt(b, t.port)
			continue
		case it.role == rolePort && ch.host:
			continue
		}
		w.keep(it)
	}
	w.addMissing(ch, t, "User ID=", "Password=", "Database=")
	if tail != nil {
		b.WriteByte(';')
		b.WriteString(tail.raw)
	}
}
