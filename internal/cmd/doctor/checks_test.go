package doctor_test

// The checks of round 3: who holds the callback port, the build's client
// ids, and a keychain probe that stays bounded when the keychain hangs.

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"io/fs"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	doctorcmd "github.com/cachelink/cachelink/internal/cmd/doctor"
	"github.com/cachelink/cachelink/internal/cmd/factory"
	"github.com/cachelink/cachelink/internal/cmdtest"
	"github.com/cachelink/cachelink/internal/credentials"
	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/registry"
)

type timedCheck struct {
	check
	DurationMS float64 `json:"duration_ms"`
}

// runDoctor runs doctor -o json in e's environment with the keychain kr
// (nil: e's in-memory one) and the options adjusted by adjust, as the
// factory would build them.
func runDoctor(t *testing.T, e *cmdtest.Env, kr credentials.Keyring, adjust func(*doctorcmd.DoctorOptions)) (map[string]timedCheck, error) {
	t.Helper()
	ios, _, out, _ := iostreams.Test()
	f := factory.New(ios, nil, registry.Providers())
	f.Getenv = e.Getenv
	f.Keyring = e.Keyring
	if kr != nil {
		f.Keyring = kr
	}
	f.Globals.Output = "json"
	cmd := doctorcmd.NewCmdDoctor(f, func(ctx context.Context, o *doctorcmd.DoctorOptions) error {
		if adjust != nil {
			adjust(o)
		}
		return doctorcmd.Run(ctx, o)
	})
	cmd.SetArgs([]string{})
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.Execute()
	var list []timedCheck
	if jerr := json.Unmarshal(out.Bytes(), &list); jerr != nil {
		t.Fatalf("doctor -o json: %v (run error %v)\nstdout:\n%s", jerr, err, out.String())
	}
	m := map[string]timedCheck{}
	for _, c := range list {
		m[c.Name] = c
	}
	return m, err
}

// inUseOn makes Listen fail on addr as a taken port does.
func inUseOn(addr string) func(network, a string) (net.Listener, error) {
	return func(network, a string) (net.Listener, error) {
		if a == addr {
			return nil, &net.OpError{Op: "listen", Net: network, Err: os.NewSyscallError("bind", syscall.EADDRINUSE)}
		}
		return net.Listen(network, a)
	}
}

// fakeProc serves a /proc in which PID 4321 ("node") listens on
// 127.0.0.1:port (socket inode 5150) through doctor's seams.
func fakeProc(port string, fdReadable bool) func(*doctorcmd.DoctorOptions) {
	p, _ := strconv.Atoi(port)
	hexIP := "0100007F" // 127.0.0.1 as a little-endian machine writes it
	if !littleEndian() {
		hexIP = "7F000001"
	}
	tcp := "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n" +
		"   0: " + hexIP + ":" + strings.ToUpper(strconv.FormatInt(int64(p), 16)) +
		" 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 5150 1 0000000000000000 100 0 0 10 0\n"
	files := fstest.MapFS{
		"proc/net/tcp":    {Data: []byte(tcp)},
		"proc/4321/comm":  {Data: []byte("node\n")},
		"proc/4321/fd/0":  {},
		"proc/4321/fd/19": {},
	}
	links := map[string]string{"/proc/4321/fd/0": "/dev/null", "/proc/4321/fd/19": "socket:[5150]"}
	return func(o *doctorcmd.DoctorOptions) {
		o.GOOS = "linux"
		o.Listen = inUseOn("127.0.0.1:" + port)
		o.ReadFile = func(name string) ([]byte, error) { return fs.ReadFile(files, strings.TrimPrefix(name, "/")) }
		o.ReadDir = func(name string) ([]os.DirEntry, error) {
			if name == "/proc/4321/fd" && !fdReadable {
				return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
			}
			return fs.ReadDir(files, strings.TrimPrefix(name, "/"))
		}
		o.Readlink = func(name string) (string, error) {
			if l, ok := links[name]; ok {
				return l, nil
			}
			return "", fs.ErrNotExist
		}
	}
}

func littleEndian() bool {
	b := make([]byte, 2)
	binary.NativeEndian.PutUint16(b, 1)
	return b[0] == 1
}

func TestDoctorNamesTheProcessHoldingThePort(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	checks, err := runDoctor(t, e, nil, fakeProc(e.Port, true))
	if err == nil {
		t.Error("doctor succeeded with the callback port taken")
	}
	c := checks["callback port 127.0.0.1:"+e.Port]
	if c.Level != "fail" || !strings.Contains(c.Detail, "held by PID 4321 node") {
		t.Errorf("callback port = %+v, want a failure held by PID 4321 node", c)
	}
	if !strings.Contains(c.Fix, "Stop PID 4321 node, which listens on port "+e.Port) {
		t.Errorf("fix = %q, want the process named", c.Fix)
	}
}

func TestDoctorSaysWhenThePortHolderIsHidden(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	checks, _ := runDoctor(t, e, nil, fakeProc(e.Port, false)) // another user's process
	c := checks["callback port 127.0.0.1:"+e.Port]
	if c.Level != "fail" || !strings.Contains(c.Detail, "cannot see") || !strings.Contains(c.Fix, "sudo lsof -i :"+e.Port) {
		t.Errorf("callback port = %+v, want the hidden holder and the sudo lsof hint", c)
	}
}

