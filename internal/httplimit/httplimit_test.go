package httplimit

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"
)

func start(t *testing.T, l Limits) string {
	t.Helper()
	ln, err := Listen("127.0.0.1:0", l)
	if err != nil {
		t.Fatal(err)
	}
	srv := Server(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = w.Write([]byte("ok\n"))
	}), l)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// closedWithin reports whether the server closes c within d.
func closedWithin(c net.Conn, d time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	return err == nil || !(errors.As(err, &ne) && ne.Timeout())
}

// TestTricklingBodiesAreCutOff: connections that declare a body and
// trickle it are closed at ReadTimeout, and their goroutines end.
func TestTricklingBodiesAreCutOff(t *testing.T) {
	addr := start(t, Limits{ReadTimeout: 500 * time.Millisecond})
	base := runtime.NumGoroutine()
	var conns []net.Conn
	for range 50 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "GET /api/v1/customers HTTP/1.1\r\nHost: x\r\nContent-Length: 4000\r\n\r\n")
		conns = append(conns, c)
	}
	go func() {
		for range 30 {
			time.Sleep(100 * time.Millisecond)
			for _, c := range conns {
				c.Write([]byte("x"))
			}
		}
	}()
	time.Sleep(200 * time.Millisecond)
	if g := runtime.NumGoroutine() - base; g < 40 {
		t.Fatalf("%d goroutines for 50 connections: not served?", g)
	}
	for i, c := range conns {
		if !closedWithin(c, 3*time.Second) {
			t.Fatalf("connection %d still open 3s after a 500ms read timeout", i)
		}
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine()-base > 5 {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines left after the connections were cut off", runtime.NumGoroutine()-base)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestIdleKeepAliveClosed: a keep-alive connection left idle after a
// request is closed at IdleTimeout.
func TestIdleKeepAliveClosed(t *testing.T) {
	addr := start(t, Limits{IdleTimeout: 300 * time.Millisecond})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("first request: %v %v", resp, err)
	}
	start := time.Now()
	if !closedWithin(c, 3*time.Second) || time.Since(start) > 2*time.Second {
		t.Fatalf("idle keep-alive open %s after a 300ms idle timeout", time.Since(start))
	}
}

// TestBodyLimit: a declared body over MaxBodyBytes is refused before it is
// read; an undeclared (chunked) one is cut at the limit.
func TestBodyLimit(t *testing.T) {
	addr := start(t, Limits{MaxBodyBytes: 1024})
	resp, err := http.Post("http://"+addr+"/", "text/plain", strings.NewReader(strings.Repeat("x", 2048)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("a 2 KiB body: %d, want 413", resp.StatusCode)
	}
	resp, err = http.Post("http://"+addr+"/", "text/plain", strings.NewReader("small"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("a small body: %d", resp.StatusCode)
	}
}

// TestConnectionCap: connections past MaxConns are not served (no
// goroutine each) until one ends.
func TestConnectionCap(t *testing.T) {
	addr := start(t, Limits{MaxConns: 5})
	base := runtime.NumGoroutine()
	var conns []net.Conn
	for range 40 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	time.Sleep(300 * time.Millisecond)
	if g := runtime.NumGoroutine() - base; g > 5+3 {
		t.Fatalf("%d goroutines for 40 connections with a cap of 5", g)
	}
	// The sixth connection is answered once one of the first five ends.
	fmt.Fprintf(conns[5], "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	conns[5].SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if _, err := http.ReadResponse(bufio.NewReader(conns[5]), nil); err == nil {
		t.Fatal("the sixth connection was served with five open")
	}
	conns[0].Close()
	conns[5].SetReadDeadline(time.Now().Add(3 * time.Second))
	if resp, err := http.ReadResponse(bufio.NewReader(conns[5]), nil); err != nil || resp.StatusCode != 200 {
		t.Fatalf("the sixth connection after one closed: %v %v", resp, err)
	}
}
