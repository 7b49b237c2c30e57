package syslog

import (
	"crypto/tls"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/edgelog/edgelog/internal/tlsconf"
	"github.com/edgelog/edgelog/internal/tlsconf/tlstest"
)

// TestTLS: RFC 5425 frames over TLS arrive; a newline-framed stream over
// TLS is refused with an error (RFC 5425 takes octet counting only); a
// plain TCP sender gets nothing through.
func TestTLS(t *testing.T) {
	cert, key, pool := tlstest.Files(t)
	cfg, err := tlsconf.Server(cert, key)
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan Message, 16)
	s, err := Listen(Config{Network: "tcp", Addr: "127.0.0.1:0", TLS: cfg}, ch)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	send := func(payload string) {
		c, err := tls.Dial("tcp", s.Addr().String(), &tls.Config{RootCAs: pool, ServerName: "localhost", MinVersion: tls.VersionTLS12})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Write([]byte(payload)); err != nil {
			t.Fatal(err)
		}
	}
	m5424 := "<190>1 2026-10-01T00:00:01Z edge1 nginx - - - " + logLine
	m3164 := "<190>Oct  1 00:00:01 edge1 nginx: " + logLine
	send(fmt.Sprintf("%d %s%d %s", len(m5424), m5424, len(m3164), m3164))
	for i, m := range receive(t, ch, 2) {
		if m.Err != nil || string(m.Data) != logLine {
			t.Fatalf("RFC 5425 message %d: %q %v", i, m.Data, m.Err)
		}
	}
	send(m5424 + "\n")
	if m := receive(t, ch, 1)[0]; m.Err == nil {
		t.Fatalf("newline-framed over TLS: %q accepted", m.Data)
	}
	// Plain TCP: the server reads a TLS handshake, gets none, sends nothing on.
	c, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "%d %s", len(m5424), m5424)
	c.Close()
	select {
	case m := <-ch:
		if m.Err == nil {
			t.Fatalf("plain TCP got through TLS: %q", m.Data)
		}
	case <-time.After(500 * time.Millisecond):
	}
	if _, err := Listen(Config{Network: "udp", Addr: "127.0.0.1:0", TLS: cfg}, ch); err == nil {
		t.Fatal("syslog over UDP with TLS was accepted")
	}
}
