package envfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/cachelink/cachelink/internal/clierr"
)

const newURL = "postgres://app:n3w-pw@db.example.com:5432/app"

// TestMergeRewritesOnlyTheKeysItWrites documents the line-level rules: each
// case is an existing file, the entries merged into it, and the exact bytes
// that result.
func TestMergeRewritesOnlyTheKeysItWrites(t *testing.T) {
	t.Parallel()
	db := []Entry{{"DATABASE_URL", newURL}}
	for _, tc := range []struct {
		name     string
		old      string
		entries  []Entry
		want     string
		replaced []string
		added    []string
	}{
		{
			name:     "same key replaced in place",
			old:      "A=1\nDATABASE_URL=postgres://old\nB=2\n",
			entries:  db,
			want:     "A=1\nDATABASE_URL=" + newURL + "\nB=2\n",
			replaced: []string{"DATABASE_URL"},
		},
		{
			name: "comments, blank lines, other keys and export prefixes kept byte for byte",
			old: "# Database settings\r\n" + // one CRLF line in an LF file: kept, new lines use LF
				"APP_NAME=myapp   # trailing comment\n" +
				"\n" +
				"\t\n" +
				"export SECRET_KEY='abc def'\n" +
				"  # indented comment mentioning DATABASE_URL=old\n" +
				"DATABASE_URL_OLD=not-the-same-key\n" +
				"OTHER = \"keep me\"\n" +
				"not an assignment at all\n",
			entries: db,
			want: "# Database settings\r\n" +
				"APP_NAME=myapp   # trailing comment\n" +
				"\n" +
				"\t\n" +
				"export SECRET_KEY='abc def'\n" +
				"  # indented comment mentioning DATABASE_URL=old\n" +
				"DATABASE_URL_OLD=not-the-same-key\n" +
				"OTHER = \"keep me\"\n" +
				"not an assignment at all\n" +
				"DATABASE_URL=" + newURL + "\n",
			added: []string{"DATABASE_URL"},
		},
		{
			name:     "export prefix and indentation of a replaced line kept",
			old:      "  export\tDATABASE_URL=old\n",
			entries:  db,
			want:     "  export DATABASE_URL=" + newURL + "\n",
			replaced: []string{"DATABASE_URL"},
		},
		{
			name:     "spaces around = tolerated",
			old:      "DATABASE_URL =  old\n",
			entries:  db,
			want:     "DATABASE_URL=" + newURL + "\n",
			replaced: []string{"DATABASE_URL"},
		},
		{
			name:     "later duplicate definitions dropped",
			old:      "DATABASE_URL=first\nA=1\nexport DATABASE_URL=second\nDATABASE_URL = third\nB=2\n",
			entries:  db,
			want:     "DATABASE_URL=" + newURL + "\nA=1\nB=2\n",
			replaced: []string{"DATABASE_URL"},
		},
		{
			name: "multi-line double-quoted value replaced as a whole",
			old: "A=1\n" +
				"DATABASE_URL=\"postgres://old\n" +
				"  with an escaped \\\" quote\n" +
				"  end\" # comment\n" +
				"B=2\n",
			entries:  db,
			want:     "A=1\nDATABASE_URL=" + newURL + "\nB=2\n",
			replaced: []string{"DATABASE_URL"},
		},
		{
			name: "multi-line single-quoted duplicate dropped as a whole",
			old: "DATABASE_URL=old\n" +
				"DATABASE_URL='line one\n" +
				"line two\n" +
				"'\n" +
				"B=2\n",
			entries:  db,
			want:     "DATABASE_URL=" + newURL + "\nB=2\n",
			replaced: []string{"DATABASE_URL"},
		},
		{
			name: "a key inside another variable's multi-line value is not a definition",
			old: "CERT=\"-----BEGIN-----\n" +
				"DATABASE_URL=this is part of CERT\n" +
				"-----END-----\"\n",
			entries: db,
			want: "CERT=\"-----BEGIN-----\n" +
				"DATABASE_URL=this is part of CERT\n" +
				"-----END-----\"\n" +
				"DATABASE_URL=" + newURL + "\n",
			added: []string{"DATABASE_URL"},
		},
		{
			name:     "a quote never closed is a one-line value",
			old:      "DATABASE_URL=\"old\nB=2\n",
			entries:  db,
			want:     "DATABASE_URL=" + newURL + "\nB=2\n",
			replaced: []string{"DATABASE_URL"},
		},
		{
			name:    "no final newline: one is added before appending",
			old:     "A=1",
			entries: db,
			want:    "A=1\nDATABASE_URL=" + newURL + "\n",
			added:   []string{"DATABASE_URL"},
		},
		{
			name:     "no final newline: still none when the last line is replaced",
			old:      "A=1\nDATABASE_URL=old",
			entries:  db,
			want:     "A=1\nDATABASE_URL=" + newURL,
			replaced: []string{"DATABASE_URL"},
		},
		{
			name:     "CRLF file: CRLF kept, new lines written with CRLF",
			old:      "# comment\r\nDATABASE_URL=\"old\r\nvalue\"\r\nA=1\r\n",
			entries:  []Entry{{"DATABASE_URL", newURL}, {"REDIS_URL", "redis://h:6379"}},
			want:     "# comment\r\nDATABASE_URL=" + newURL + "\r\nA=1\r\nREDIS_URL=redis://h:6379\r\n",
			replaced: []string{"DATABASE_URL"},
			added:    []string{"REDIS_URL"},
		},
		{
			name:    "CRLF file without final newline",
			old:     "A=1\r\nB=2",
			entries: db,
			want:    "A=1\r\nB=2\r\nDATABASE_URL=" + newURL + "\r\n",
			added:   []string{"DATABASE_URL"},
		},
		{
			name:     "UTF-8 byte order mark kept",
			old:      "\uFEFFDATABASE_URL=old\n",
			entries:  db,
			want:     "\uFEFFDATABASE_URL=" + newURL + "\n",
			replaced: []string{"DATABASE_URL"},
		},
		{
			name:    "empty file",
			old:     "",
			entries: db,
			want:    "DATABASE_URL=" + newURL + "\n",
			added:   []string{"DATABASE_URL"},
		},
		{
			name: "new keys appended in the order given; results in the order given",
			old:  "B=old\nA=old\n",
			entries: []Entry{
				{"A", "new-a"}, {"Z", "new-z"}, {"B", "new b"}, {"Y", "new-y"},
			},
			want:     "B='new b'\nA=new-a\nZ=new-z\nY=new-y\n",
			replaced: []string{"A", "B"},
			added:    []string{"Z", "Y"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), ".env")
			writeFile(t, path, tc.old, 0o600)

			res, err := Merge(path, tc.entries)
			if err != nil {
				t.Fatalf("Merge: %v", err)
			}
			if got := readFile(t, path); got != tc.want {
				t.Errorf("file after Merge:\n got: %q\nwant: %q", got, tc.want)
			}
			if res.Created || res.PermissionsTightened {
				t.Errorf("Created=%v PermissionsTightened=%v, want both false", res.Created, res.PermissionsTightened)
			}
			if !slices.Equal(res.Replaced, tc.replaced) || !slices.Equal(res.Added, tc.added) {
				t.Errorf("Replaced=%q Added=%q, want %q and %q", res.Replaced, res.Added, tc.replaced, tc.added)
			}

			// Merging the same entries again changes nothing.
			if _, err := Merge(path, tc.entries); err != nil {
				t.Fatalf("second Merge: %v", err)
			}
			if got := readFile(t, path); got != tc.want {
				t.Errorf("second Merge changed the file:\n got: %q\nwant: %q", got, tc.want)
			}
		})
	}
}

