// Package envfile writes database connection strings as .env lines and merges
// them into a user's .env file.
//
// It exists because the values are secrets (they carry database passwords)
// and a .env file is a file the user edits by hand. Appending with a shell
// redirect leaves duplicate keys behind, a text editor's idea of quoting does
// not match what dotenv libraries and `source .env` read, and a plain
// os.WriteFile can leave a password world-readable or, on failure, a
// half-written file. This package does the one careful thing instead:
// `cachelink connstr --format env` prints lines from [Format], and
// `--write-env FILE` calls [Merge], which replaces the keys it writes, keeps
// every other byte of the file as it was, never follows a symlink, and
// replaces the file atomically with mode 0600.
//
// Error messages name keys and paths but never contain a value.
package envfile

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors, for mapping to exit codes with errors.Is. The errors
// returned wrap them and add what was wrong and what to do about it.
var (
	// ErrSymlink: the target path is a symbolic link, which Merge refuses to
	// follow.
	ErrSymlink = errors.New("refusing to follow a symbolic link")
	// ErrNotRegular: the target path is a directory, device, pipe or socket.
	ErrNotRegular = errors.New("not a regular file")
	// ErrInvalidKey: an entry's key is not a valid variable name, or the
	// same key was given twice.
	ErrInvalidKey = errors.New("invalid variable name")
	// ErrInvalidValue: an entry's value contains a line break or NUL byte,
	// which no .env line can hold.
	ErrInvalidValue = errors.New("invalid value")
)

// Entry is one variable to write: Key=Value.
type Entry struct{ Key, Value string }

// ValidKey reports whether k is a valid variable name: ^[A-Za-z_][A-Za-z0-9_]*$.
// Only such names are both valid shell variables and portable across dotenv
// parsers.
func ValidKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case c == '_', 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// Line formats one entry as a dotenv line (no trailing newline).
//
// The value is written bare when it only contains characters safe both for
// dotenv parsers (node dotenv, godotenv, python-dotenv, docker compose) and
// for `source .env` in a POSIX shell: [A-Za-z0-9_./:@%+=,-]. An empty value
// is written as an empty single-quoted string. Any other value is
// single-quoted, which is literal in dotenv parsers and in sh. A value that
// itself contains a single quote is double-quoted with \\ \" \$ and \`
// escaped; sh and godotenv read that back exactly. For example:
//
//	DATABASE_URL=postgres://app:pw@db.example.com:5432/app
//	EMPTY=''
//	DATABASE_URL='postgres://app:pw@db.example.com/app?sslmode=require'
//	PGPASSWORD="it's \$ecret"
//
// Known differences between parsers, none of which a connection string is
// expected to hit: python-dotenv turns \\ into \ inside single quotes, and in
// the double-quoted form node dotenv keeps the escaping backslashes and
// python-dotenv keeps the ones before $ and `.
//
// Line returns an error wrapping [ErrInvalidKey] if the key is not
// [ValidKey], and one wrapping [ErrInvalidValue] if the value contains a
// newline, carriage return or NUL byte.
func Line(e Entry) (string, error) {
	if err := checkEntry(e); err != nil {
		return "", err
	}
	return e.Key + "=" + quote(e.Value), nil
}

// Format returns the lines for entries, each ending in "\n". It fails, and
// returns no output, if any entry is invalid (see [Line]) or a key is given
// twice.
func Format(entries []Entry) (string, error) {
	lines, err := formatEntries(entries)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String(), nil
}

// formatEntries validates all entries, rejects duplicate keys, and returns
// their lines in order.
func formatEntries(entries []Entry) ([]string, error) {
	lines := make([]string, len(entries))
	seen := make(map[string]bool, len(entries))
	for i, e := range entries {
		l, err := Line(e)
		if err != nil {
			return nil, err
		}
		if seen[e.Key] {
			return nil, fmt.Errorf("%w %s: the key is given twice; give each key once", ErrInvalidKey, e.Key)
		}
		seen[e.Key] = true
		lines[i] = l
	}
	return lines, nil
}

func checkEntry(e Entry) error {
	if !ValidKey(e.Key) {
		return fmt.Errorf("%w %q: use only letters, digits and underscores, not starting with a digit", ErrInvalidKey, e.Key)
	}
	// The message names the key only: the value is a secret.
	if strings.ContainsAny(e.Value, "\n\r\x00") {
		return fmt.Errorf("%w for %s: it contains a line break or NUL byte, which a .env line cannot hold", ErrInvalidValue, e.Key)
	}
	return nil
}

func quote(v string) string {
	switch {
	case v == "":
		return "''"
	case isBare(v):
		return v
	case !strings.Contains(v, "'"):
		return "'" + v + "'"
	}
	var b strings.Builder
	b.Grow(len(v) + 8)
	b.WriteByte('"')
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '\\', '"', '$', '`':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// isBare reports whether v only contains [A-Za-z0-9_./:@%+=,-]: characters
// that neither a dotenv parser nor sh treats specially in an unquoted value.
func isBare(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case strings.IndexByte("_./:@%+=,-", c) >= 0:
		default:
			return false
		}
	}
	return true
}
