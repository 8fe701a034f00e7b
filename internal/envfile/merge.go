package envfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/cachelink/cachelink/internal/clierr"
)

// MergeResult reports what [Merge] did.
type MergeResult struct {
	Created              bool     // the file did not exist
	Replaced             []string // keys that existed and were replaced, in the order given
	Added                []string // keys appended, in the order given
	PermissionsTightened bool     // the existing file was group/world readable; the new one is 0600
}

// rename is os.Rename; tests replace it to fail the last step of a write.
var rename = os.Rename

// Merge merges entries into the .env file at path.
//
// For each entry, the first definition of its key in the file (KEY=...,
// export KEY=..., with optional spaces around =) is replaced in place, an
// export prefix and indentation are kept, and later definitions of the same
// key are dropped. A quoted value that continues over several lines counts
// as one definition, replaced or dropped as a whole. Keys not in the file
// are appended in the order given. Every other line is kept byte for byte,
// including CRLF line endings (new lines then use CRLF too) and a missing
// final newline (one is added before appending).
//
// The file is rewritten atomically: a temporary file with mode 0600 is
// written and synced in the same directory, then renamed over path. On any
// error the original file is left untouched. The result always has mode
// 0600. If the file does not exist it is created, but its directory is not.
//
// Merge refuses, with an error wrapping [ErrSymlink], to write through a
// symbolic link, and with one wrapping [ErrNotRegular] to write to a
// directory or other non-regular file. Invalid entries (see [Line] and
// [Format]) are rejected before the disk is touched.
func Merge(path string, entries []Entry) (MergeResult, error) {
	var res MergeResult
	lines, err := formatEntries(entries)
	if err != nil {
		return res, err
	}

	old, info, err := readExisting(path)
	if err != nil {
		return res, err
	}
	if info == nil {
		res.Created = true
	} else {
		res.PermissionsTightened = info.Mode().Perm()&0o077 != 0
	}

	content, found := merge(old, entries, lines)
	for i, e := range entries {
		if found[i] {
			res.Replaced = append(res.Replaced, e.Key)
		} else {
			res.Added = append(res.Added, e.Key)
		}
	}

	if err := writeAtomic(path, content); err != nil {
		return MergeResult{}, err
	}
	return res, nil
}

// readExisting returns the contents and Lstat info of the file at path, or
// nil info if it does not exist (after checking that its directory does).
func readExisting(path string) ([]byte, fs.FileInfo, error) {
	info, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		dir := filepath.Dir(path)
		d, err := os.Stat(dir)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, nil, clierr.Hinted(&quiet{fmt.Sprintf("cannot create %s: directory %s does not exist", path, dir), err},
					fmt.Sprintf("Create the directory %s first, or pass a path in an existing one.", dir))
			}
			return nil, nil, fmt.Errorf("cannot create %s: %w", path, err)
		}
		if !d.IsDir() {
			return nil, nil, clierr.Hinted(fmt.Errorf("cannot create %s: %s is not a directory", path, dir),
				"Pass a path in an existing directory.")
		}
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("cannot check %s: %w", path, err)
	}
	switch mode := info.Mode(); {
	case mode&fs.ModeSymlink != 0:
		return nil, nil, clierr.Hinted(fmt.Errorf("%w: %s is a symlink, and cachelink does not write secrets through links", ErrSymlink, path),
			"Pass the path of the real file instead.")
	case mode.IsDir():
		return nil, nil, clierr.Hinted(fmt.Errorf("%w: %s is a directory", ErrNotRegular, path),
			fmt.Sprintf("Pass the path of a .env file, such as %s.", filepath.Join(path, ".env")))
	case !mode.IsRegular():
		return nil, nil, clierr.Hinted(fmt.Errorf("%w: %s is a %s", ErrNotRegular, path, describeMode(mode)),
			"Pass the path of a regular .env file.")
	}

	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	defer f.Close()
	// os.Open follows symlinks: make sure we opened the file we checked,
	// not something swapped in since.
	if fi, err := f.Stat(); err != nil || !os.SameFile(info, fi) {
		return nil, nil, clierr.Hinted(fmt.Errorf("%s changed while it was being read", path), "Run the command again.")
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	return data, info, nil
}

func describeMode(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0:
		return "device"
	}
	return "special file (mode " + m.String() + ")"
}

// writeAtomic replaces path with content, mode 0600, via a synced temporary
// file in the same directory. On error it removes the temporary file and
// path is untouched.
func writeAtomic(path, content string) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("cannot write %s: cannot create a temporary file in %s (the directory must be writable): %w", path, dir, err)
	}
	tmpName := tmp.Name()
	defer func() {
		if err != nil {
			tmp.Close() // may already be closed; the error is irrelevant then
			os.Remove(tmpName)
		}
	}()
	fail := func(err error) error {
		return fmt.Errorf("cannot write %s; it was left unchanged: %w", path, err)
	}
	// CreateTemp already uses 0600; set it explicitly before any secret is
	// written, so nothing else can ever widen it.
	if err := tmp.Chmod(0o600); err != nil {
		return fail(err)
	}
	if _, err := tmp.WriteString(content); err != nil {
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		return fail(err)
	}
	// Rename replaces path itself: if path was swapped for a symlink since
	// it was checked, the link is replaced, its target is not written.
	if err := rename(tmpName, path); err != nil {
		return fmt.Errorf("cannot replace %s; it was left unchanged: %w", path, err)
	}
	// Make the rename durable. Best effort: the file is in place already,
	// and syncing a directory is not supported everywhere (Windows).
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// line is one physical line of a file: text without its terminator, and the
// terminator ("\n", "\r\n", or "" for a last line without one).
type line struct{ text, eol string }