func TestMergeCreatesAMissingFileWithMode0600(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), ".env")
	res, err := Merge(path, []Entry{{"DATABASE_URL", newURL}, {"PGPASSWORD", "n3w pw"}})
	if err != nil {
		t.Fatal(err)
	}
	want := MergeResult{Created: true, Added: []string{"DATABASE_URL", "PGPASSWORD"}}
	if !res.Created || res.Replaced != nil || !slices.Equal(res.Added, want.Added) || res.PermissionsTightened {
		t.Errorf("result = %+v, want %+v", res, want)
	}
	if got := readFile(t, path); got != "DATABASE_URL="+newURL+"\nPGPASSWORD='n3w pw'\n" {
		t.Errorf("file = %q", got)
	}
	assertMode(t, path, 0o600)
	assertOnlyFiles(t, filepath.Dir(path), ".env")
}

func TestMergedFileCanBeSourcedByAShell(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), ".env")
	writeFile(t, path, "# app\nexport DATABASE_URL='old'\nA=1\n", 0o600)
	value := "postgres://u:it's $ecret`x`\\@h/db?sslmode=require"
	if _, err := Merge(path, []Entry{{"DATABASE_URL", value}}); err != nil {
		t.Fatal(err)
	}
	if got := sourceInShell(t, readFile(t, path), "DATABASE_URL"); got != value {
		t.Errorf("sh read DATABASE_URL as %q, want %q", got, value)
	}
}

