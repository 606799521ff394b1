package clienttest

import (
	"context"
	"errors"
	"net"
	"sync"
)

// memListener is a net.Listener whose connections are in-memory pipes
// handed over by Dial. Nothing in it touches a socket, so a Server on it
// runs inside a testing/synctest bubble, where goroutines blocked on its
// connections count as durably blocked and virtual time can advance.
type memListener struct {
	conns chan net.Conn

	closeOnce sync.Once
	closed    chan struct{}
}

func newMemListener() *memListener {
	return &memListener{conns: make(chan net.Conn), closed: make(chan struct{})}
}

// memAddr is the address the in-memory server reports. Port 1 (tcpmux) is
// practically never served, so a client that was not given Server.Dial
// fails to connect instead of reaching some other local server.
var memAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}

func (l *memListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *memListener) Close() error {
	l.closeOnce.Do(func() { close(l.closed) })
	return nil
}

func (l *memListener) Addr() net.Addr { return memAddr }

// dial connects a new in-memory connection to the listener.
func (l *memListener) dial(ctx context.Context) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.closed:
	case <-ctx.Done():
		_ = client.Close()
		_ = server.Close()
		return nil, ctx.Err()
	}
	_ = client.Close()
	_ = server.Close()
	return nil, &net.OpError{Op: "dial", Net: "tcp", Addr: memAddr, Err: errors.New("clienttest: connection refused: the in-memory server is closed")}
}

// Dial opens a connection to the server, whatever network and address it
// is given. Set it as client.Config.DialContext to reach a Server created
// with Options.InMemory; for a server on a socket it dials that socket.
// It is safe for concurrent use.
func (s *Server) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if s.opts.InMemory {
		// Start replaces the listener; a stopped one refuses.
		return s.mem.Load().dial(ctx)
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", s.addr)
}
