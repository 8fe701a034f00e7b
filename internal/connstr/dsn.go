package connstr

import (
	"errors"
	"net"
	"net/url"
	"strings"
)

// looksLikeDSN reports whether s has the shape go-sql-driver/mysql's
// ParseDSN reads, [user[:password]@][net[(addr)]]/dbname[?params]: split at
// the last '/', then at the last '@' before it, with net an identifier.
// It must have an '@' (and a user name without '=', ';' or white space, which
// mark keyword/value and ADO.NET strings) or start with tcp( or unix(.
func looksLikeDSN(s string) bool {
	slash := strings.LastIndexByte(s, '/')
	if slash < 0 {
		return false
	}
	left := s[:slash]
	at := strings.LastIndexByte(left, '@')
	netaddr := left[at+1:]
	if at < 0 {
		return hasPrefixFold(netaddr, "tcp(") || hasPrefixFold(netaddr, "unix(")
	}
	user := left[:at]
	if c := strings.IndexByte(user, ':'); c >= 0 {
		user = user[:c]
	}
	for i := 0; i < len(user); i++ {
		if c := user[i]; c == '=' || c == ';' || asciiSpace[c] {
			return false
		}
	}
	name := netaddr
	if p := strings.IndexByte(netaddr, '('); p >= 0 {
		name = netaddr[:p]
	} else if netaddr != "" && !isNetName(netaddr) {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func isNetName(s string) bool {
	return strings.EqualFold(s, "tcp") || strings.EqualFold(s, "tcp4") || strings.EqualFold(s, "tcp6") ||
		strings.EqualFold(s, "unix")
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// parseDSN parses a Go MySQL driver DSN with ParseDSN's grammar. The user
// name and password are taken as written (the driver does not decode them),
// the database name is path-unescaped, the parameters are kept as written.
// No address means the driver's default, 127.0.0.1:3306.
func (o *Origin) parseDSN(s string) error {
	r := &o.raw
	r.src = s
	o.Type, o.Form = MySQL, MySQLDSN
	r.userLoc, r.passLoc, r.dbLoc = locUserinfo, locUserinfo, locPath

	slash := strings.LastIndexByte(s, '/')
	left, rest := s[:slash], s[slash+1:]
	at := strings.LastIndexByte(left, '@')
	netaddr := left[at+1:]
	if at >= 0 {
		ui := left[:at]
		r.hasUserinfo, r.userRaw = true, ui
		if c := strings.IndexByte(ui, ':'); c >= 0 {
			r.userRaw, r.passRaw, r.hasPass = ui[:c], ui[c+1:], true
		}
	}
	r.dsnNet = netaddr
	if p := strings.IndexByte(netaddr, '('); p >= 0 {
		if !strings.HasSuffix(netaddr, ")") {
			if strings.IndexByte(netaddr[p+1:], ')') >= 0 {
				return perr("database", "the last / of a Go MySQL DSN must come just before the database name: "+
					"percent-encode / in the database name and parameters as %2F")
			}
			return perr("host", "the address in tcp(...) has no closing )")
		}
		r.dsnNet, r.hostRaw, r.dsnParens = netaddr[:p], netaddr[p+1:len(netaddr)-1], true
	}
	switch r.dsnNet {
	case "", "tcp":
	case "unix":
		return perr("host", reasonSocket)
	default:
		return perr("host", "only tcp(host:port) addresses are supported: PolyScale needs one TCP host")
	}

	r.dsnDB = rest
	if q := strings.IndexByte(rest, '?'); q >= 0 {
		r.dsnDB, r.dsnQuery = rest[:q], rest[q:]
	}
	db, err := url.PathUnescape(r.dsnDB)
	if err != nil {
		return perr("database", reasonBadEscape)
	}
	o.Database = db

	// The address, read as the driver's ensureHavePort does.
	o.Host, o.Port = "127.0.0.1", 3306
	if addr := r.hostRaw; addr != "" {
		if host, port, err := net.SplitHostPort(addr); err == nil {
			p, ok := parsePort(port)
			if !ok {
				return portError(port)
			}
			o.Host, o.Port = host, p
		} else if addr[0] == '[' {
			return perr("host", "a bracketed IPv6 address needs a port: write tcp([2001:db8::1]:3306)")
		} else {
			o.Host = addr
		}
		if reason := hostProblem(o.Host); reason != "" {
			return perr("host", reason)
		}
	}
	o.User, o.Password = r.userRaw, r.passRaw
	r.host, r.port, r.user, r.password, r.database = o.Host, o.Port, o.User, o.Password, o.Database
	return nil
}

var errDSNUserColon = errors.New("connstr: a Go MySQL DSN cannot carry ':' in the user name")

func (o *Origin) writeDSN(b *strings.Builder, t *target) error {
	r := &o.raw
	ch := t.changed(r)

	user, pass, hasPass := r.userRaw, r.passRaw, r.hasPass
	if ch.user {
		// The driver splits user and password at the first ':'.
		switch {
		case strings.IndexByte(t.user, ':') < 0:
			user = t.user
		case t.rewrite:
			return errDSNUserColon
		}
	}
	if ch.password {
		pass, hasPass = t.password, hasPass || t.password != ""
	}
	if r.hasUserinfo || user != "" || hasPass {
		b.WriteString(user)
		if hasPass {
			b.WriteByte(':')
			b.WriteString(pass)
		}
		b.WriteByte('@')
	}
	if ch.host {
		b.WriteString("tcp(")
		appendHostPort(b, t.host, t.port, false)
		b.WriteByte(')')
	} else {
		b.WriteString(r.dsnNet)
		if r.dsnParens {
			b.WriteByte('(')
			b.WriteString(r.hostRaw)
			b.WriteByte(')')
		}
	}
	b.WriteByte('/')
	if ch.database {
		appendEscaped(b, t.database)
	} else {
		b.WriteString(r.dsnDB)
	}
	b.WriteString(r.dsnQuery)
	return nil
}