func TestMergeTightensPermissionsTo0600(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("Unix permission bits do not apply on Windows")
	}
	for _, tc := range []struct {
		old       fs.FileMode
		tightened bool
	}{
		{0o644, true},
		{0o640, true},
		{0o604, true},
		{0o600, false},
		{0o400, false},
	} {
		path := filepath.Join(t.TempDir(), ".env")
		writeFile(t, path, "A=1\n", tc.old)
		res, err := Merge(path, []Entry{{"DATABASE_URL", newURL}})
		if err != nil {
			t.Fatalf("mode %04o: %v", tc.old, err)
		}
		if res.PermissionsTightened != tc.tightened {
			t.Errorf("mode %04o: PermissionsTightened = %v, want %v", tc.old, res.PermissionsTightened, tc.tightened)
		}
		assertMode(t, path, 0o600)
	}
}

func TestMergeRefusesSymlinks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	target := filepath.Join(dir, "real.env")
	writeFile(t, target, "DATABASE_URL=old\n", 0o644)
	link := filepath.Join(dir, ".env")
	symlink(t, target, link)

	_, err := Merge(link, []Entry{{"DATABASE_URL", newURL}})
	if !errors.Is(err, ErrSymlink) {
		t.Fatalf("Merge through a symlink: err = %v, want ErrSymlink", err)
	}
	if !strings.Contains(err.Error(), link) || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("message %q should name %s and say it refuses to follow symbolic links", err, link)
	}
	if got := readFile(t, target); got != "DATABASE_URL=old\n" {
		t.Errorf("symlink target was modified: %q", got)
	}
	assertMode(t, target, 0o644)
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("the symlink itself was replaced or removed (%v)", err)
	}
	assertOnlyFiles(t, dir, ".env", "real.env")

	// A dangling link is refused too; its target is not created.
	missing := filepath.Join(dir, "missing.env")
	dangling := filepath.Join(dir, "dangling")
	symlink(t, missing, dangling)
	if _, err := Merge(dangling, []Entry{{"DATABASE_URL", newURL}}); !errors.Is(err, ErrSymlink) {
		t.Errorf("Merge through a dangling symlink: err = %v, want ErrSymlink", err)
	}
	if _, err := os.Lstat(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the dangling symlink's target was created")
	}
}

func TestMergeRefusesADirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := Merge(dir, []Entry{{"DATABASE_URL", newURL}})
	if !errors.Is(err, ErrNotRegular) {
		t.Fatalf("err = %v, want ErrNotRegular", err)
	}
	if !strings.Contains(err.Error(), "directory") {
		t.Errorf("message %q should say the path is a directory", err)
	}
	assertOnlyFiles(t, dir)
}

func TestMergeDoesNotCreateDirectories(t *testing.T) {
	t.Parallel()
	missingDir := filepath.Join(t.TempDir(), "config")
	_, err := Merge(filepath.Join(missingDir, ".env"), []Entry{{"DATABASE_URL", newURL}})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v, want one wrapping fs.ErrNotExist", err)
	}
	// What happened in the message, what to do in the hint on its own line.
	if !strings.Contains(err.Error(), missingDir) || strings.Contains(err.Error(), "create it") ||
		!strings.Contains(clierr.HintOf(err), "Create the directory "+missingDir) {
		t.Errorf("message %q (hint %q) should name the missing directory, and the hint say to create it", err, clierr.HintOf(err))
	}
	if _, err := os.Stat(missingDir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Merge created the directory")
	}
}

func TestMergeRejectsInvalidEntriesBeforeTouchingTheDisk(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	existing := filepath.Join(dir, "existing.env")
	writeFile(t, existing, "A=1\n", 0o644)
	missing := filepath.Join(dir, "missing.env")

	for _, tc := range []struct {
		entries []Entry
		want    error
	}{
		{[]Entry{{"DATABASE_URL", newURL}, {"BAD-KEY", "x"}}, ErrInvalidKey},
		{[]Entry{{"DATABASE_URL", newURL}, {"DATABASE_URL", newURL}}, ErrInvalidKey},
		{[]Entry{{"DATABASE_URL", "two\nlines"}}, ErrInvalidValue},
	} {
		for _, path := range []string{existing, missing} {
			if _, err := Merge(path, tc.entries); !errors.Is(err, tc.want) {
				t.Errorf("Merge(%s, %q): err = %v, want %v", filepath.Base(path), tc.entries, err, tc.want)
			}
		}
	}
	if got := readFile(t, existing); got != "A=1\n" {
		t.Errorf("existing file changed: %q", got)
	}
	if runtime.GOOS != "windows" {
		assertMode(t, existing, 0o644)
	}
	assertOnlyFiles(t, dir, "existing.env")
}