func splitLines(s string) []line {
	var lines []line
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			lines = append(lines, line{text: s})
			break
		}
		text, eol := s[:i], "\n"
		if strings.HasSuffix(text, "\r") {
			text, eol = text[:len(text)-1], "\r\n"
		}
		lines = append(lines, line{text, eol})
		s = s[i+1:]
	}
	return lines
}

// merge returns old with entries (formatted as formatted) merged in, and
// which entries were found in old.
func merge(old []byte, entries []Entry, formatted []string) (string, []bool) {
	lines := splitLines(string(old))
	// New lines use the file's line ending: CRLF if most lines end in CRLF.
	crlf := 0
	for _, l := range lines {
		switch l.eol {
		case "\r\n":
			crlf++
		case "\n":
			crlf--
		}
	}
	eol := "\n"
	if crlf > 0 {
		eol = "\r\n"
	}
	index := make(map[string]int, len(entries))
	for i, e := range entries {
		index[e.Key] = i
	}
	found := make([]bool, len(entries))

	var b strings.Builder
	b.Grow(len(old) + 128*len(entries))
	for i := 0; i < len(lines); {
		end := i + 1
		a, ok := parseAssignment(lines[i].text)
		if ok {
			end = blockEnd(lines, i, a.value)
			if k, ours := index[a.key]; ours {
				if !found[k] {
					found[k] = true
					b.WriteString(a.prefix + formatted[k] + lines[end-1].eol)
				} // else: a later duplicate, dropped
				i = end
				continue
			}
		}
		for ; i < end; i++ {
			b.WriteString(lines[i].text + lines[i].eol)
		}
	}

	appended := false
	for k := range entries {
		if found[k] {
			continue
		}
		if !appended && b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
			b.WriteString(eol)
		}
		appended = true
		b.WriteString(formatted[k] + eol)
	}
	return b.String(), found
}

type assignment struct {
	prefix string // what precedes the key: BOM, indentation, "export "
	key    string
	value  string // the rest of the line after = and spaces
}

// parseAssignment recognises `KEY=value` and `export KEY=value`, with
// optional leading spaces and spaces around =, as dotenv parsers do.
// Comments, blank lines and anything else are not assignments.
func parseAssignment(text string) (assignment, bool) {
	i := 0
	if strings.HasPrefix(text, "\uFEFF") { // a UTF-8 BOM on the first line
		i = len("\uFEFF")
	}
	i += spaces(text[i:])
	prefix := text[:i]
	if rest := text[i:]; strings.HasPrefix(rest, "export") {
		if n := spaces(rest[len("export"):]); n > 0 {
			j := i + len("export") + n
			if j < len(text) && text[j] != '=' { // not a key named "export"
				i, prefix = j, prefix+"export "
			}
		}
	}
	start := i
	for i < len(text) && strings.IndexByte(" \t=#", text[i]) < 0 {
		i++
	}
	key := text[start:i]
	i += spaces(text[i:])
	if key == "" || i >= len(text) || text[i] != '=' {
		return assignment{}, false
	}
	i++
	i += spaces(text[i:])
	return assignment{prefix: prefix, key: key, value: text[i:]}, true
}

func spaces(s string) int {
	n := 0
	for n < len(s) && (s[n] == ' ' || s[n] == '\t') {
		n++
	}
	return n
}

// blockEnd returns the index after the last line of the definition that
// starts at lines[i] with value. A value that opens a quote (' or ") not
// closed on its line continues until the line that closes it. Inside "...",
// a backslash escapes the next character; inside '...' nothing is escaped,
// as in sh. A quote never closed before the end of the file is taken as a
// one-line value, as node dotenv and python-dotenv do.
func blockEnd(lines []line, i int, value string) int {
	if value == "" || (value[0] != '\'' && value[0] != '"') {
		return i + 1
	}
	q := value[0]
	if closes(value[1:], q) {
		return i + 1
	}
	for j := i + 1; j < len(lines); j++ {
		if closes(lines[j].text, q) {
			return j + 1
		}
	}
	return i + 1
}

// closes reports whether s contains the closing quote q. An escape at the
// end of a line escapes the line break, so each line starts unescaped.
func closes(s string, q byte) bool {
	for k := 0; k < len(s); k++ {
		switch {
		case s[k] == q:
			return true
		case s[k] == '\\' && q == '"':
			k++
		}
	}
	return false
}

// quiet is an error whose message says all (the cause's own text would
// repeat it) and that keeps the cause for errors.Is.
type quiet struct {
	msg   string
	cause error
}

func (e *quiet) Error() string { return e.msg }
func (e *quiet) Unwrap() error { return e.cause }
