package doctor

import (
	"errors"
	"io/fs"
	"net"
	"os"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// A /proc/net/tcp and tcp6 with, on port 3000 (0BB8): a listener on
// 127.0.0.1 (inode 1001), an established connection (not LISTEN), and on
// port 8080 (1F90) one on 0.0.0.0 (inode 1003). Addresses are written as
// a little-endian machine writes them.
const (
	procTCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1001 1 0000000000000000 100 0 0 10 0
   1: 0100007F:0BB8 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 1002 1 0000000000000000 20 4 30 10 -1
   2: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1003 1 0000000000000000 100 0 0 10 0
`
	// [::1]:3000 (inode 2001) and [::]:9000 (2328, inode 2002).
	procTCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:0BB8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 2001 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000000000000:2328 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000    33        0 2002 1 0000000000000000 100 0 0 10 0
`
)

func littleEndian() bool {
	return procIP("0100007F").Equal(net.IPv4(127, 0, 0, 1))
}

func TestListeningSockets(t *testing.T) {
	t.Parallel()
	if !littleEndian() {
		t.Skip("the fixture is written as a little-endian machine writes it")
	}
	tests := []struct {
		table string
		ip    string
		port  int
		want  []socket
	}{
		{procTCP, "127.0.0.1", 3000, []socket{{"1001", "1000"}}}, // not the established one
		{procTCP, "::1", 3000, nil},                              // IPv4 sockets never hold [::1]
		{procTCP, "127.0.0.1", 8080, []socket{{"1003", "0"}}},    // 0.0.0.0 holds 127.0.0.1
		{procTCP, "::1", 8080, nil},
		{procTCP, "127.0.0.1", 3001, nil},
		{procTCP6, "::1", 3000, []socket{{"2001", "1000"}}},
		{procTCP6, "127.0.0.1", 3000, nil},
		{procTCP6, "::1", 9000, []socket{{"2002", "33"}}},       // [::]
		{procTCP6, "127.0.0.1", 9000, []socket{{"2002", "33"}}}, // a dual-stack [::] holds IPv4 too
		{"garbage\n\n  0: zz:0BB8 x 0A a b c d e f\n", "127.0.0.1", 3000, nil},
	}
	for _, tt := range tests {
		got := listeningSockets([]byte(tt.table), net.ParseIP(tt.ip), tt.port)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s:%d = %v, want %v", tt.ip, tt.port, got, tt.want)
		}
	}
}

// fakeProc is a /proc: files, directories and fd links.
type fakeProc struct {
	files fstest.MapFS // paths without the leading "/"
	links map[string]string
	// denied are the fd directories this user may not read.
	denied map[string]bool
}

func (p fakeProc) fs(now func() time.Time) procFS {
	return procFS{
		readFile: func(name string) ([]byte, error) { return fs.ReadFile(p.files, strings.TrimPrefix(name, "/")) },
		readDir: func(name string) ([]os.DirEntry, error) {
			if p.denied[name] {
				return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
			}
			return fs.ReadDir(p.files, strings.TrimPrefix(name, "/"))
		},
		readlink: func(name string) (string, error) {
			if l, ok := p.links[name]; ok {
				return l, nil
			}
			return "", fs.ErrNotExist
		},
		now: now,
	}
}

func newFakeProc() fakeProc {
	return fakeProc{
		files: fstest.MapFS{
			"proc/net/tcp":    {Data: []byte(procTCP)},
			"proc/net/tcp6":   {Data: []byte(procTCP6)},
			"proc/1/fd/0":     {},
			"proc/1/comm":     {Data: []byte("systemd\n")},
			"proc/4321/fd/0":  {},
			"proc/4321/fd/1":  {},
			"proc/4321/fd/23": {},
			"proc/4321/comm":  {Data: []byte("node\x1b[31m\n")}, // a name with a terminal escape
			"proc/self/fd/0":  {},
		},
		links: map[string]string{
			"/proc/1/fd/0":     "socket:[1001]", // not listed: /proc/1/fd is denied
			"/proc/4321/fd/0":  "/dev/null",
			"/proc/4321/fd/1":  "socket:[777]",
			"/proc/4321/fd/23": "socket:[1001]",
		},
		denied: map[string]bool{"/proc/1/fd": true},
	}
}

