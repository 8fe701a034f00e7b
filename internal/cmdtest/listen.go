package cmdtest

import (
	"errors"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The loopback port connect listens on is bound when the Env is made and
// held until the test ends, so no other test binary running in parallel
// can take it between choosing the port and connect binding it. The
// factory's Listen hands connect a lease on a held listener instead of
// binding the address again: closing the lease ends it for that login, as
// closing a listener would, but the socket stays bound for the next
// connect of the test.

// heldPort is the port an Env holds on 127.0.0.1 and, where there is IPv6,
// on [::1].
type heldPort struct {
	mu        sync.Mutex
	listeners map[string]*heldListener // by address: "127.0.0.1:PORT", "[::1]:PORT"
}

// holdPort binds a port on 127.0.0.1 and the same port on [::1], and
// keeps them until the test ends.
func holdPort(t testing.TB) (string, *heldPort) {
	t.Helper()
	port, bound := bindLoopback(t)
	h := &heldPort{listeners: map[string]*heldListener{}}
	for addr, l := range bound {
		hl := &heldListener{l: l, gone: make(chan struct{})}
		go hl.pump()
		h.listeners[addr] = hl
	}
	t.Cleanup(h.release)
	return port, h
}

// bindLoopback binds a port on 127.0.0.1 and the same port on [::1],
// trying another port while [::1]'s is taken; without IPv6 here, only
// 127.0.0.1 (and connect goes without [::1]). It returns the port and the
// listeners by address.
func bindLoopback(t testing.TB) (string, map[string]net.Listener) {
	t.Helper()
	for range 20 {
		l4, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		_, port, _ := net.SplitHostPort(l4.Addr().String())
		bound := map[string]net.Listener{l4.Addr().String(): l4}
		l6, err := net.Listen("tcp", net.JoinHostPort("::1", port))
		switch {
		case err == nil:
			bound[l6.Addr().String()] = l6
		case errors.Is(err, syscall.EADDRINUSE) || strings.Contains(err.Error(), "address already in use"):
			l4.Close() // another program has it on [::1]: try another port
			continue
		}
		return port, bound // any other error: no IPv6 here
	}
	t.Fatal("no free port on both address families")
	return "", nil
}

// listen is the factory's Listen: a lease on a held listener for its
// address, net.Listen for any other.
func (h *heldPort) listen(network, addr string) (net.Listener, error) {
	h.mu.Lock()
	hl := h.listeners[addr]
	h.mu.Unlock()
	if hl == nil || network != "tcp" {
		return net.Listen(network, addr)
	}
	return hl.lease(network, addr)
}

// release closes the held listeners: the port is free, and connect binds
// it itself from now on.
func (h *heldPort) release() {
	h.mu.Lock()
	ls := h.listeners
	h.listeners = nil
	h.mu.Unlock()
	for _, hl := range ls {
		hl.close()
	}
}

// leased reports whether a lease is open, that is a login has not closed
// its listener.
func (h *heldPort) leased() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, hl := range h.listeners {
		hl.mu.Lock()
		open := hl.cur != nil
		hl.mu.Unlock()
		if open {
			return true
		}
	}
	return false
}

// heldListener is one bound socket. Its pump accepts every connection and
// hands it to the open lease; with none open (no login waits), the
// connection is closed at once.
type heldListener struct {
	l    net.Listener
	gone chan struct{} // closed when l is

	mu     sync.Mutex
	cur    *lease // the open lease, if any
	closed bool
}

func (hl *heldListener) pump() {
	defer close(hl.gone)
	for {
		c, err := hl.l.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(10 * time.Millisecond) // out of file descriptors, say
			continue
		}
		hl.deliver(c)
	}
}

// deliver hands c to the open lease's Accept, or closes it when there is
// none or the lease closes first.
func (hl *heldListener) deliver(c net.Conn) {
	for {
		hl.mu.Lock()
		cur := hl.cur
		hl.mu.Unlock()
		if cur == nil {
			c.Close()
			return
		}
		select {
		case cur.conns <- c:
			return
		case <-cur.done: // closed meanwhile; a new lease may be open
		}
	}
}

// lease opens a lease on the listener. While one is open, another is
// refused as a second bind of the address would be.
func (hl *heldListener) lease(network, addr string) (net.Listener, error) {
	hl.mu.Lock()
	defer hl.mu.Unlock()
	if hl.closed || hl.cur != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Addr: hl.l.Addr(),
			Err: os.NewSyscallError("bind", syscall.EADDRINUSE)}
	}
	hl.cur = &lease{hl: hl, conns: make(chan net.Conn), done: make(chan struct{})}
	return hl.cur, nil
}

// close ends the open lease and closes the socket.
func (hl *heldListener) close() {
	hl.mu.Lock()
	hl.closed = true
	cur := hl.cur
	hl.mu.Unlock()
	if cur != nil {
		cur.Close() // the pump may be waiting to hand it a connection
	}
	hl.l.Close()
	<-hl.gone
}

// lease is the net.Listener connect gets: it accepts the connections of
// the held socket until it is closed.
type lease struct {
	hl    *heldListener
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func (l *lease) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
	case <-l.hl.gone:
	}
	return nil, &net.OpError{Op: "accept", Net: "tcp", Addr: l.Addr(), Err: net.ErrClosed}
}

// Close ends the lease; the socket stays bound for the next one.
func (l *lease) Close() error {
	l.once.Do(func() {
		l.hl.mu.Lock()
		if l.hl.cur == l {
			l.hl.cur = nil
		}
		l.hl.mu.Unlock()
		close(l.done) // after cur is cleared: deliver then sees the next lease
	})
	return nil
}

func (l *lease) Addr() net.Addr { return l.hl.l.Addr() }
