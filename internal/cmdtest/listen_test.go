package cmdtest

import (
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
	"time"
)

// serveOnce answers one connection on l with "hi" and closes it.
func serveOnce(l net.Listener) <-chan error {
	done := make(chan error, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			done <- err
			return
		}
		_, err = c.Write([]byte("hi"))
		c.Close()
		done <- err
	}()
	return done
}

func dialRead(t *testing.T, addr string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	b, _ := io.ReadAll(c)
	return string(b)
}

// A login's listener is a lease on the held socket: closing it ends the
// login's accepting, not the hold, so the next connect of the test gets the
// same port and no other program can take it in between.
func TestHeldPortIsLentToOneLoginAtATime(t *testing.T) {
	t.Parallel()
	port, h := holdPort(t)
	addrs := []string{"127.0.0.1:" + port}
	if _, ok := h.listeners["[::1]:"+port]; ok {
		addrs = append(addrs, "[::1]:"+port)
	}
	for _, addr := range addrs {
		for round := range 2 { // connect twice in one test
			l, err := h.listen("tcp", addr)
			if err != nil {
				t.Fatalf("round %d: listen %s: %v", round, addr, err)
			}
			if !h.leased() {
				t.Errorf("round %d: no lease open after listen", round)
			}
			if _, err := h.listen("tcp", addr); !errors.Is(err, syscall.EADDRINUSE) {
				t.Errorf("round %d: a second listen on %s = %v, want EADDRINUSE", round, addr, err)
			}
			done := serveOnce(l)
			if got := dialRead(t, addr); got != "hi" {
				t.Errorf("round %d: read %q through the lease", round, got)
			}
			if err := <-done; err != nil {
				t.Errorf("round %d: serve: %v", round, err)
			}
			accepting := make(chan error, 1)
			go func() { _, err := l.Accept(); accepting <- err }()
			l.Close()
			if err := <-accepting; !errors.Is(err, net.ErrClosed) {
				t.Errorf("round %d: Accept after Close = %v, want net.ErrClosed", round, err)
			}
			if h.leased() {
				t.Errorf("round %d: lease still open after Close", round)
			}
			if _, err := net.Listen("tcp", addr); err == nil {
				t.Errorf("round %d: %s was free after the login closed its listener; want it still held", round, addr)
			}
		}
	}

	// Anything else is bound for real.
	l, err := h.listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l.Close()

	// Released, the port is free, and connect binds it itself.
	h.release()
	for _, addr := range addrs {
		l, err := h.listen("tcp", addr)
		if err != nil {
			t.Fatalf("after release: listen %s: %v", addr, err)
		}
		if _, ok := l.(*lease); ok {
			t.Errorf("after release: %s is still lent", addr)
		}
		l.Close()
	}
}

// Releasing the port ends a login still accepting on it.
func TestReleaseEndsAnOpenLease(t *testing.T) {
	t.Parallel()
	port, h := holdPort(t)
	l, err := h.listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		t.Fatal(err)
	}
	accepting := make(chan error, 1)
	go func() { _, err := l.Accept(); accepting <- err }()
	h.release()
	select {
	case err := <-accepting:
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("Accept = %v, want net.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Accept still blocked after release")
	}
}

// A connection that comes while no login listens is closed, and one that
// comes to a login that is not accepting does not keep the port from
// being released.
func TestConnectionsNoLoginTakes(t *testing.T) {
	t.Parallel()
	port, h := holdPort(t)
	addr := "127.0.0.1:" + port
	if got := dialRead(t, addr); got != "" {
		t.Errorf("read %q with no login listening", got)
	}
	if _, err := h.listen("tcp", addr); err != nil { // a login that never accepts
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	time.Sleep(50 * time.Millisecond) // the held socket accepts it, and waits for the login to
	released := make(chan struct{})
	go func() { h.release(); close(released) }()
	select {
	case <-released:
	case <-time.After(5 * time.Second):
		t.Fatal("release blocked on a connection no login took")
	}
}