func TestMergeLeavesTheOriginalUntouchedWhenTheDirectoryIsReadOnly(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("directory permission bits do not apply on Windows")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, ".env")
	writeFile(t, path, "DATABASE_URL=old\n", 0o644)
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o700) })
	if f, err := os.CreateTemp(dir, "probe"); err == nil {
		f.Close()
		os.Remove(f.Name())
		t.Skip("a read-only directory is still writable here (running as root?), so CreateTemp cannot be made to fail this way; TestMergeLeavesTheOriginalUntouchedWhenRenameFails covers the failure path")
	}

	_, err := Merge(path, []Entry{{"DATABASE_URL", newURL}})
	if err == nil {
		t.Fatal("Merge succeeded in a read-only directory")
	}
	if !strings.Contains(err.Error(), "writable") {
		t.Errorf("message %q should say the directory must be writable", err)
	}
	if got := readFile(t, path); got != "DATABASE_URL=old\n" {
		t.Errorf("original changed: %q", got)
	}
	assertMode(t, path, 0o644)
	assertOnlyFiles(t, dir, ".env")
}

// Not parallel: it replaces the package's rename function.
func TestMergeLeavesTheOriginalUntouchedWhenRenameFails(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, ".env")
	writeFile(t, path, "DATABASE_URL=old\n", 0o644)

	errRename := errors.New("injected rename failure")
	var tmpSeen string
	rename = func(oldpath, newpath string) error {
		tmpSeen = readFile(t, oldpath) // the temp file is complete at this point
		return errRename
	}
	t.Cleanup(func() { rename = os.Rename })

	_, err := Merge(path, []Entry{{"DATABASE_URL", newURL}})
	if !errors.Is(err, errRename) {
		t.Fatalf("err = %v, want the rename error wrapped", err)
	}
	if !strings.Contains(err.Error(), "left unchanged") {
		t.Errorf("message %q should say the file was left unchanged", err)
	}
	if tmpSeen != "DATABASE_URL="+newURL+"\n" {
		t.Errorf("temp file before rename = %q", tmpSeen)
	}
	if got := readFile(t, path); got != "DATABASE_URL=old\n" {
		t.Errorf("original changed: %q", got)
	}
	if runtime.GOOS != "windows" {
		assertMode(t, path, 0o644)
	}
	assertOnlyFiles(t, dir, ".env") // the temp file was removed
}

// Not parallel: it replaces the package's rename function.
func TestErrorMessagesNeverContainTheValue(t *testing.T) {
	const secret = "hunter2-s3cret"
	value := "postgres://app:" + secret + "@db.example.com/app"
	dir := t.TempDir()
	regular := filepath.Join(dir, ".env")
	writeFile(t, regular, "DATABASE_URL=postgres://app:"+secret+"@old/app\n", 0o600)
	link := filepath.Join(dir, "link.env")
	haveSymlink := os.Symlink(regular, link) == nil

	cases := map[string]func() error{
		"invalid key": func() error {
			_, err := Merge(regular, []Entry{{"BAD KEY", value}})
			return err
		},
		"invalid value": func() error {
			_, err := Merge(regular, []Entry{{"DATABASE_URL", value + "\n"}})
			return err
		},
		"duplicate key": func() error {
			_, err := Merge(regular, []Entry{{"DATABASE_URL", value}, {"DATABASE_URL", value}})
			return err
		},
		"directory": func() error {
			_, err := Merge(dir, []Entry{{"DATABASE_URL", value}})
			return err
		},
		"missing directory": func() error {
			_, err := Merge(filepath.Join(dir, "nope", ".env"), []Entry{{"DATABASE_URL", value}})
			return err
		},
		"rename fails": func() error {
			rename = func(string, string) error { return errors.New("injected") }
			defer func() { rename = os.Rename }()
			_, err := Merge(regular, []Entry{{"DATABASE_URL", value}})
			return err
		},
	}
	if haveSymlink {
		cases["symlink"] = func() error {
			_, err := Merge(link, []Entry{{"DATABASE_URL", value}})
			return err
		}
	}
	for name, run := range cases {
		err := run()
		if err == nil {
			t.Errorf("%s: Merge succeeded, want an error", name)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("%s: error message reveals the secret: %v", name, err)
		}
	}
}

func writeFile(t *testing.T, path, content string, mode fs.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // not subject to umask
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("cannot create symlinks here: %v", err)
	}
}

func assertMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	if runtime.GOOS == "windows" {
		return
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s has mode %04o, want %04o", filepath.Base(path), got, want)
	}
}

// assertOnlyFiles checks that dir holds exactly the named entries: no
// temporary file was left behind.
func assertOnlyFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	slices.Sort(names)
	if !slices.Equal(got, names) {
		t.Errorf("%s holds %q, want %q", dir, got, names)
	}
}
