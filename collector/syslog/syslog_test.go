package syslog

import (
	"fmt"
	"net"
	"testing"
	"time"
)

const logLine = `198.51.100.7 - - [01/Oct/2026:00:00:01 +0000] "GET /a HTTP/1.1" 200 512 "-" "curl/8.0"`

func receive(t *testing.T, ch <-chan Message, n int) []Message {
	t.Helper()
	var out []Message
	for len(out) < n {
		select {
		case m := <-ch:
			out = append(out, m)
		case <-time.After(5 * time.Second):
			t.Fatalf("received %d of %d messages", len(out), n)
		}
	}
	return out
}

func TestUDP(t *testing.T) {
	ch := make(chan Message, 16)
	s, err := Listen(Config{Network: "udp", Addr: "127.0.0.1:0"}, ch)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, err := net.Dial("udp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	frames := []string{
		// What nginx sends for access_log syslog:server=...: RFC 3164, tag "nginx".
		"<190>Oct  1 00:00:01 edge1 nginx: " + logLine,
		// RFC 5424 (rsyslog's forwarding format, syslog-ng).
		"<190>1 2026-10-01T00:00:01.000Z edge1 nginx - - - " + logLine + "\n",
		"<190>1 2026-10-01T00:00:01.000Z edge1 nginx 77 ID47 [exampleSDID@32473 iut=\"3\"] " + logLine,
		"this is not syslog",
	}
	for _, f := range frames {
		if _, err := c.Write([]byte(f)); err != nil {
			t.Fatal(err)
		}
	}
	got := receive(t, ch, len(frames))
	for i, m := range got[:3] {
		if m.Err != nil || string(m.Data) != logLine {
			t.Fatalf("frame %d: data %q err %v, want the log line", i, m.Data, m.Err)
		}
	}
	if got[3].Err == nil || string(got[3].Data) != frames[3] {
		t.Fatalf("invalid frame: data %q err %v, want an error and the raw frame", got[3].Data, got[3].Err)
	}
}

func TestTCPFramings(t *testing.T) {
	ch := make(chan Message, 16)
	s, err := Listen(Config{Network: "tcp", Addr: "127.0.0.1:0"}, ch)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	send := func(payload string) {
		c, err := net.Dial("tcp", s.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write([]byte(payload)); err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	m3164 := "<190>Oct  1 00:00:01 edge1 nginx: " + logLine
	m5424 := "<190>1 2026-10-01T00:00:01Z edge1 nginx - - - " + logLine
	// Newline-framed (RFC 6587 non-transparent), mixed 3164 and 5424.
	send(m3164 + "\n" + m5424 + "\n" + m3164 + "\n")
	for i, m := range receive(t, ch, 3) {
		if m.Err != nil || string(m.Data) != logLine {
			t.Fatalf("newline-framed message %d: %q %v", i, m.Data, m.Err)
		}
	}
	// Octet-counted (RFC 6587 3.4.1 / RFC 5425).
	send(fmt.Sprintf("%d %s%d %s", len(m5424), m5424, len(m3164), m3164))
	for i, m := range receive(t, ch, 2) {
		if m.Err != nil || string(m.Data) != logLine {
			t.Fatalf("octet-counted message %d: %q %v", i, m.Data, m.Err)
		}
	}
}