func TestFindHoldersNamesTheProcess(t *testing.T) {
	t.Parallel()
	if !littleEndian() {
		t.Skip("the fixture is written as a little-endian machine writes it")
	}
	h := findHolders(newFakeProc().fs(time.Now), "127.0.0.1:3000", time.Second)
	if len(h.Procs) != 1 || h.Procs[0].PID != 4321 || h.Procs[0].Name != "node[31m" {
		t.Fatalf("holders = %+v, want PID 4321 node (escape stripped)", h)
	}
	if got := h.describe("1000"); got != "held by PID 4321 node[31m" {
		t.Errorf("describe = %q", got)
	}
}

func TestFindHoldersWhenTheProcessIsNotVisible(t *testing.T) {
	t.Parallel()
	if !littleEndian() {
		t.Skip("the fixture is written as a little-endian machine writes it")
	}
	p := newFakeProc()
	p.denied["/proc/4321/fd"] = true // another user's process
	h := findHolders(p.fs(time.Now), "127.0.0.1:3000", time.Second)
	if len(h.Procs) != 0 || !reflect.DeepEqual(h.UIDs, []string{"1000"}) {
		t.Fatalf("holders = %+v, want no process and uid 1000", h)
	}
	if got := h.describe("0"); !strings.Contains(got, "user id 1000") || !strings.Contains(got, "cannot see") {
		t.Errorf("describe = %q", got)
	}
	if got := h.describe("1000"); got != "held by a process this user cannot see" {
		t.Errorf("describe as the same user = %q", got)
	}
}

func TestFindHoldersFindsNothingWithoutAListener(t *testing.T) {
	t.Parallel()
	p := newFakeProc()
	for _, addr := range []string{"127.0.0.1:4000", "not an address", "[::1]:x"} {
		if h := findHolders(p.fs(time.Now), addr, time.Second); len(h.Procs) != 0 || len(h.UIDs) != 0 || h.describe("0") != "" {
			t.Errorf("%s: holders = %+v, want none", addr, h)
		}
	}
	// No /proc at all (another OS, a sandbox without it).
	none := procFS{
		readFile: func(string) ([]byte, error) { return nil, errors.New("no /proc") },
		readDir:  func(string) ([]os.DirEntry, error) { return nil, errors.New("no /proc") },
		readlink: func(string) (string, error) { return "", errors.New("no /proc") },
		now:      time.Now,
	}
	if h := findHolders(none, "127.0.0.1:3000", time.Second); h.describe("0") != "" {
		t.Errorf("holders = %+v without /proc", h)
	}
}

// TestFindHoldersIsBounded: once the budget is spent the scan stops, and
// doctor falls back to naming the socket's owner or the lsof hint.
func TestFindHoldersIsBounded(t *testing.T) {
	t.Parallel()
	if !littleEndian() {
		t.Skip("the fixture is written as a little-endian machine writes it")
	}
	clock := time.Now()
	p := newFakeProc()
	fs := p.fs(func() time.Time { return clock })
	reads := 0
	readDir := fs.readDir
	fs.readDir = func(name string) ([]os.DirEntry, error) {
		reads++
		clock = clock.Add(time.Second) // every directory takes a second
		return readDir(name)
	}
	h := findHolders(fs, "127.0.0.1:3000", 1500*time.Millisecond)
	if len(h.Procs) != 0 {
		t.Errorf("holders = %+v: the scan went on past its budget", h)
	}
	if reads > 3 {
		t.Errorf("%d directories read after the budget was spent", reads)
	}
}
