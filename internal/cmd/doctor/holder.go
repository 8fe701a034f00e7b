package doctor

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cachelink/cachelink/internal/safetext"
)

// holderBudget bounds the search for the process holding a callback port:
// doctor must answer quickly even on a machine with many processes.
const holderBudget = 2 * time.Second

// maxHolders is how many processes a finding names at most (a forked
// server shares its listening socket with its children).
const maxHolders = 3

// holder is a process that holds a listening socket.
type holder struct {
	PID  int
	Name string // /proc/PID/comm, made safe to print; "" when unreadable
}

func (h holder) String() string {
	if h.Name == "" {
		return "PID " + strconv.Itoa(h.PID)
	}
	return "PID " + strconv.Itoa(h.PID) + " " + h.Name
}

// holders is what the search for a port's holder found.
type holders struct {
	Procs []holder
	// UIDs own the listening sockets found; set when no process could be
	// named (another user's process, whose /proc/PID/fd this user cannot
	// read).
	UIDs []string
}

// procFS reads Linux's /proc through doctor's seams.
type procFS struct {
	readFile func(string) ([]byte, error)
	readDir  func(string) ([]os.DirEntry, error)
	readlink func(string) (string, error)
	now      func() time.Time
}

// findHolders names the processes with a socket listening on addr's port
// ("127.0.0.1:3000" or "[::1]:3000"), as Linux tells it: the socket's inode
// from /proc/net/tcp and /proc/net/tcp6 (state LISTEN, on that address or a
// wildcard covering it), then the process whose /proc/PID/fd links to
// socket:[inode]. Best effort and bounded by budget: what it cannot read
// it skips, and it returns what it found when the time is up.
func findHolders(fs procFS, addr string, budget time.Duration) holders {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return holders{}
	}
	ip := net.ParseIP(host)
	port, err := strconv.Atoi(portStr)
	if ip == nil || err != nil {
		return holders{}
	}
	deadline := fs.now().Add(budget)
	inodes := map[string]string{} // "socket:[inode]" -> uid
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		data, err := fs.readFile(table)
		if err != nil {
			continue
		}
		for _, s := range listeningSockets(data, ip, port) {
			inodes["socket:["+s.inode+"]"] = s.uid
		}
	}
	if len(inodes) == 0 {
		return holders{}
	}
	var found holders
	entries, _ := fs.readDir("/proc")
	for _, e := range entries {
		if len(found.Procs) >= maxHolders || fs.now().After(deadline) {
			break
		}
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid <= 0 {
			continue
		}
		fds, err := fs.readDir("/proc/" + e.Name() + "/fd")
		if err != nil {
			continue // gone, or another user's process
		}
		for _, fd := range fds {
			link, err := fs.readlink("/proc/" + e.Name() + "/fd/" + fd.Name())
			if err != nil || !strings.HasPrefix(link, "socket:[") {
				continue
			}
			if _, ok := inodes[link]; ok {
				h := holder{PID: pid}
				if comm, err := fs.readFile("/proc/" + e.Name() + "/comm"); err == nil {
					h.Name = safetext.Strip(strings.TrimSpace(string(comm)), 64)
				}
				found.Procs = append(found.Procs, h)
				break
			}
		}
	}
	if len(found.Procs) == 0 {
		seen := map[string]bool{}
		for _, uid := range inodes {
			if !seen[uid] {
				seen[uid] = true
				found.UIDs = append(found.UIDs, uid)
			}
		}
	}
	return found
}

// names lists the processes found: "PID 1234 node, PID 1240 node".
func (h holders) names() string {
	names := make([]string, len(h.Procs))
	for i, p := range h.Procs {
		names[i] = p.String()
	}
	return strings.Join(names, ", ")
}

// describe says who holds the port, "" when nothing is known.
func (h holders) describe(ownUID string) string {
	switch {
	case len(h.Procs) > 0:
		return "held by " + h.names()
	case len(h.UIDs) == 1 && h.UIDs[0] != ownUID:
		return "held by a process of user id " + h.UIDs[0] + ", which this user cannot see"
	case len(h.UIDs) > 0:
		return "held by a process this user cannot see"
	}
	return ""
}

type socket struct{ inode, uid string }

// listeningSockets parses /proc/net/tcp or /proc/net/tcp6 and returns the
// sockets in LISTEN state on port whose local address is ip, or a wildcard
// that covers ip (0.0.0.0 for IPv4; :: for both, as a dual-stack socket
// holds IPv4 too).
//
//	sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
//	 0: 0100007F:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 12345 ...
func listeningSockets(data []byte, ip net.IP, port int) []socket {
	const listen = "0A"
	var out []socket
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 10 || f[3] != listen {
			continue
		}
		hexIP, hexPort, ok := strings.Cut(f[1], ":")
		if !ok {
			continue
		}
		p, err := strconv.ParseUint(hexPort, 16, 16)
		if err != nil || int(p) != port {
			continue
		}
		local := procIP(hexIP)
		if local == nil {
			continue
		}
		v4Socket := len(hexIP) == 8
		switch {
		case local.Equal(ip): // also ::ffff:127.0.0.1 for 127.0.0.1
		case local.IsUnspecified() && (!v4Socket || ip.To4() != nil):
		default:
			continue
		}
		out = append(out, socket{inode: f[9], uid: f[7]})
	}
	return out
}

// procIP decodes an address of /proc/net/tcp*: 8 or 32 hex digits, each
// group of 8 a 32-bit word printed in the machine's byte order.
func procIP(s string) net.IP {
	raw, err := hex.DecodeString(s)
	if err != nil || (len(raw) != 4 && len(raw) != 16) {
		return nil
	}
	ip := make(net.IP, len(raw))
	for i := 0; i < len(raw); i += 4 {
		binary.NativeEndian.PutUint32(ip[i:], binary.BigEndian.Uint32(raw[i:]))
	}
	return ip
}

// portHolderHint is the command that names the program on port where the
// OS does not tell doctor.
func portHolderHint(goos, port string) string {
	if goos == "windows" {
		return fmt.Sprintf("netstat -ano | findstr :%s", port)
	}
	return fmt.Sprintf("lsof -i :%s", port)
}