func TestDoctorFallsBackToTheLsofHint(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	for _, goos := range []string{"linux", "darwin"} {
		procRead := 0
		checks, _ := runDoctor(t, e, nil, func(o *doctorcmd.DoctorOptions) {
			fakeProc(e.Port, true)(o)
			o.GOOS = goos
			if goos == "linux" { // a /proc that tells nothing
				o.ReadFile = func(string) ([]byte, error) { return nil, fs.ErrNotExist }
			}
			readDir := o.ReadDir
			o.ReadDir = func(name string) ([]os.DirEntry, error) { procRead++; return readDir(name) }
		})
		c := checks["callback port 127.0.0.1:"+e.Port]
		if c.Level != "fail" || strings.Contains(c.Detail, "held by") || !strings.Contains(c.Fix, "lsof -i :"+e.Port) || strings.Contains(c.Fix, "sudo") {
			t.Errorf("%s: callback port = %+v, want today's lsof hint", goos, c)
		}
		if goos == "darwin" && procRead > 0 {
			t.Errorf("darwin: /proc was read %d times", procRead)
		}
	}
}

// TestDoctorNamesThisTestProcess: the real /proc, with this test process
// listening on the callback port.
func TestDoctorNamesThisTestProcess(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("doctor names the holder from Linux's /proc")
	}
	comm, err := os.ReadFile("/proc/self/comm")
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	e := cmdtest.New(t, cmdtest.Options{})
	e.ReleasePort()
	l, err := net.Listen("tcp", "127.0.0.1:"+e.Port)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	start := time.Now()
	checks, _ := doctor(t, e)
	c := checks["callback port 127.0.0.1:"+e.Port]
	want := "held by PID " + strconv.Itoa(os.Getpid()) + " " + strings.TrimSpace(string(comm))
	if c.Level != "fail" || !strings.Contains(c.Detail, want) {
		t.Errorf("callback port = %+v, want %q", c, want)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("doctor took %s", d)
	}
}

func TestDoctorChecksTheClientIDs(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	e.ReleasePort()
	e.Setenv("CACHELINK_UPSTASH_CLIENT_ID", "") // a source build: no client id
	checks, r := doctor(t, e)
	if r.Code != 0 {
		t.Errorf("exit %d, want 0: a build without client ids still works with API keys; stderr:\n%s", r.Code, r.Stderr)
	}
	if c := checks["polyscale client id"]; c.Level != "ok" || !strings.Contains(c.Detail, "cachelink-sandbox") {
		t.Errorf("polyscale client id = %+v, want ok with the sandbox's client id", c)
	}
	c := checks["upstash client id"]
	if c.Level != "warn" {
		t.Fatalf("upstash client id = %+v, want a warning", c)
	}
	for _, want := range []string{"no client id: browser login unavailable in this build", "'cachelink connect upstash --with-key'", "UPSTASH_EMAIL and UPSTASH_API_KEY"} {
		if !strings.Contains(c.Detail, want) {
			t.Errorf("detail %q lacks %q", c.Detail, want)
		}
	}
	if !strings.Contains(c.Fix, "--with-key") {
		t.Errorf("fix = %q", c.Fix)
	}
}

// blockingKeyring never answers, as a keychain waiting for an unlock
// prompt nobody sees; it is released when the test ends.
type blockingKeyring struct{ release chan struct{} }

func (k blockingKeyring) Get(string, string) (string, error) { <-k.release; return "", io.EOF }
func (k blockingKeyring) Set(string, string, string) error   { <-k.release; return io.EOF }
func (k blockingKeyring) Delete(string, string) error        { <-k.release; return io.EOF }

func TestDoctorIsNotHungByAHungKeychain(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"auto", "keyring"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			e := cmdtest.New(t, cmdtest.Options{})
			e.ReleasePort()
			e.Setenv("CACHELINK_TOKEN_STORE", mode)
			e.Setenv("CACHELINK_KEYRING_TIMEOUT", "300ms")
			kr := blockingKeyring{release: make(chan struct{})}
			t.Cleanup(func() { close(kr.release) })

			start := time.Now()
			done := make(chan map[string]timedCheck, 1)
			go func() {
				checks, _ := runDoctor(t, e, kr, nil)
				done <- checks
			}()
			var checks map[string]timedCheck
			select {
			case checks = <-done:
			case <-time.After(15 * time.Second):
				t.Fatal("doctor hung on a keychain that does not answer")
			}
			took := time.Since(start)
			c := checks["credential store"]
			want := map[string]string{"auto": "warn", "keyring": "fail"}[mode]
			if c.Level != want || !strings.Contains(c.Detail, "did not answer within 300ms") {
				t.Errorf("credential store = %+v, want %s naming the 300ms bound", c, want)
			}
			if c.DurationMS < 300 || time.Duration(c.DurationMS*float64(time.Millisecond)) > took {
				t.Errorf("duration_ms = %.0f, want the time the probe took (>= 300, <= %s)", c.DurationMS, took)
			}
		})
	}
}
