package syslog

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestTCPLineLimitEveryFraming: a message longer than MaxMessageBytes is
// reported once (an error carrying its first MaxMessageBytes bytes) and
// skipped up to its end, in both framings, and the memory it costs is
// bounded by the limit, not by what the sender sends.
func TestTCPLineLimitEveryFraming(t *testing.T) {
	const limit = 4096
	ch := make(chan Message, 16)
	s, err := Listen(Config{Network: "tcp", Addr: "127.0.0.1:0", MaxMessageBytes: limit}, ch)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	good := "<190>Oct  1 00:00:01 edge1 nginx: " + logLine
	const huge = 64 << 20
	for _, framing := range []string{"newline", "octet"} {
		t.Run(framing, func(t *testing.T) {
			c, err := net.Dial("tcp", s.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			if framing == "octet" {
				fmt.Fprintf(c, "%d %s", len(good), good)
				header := "<190>Oct  1 00:00:01 edge1 nginx: "
				fmt.Fprintf(c, "%d %s", len(header)+huge, header)
			} else {
				fmt.Fprintf(c, "%s\n<190>Oct  1 00:00:01 edge1 nginx: ", good)
			}
			chunk := bytes.Repeat([]byte("A"), 1<<20)
			for i := 0; i < huge>>20; i++ {
				if _, err := c.Write(chunk); err != nil {
					t.Fatalf("write %d MiB: %v", i, err)
				}
			}
			if framing == "octet" {
				fmt.Fprintf(c, "%d %s", len(good), good)
			} else {
				fmt.Fprintf(c, "\n%s\n", good)
			}
			got := receive(t, ch, 3)
			runtime.ReadMemStats(&after)
			if got[0].Err != nil || string(got[0].Data) != logLine || got[2].Err != nil || string(got[2].Data) != logLine {
				t.Fatalf("the good messages around the long one: %q %v / %q %v", got[0].Data, got[0].Err, got[2].Data, got[2].Err)
			}
			if got[1].Err == nil || !strings.Contains(got[1].Err.Error(), "longer than") || len(got[1].Data) != limit {
				t.Fatalf("the long message: err %v, %d bytes kept; want 'longer than' and %d bytes", got[1].Err, len(got[1].Data), limit)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
				t.Fatalf("a %d MiB message allocated %d MiB; the limit is %d bytes", huge>>20, alloc>>20, limit)
			}
			select {
			case m := <-ch:
				t.Fatalf("a fourth message: %q %v", m.Data, m.Err)
			case <-time.After(100 * time.Millisecond):
			}
		})
	}
}

// TestTCPConnectionCap: connections beyond MaxConns wait in the kernel's
// backlog without a goroutine or a buffer each.
func TestTCPConnectionCap(t *testing.T) {
	ch := make(chan Message, 64) // each connection's "<" becomes a message when it closes
	s, err := Listen(Config{Network: "tcp", Addr: "127.0.0.1:0", MaxConns: 4}, ch)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	base := runtime.NumGoroutine()
	var conns []net.Conn
	for i := 0; i < 50; i++ {
		c, err := net.Dial("tcp", s.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.Write([]byte("<"))
		conns = append(conns, c)
	}
	time.Sleep(300 * time.Millisecond)
	if n := s.Conns(); n != 4 {
		t.Fatalf("%d connections served, want the cap 4", n)
	}
	if g := runtime.NumGoroutine() - base; g > 6 {
		t.Fatalf("%d goroutines for 50 connections with a cap of 4", g)
	}
	// A served connection that ends frees its slot for a waiting one.
	conns[0].Close()
	deadline := time.Now().Add(2 * time.Second)
	for s.Conns() != 4 || s.Accepted() < 5 {
		if time.Now().After(deadline) {
			t.Fatalf("after one closed: %d served, %d accepted", s.Conns(), s.Accepted())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestTCPTimeouts: a connection that sends nothing is closed after
// IdleTimeout; one that starts a message and trickles it, after
// ReadTimeout, however steadily it trickles.
func TestTCPTimeouts(t *testing.T) {
	ch := make(chan Message, 16)
	s, err := Listen(Config{Network: "tcp", Addr: "127.0.0.1:0", IdleTimeout: 300 * time.Millisecond, ReadTimeout: 600 * time.Millisecond}, ch)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	closedAfter := func(c net.Conn) time.Duration {
		start := time.Now()
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.Copy(io.Discard, c); err != nil {
			t.Fatalf("the server did not close the connection: %v", err)
		}
		return time.Since(start)
	}
	idle, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	if d := closedAfter(idle); d < 250*time.Millisecond || d > 2*time.Second {
		t.Fatalf("idle connection closed after %s, want about 300ms", d)
	}
	slow, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	go func() {
		slow.Write([]byte("<190>Oct  1 00:00:01 edge1 nginx: "))
		for i := 0; i < 40; i++ {
			time.Sleep(100 * time.Millisecond) // well within IdleTimeout each time
			if _, err := slow.Write([]byte("x")); err != nil {
				return
			}
		}
	}()
	if d := closedAfter(slow); d > 2*time.Second {
		t.Fatalf("trickling connection closed after %s, want about 600ms", d)
	}
}

// TestAllowedNetworks: with Allow set, TCP connections and UDP datagrams
// from elsewhere are refused and counted.
func TestAllowedNetworks(t *testing.T) {
	allow := []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}
	for _, network := range []string{"tcp", "udp"} {
		ch := make(chan Message, 16)
		s, err := Listen(Config{Network: network, Addr: "127.0.0.1:0", Allow: allow}, ch)
		if err != nil {
			t.Fatal(err)
		}
		c, err := net.Dial(network, s.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte("<190>Oct  1 00:00:01 edge1 nginx: " + logLine + "\n"))
		deadline := time.Now().Add(2 * time.Second)
		for s.Refused() == 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		select {
		case m := <-ch:
			t.Fatalf("%s: a message from 127.0.0.1 passed an allow-list of 192.0.2.0/24: %q", network, m.Data)
		case <-time.After(100 * time.Millisecond):
		}
		if s.Refused() != 1 {
			t.Fatalf("%s: %d refused, want 1", network, s.Refused())
		}
		c.Close()
		s.Close()
	}
}
