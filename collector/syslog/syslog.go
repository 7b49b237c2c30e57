// Package syslog receives access-log lines sent over syslog, as nginx's
// `access_log syslog:server=127.0.0.1:5514` does: UDP datagrams (one message
// each) and TCP streams, octet-counted (RFC 6587 3.4.1, "123 <190>...") or
// newline-framed (3.4.2), and TCP over TLS (RFC 5425: octet-counted only;
// rsyslog's gtls/ossl drivers, syslog-ng's tls()). Both RFC 3164 and RFC 5424 messages are accepted;
// what the collector parses is the message's MSG part, the log line.
//
// Parsing is leodido/go-syslog's (Ragel state machines, fuzzed upstream,
// also used by Telegraf and Falco), with its per-message RFC 3164/5424
// detection. The TCP framing is ours (frame.go): the library's
// newline-framing parser has no length limit (its WithMaxMessageLength
// does nothing), so a sender that never sends a newline grew one message
// without bound.
//
// Bounds (Config; defaults in parentheses), every one tested:
//   - one message: MaxMessageBytes (1 MiB; the collector passes its
//     max_line_bytes), in every framing. A longer TCP message is skipped to
//     its end and handed over once, as an error with its first
//     MaxMessageBytes bytes; a UDP datagram is at most 64 KiB by nature.
//   - concurrent TCP connections: MaxConns (256); more wait in the
//     kernel's listen backlog, without a goroutine or buffer each.
//   - a TCP connection with no message started for IdleTimeout (5m), or a
//     message not complete ReadTimeout (30s) after its first byte, is
//     closed.
//   - sources: when Allow is set, TCP connections and UDP datagrams from
//     other addresses are refused (counted by Refused).
//
// Memory per TCP connection is its 64 KiB read buffer and one message of at
// most MaxMessageBytes, so at most MaxConns × (64 KiB + MaxMessageBytes).
package syslog

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gosyslog "github.com/leodido/go-syslog/v4"
	"github.com/leodido/go-syslog/v4/auto"
	"github.com/leodido/go-syslog/v4/rfc3164"
	"github.com/leodido/go-syslog/v4/rfc5424"
	"golang.org/x/net/netutil"
)

// Message is one received syslog message. Data is the log line (the MSG
// part, without a trailing newline); when the frame is not valid syslog,
// Err says why and Data is the raw frame, for the dead-letter sink. An
// Oversize message (Err set) holds the first MaxMessageBytes of its frame.
type Message struct {
	Data     []byte
	Err      error
	Oversize bool
	Peer     string
}

// Defaults of Config's zero values.
const (
	DefaultMaxMessageBytes = 1 << 20
	DefaultMaxConns        = 256
	DefaultIdleTimeout     = 5 * time.Minute
	DefaultReadTimeout     = 30 * time.Second
)

// Config configures a Server. Zero values take the defaults above.
type Config struct {
	// Network is "udp" or "tcp".
	Network string
	// Addr to listen on, e.g. 127.0.0.1:5514.
	Addr string
	// MaxMessageBytes caps one message in every framing.
	MaxMessageBytes int
	// MaxConns caps concurrent TCP connections.
	MaxConns int
	// IdleTimeout closes a TCP connection that starts no message for
	// this long.
	IdleTimeout time.Duration
	// ReadTimeout closes a TCP connection whose message is not complete
	// this long after its first byte.
	ReadTimeout time.Duration
	// Allow, when not empty, lists the only source networks accepted.
	Allow []netip.Prefix
	// TLS, when set (tcp only), serves syslog over TLS as RFC 5425 has
	// it: every frame octet-counted ("MSG-LEN SP SYSLOG-MSG"); a stream
	// that starts otherwise is refused. The handshake runs within
	// IdleTimeout. internal/tlsconf builds it (TLS 1.2+, AEAD only).
	TLS *tls.Config
}

// Server listens for syslog messages and sends them to a channel.
type Server struct {
	cfg  Config
	out  chan<- Message
	pc   net.PacketConn
	ln   net.Listener
	wg   sync.WaitGroup
	mu   sync.Mutex
	conn map[net.Conn]struct{}

	accepted, refused atomic.Int64
}

// Listen starts receiving. Messages go to out; when out is full the server
// stops reading, so TCP senders are slowed by TCP itself and UDP datagrams
// queue in (and past its size, are dropped by) the kernel's socket buffer.
func Listen(cfg Config, out chan<- Message) (*Server, error) {
	if cfg.MaxMessageBytes <= 0 {
		cfg.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = DefaultReadTimeout
	}
	s := &Server{cfg: cfg, out: out, conn: map[net.Conn]struct{}{}}
	var err error
	switch cfg.Network {
	case "udp":
		if cfg.TLS != nil {
			return nil, errors.New("syslog over TLS needs network tcp")
		}
		if s.pc, err = net.ListenPacket("udp", cfg.Addr); err != nil {
			return nil, fmt.Errorf("cannot listen for syslog: %w", err)
		}
		s.wg.Add(1)
		go s.serveUDP()
	case "tcp":
		ln, err := net.Listen("tcp", cfg.Addr)
		if err != nil {
			return nil, fmt.Errorf("cannot listen for syslog: %w", err)
		}
		s.ln = netutil.LimitListener(ln, cfg.MaxConns)
		if cfg.TLS != nil {
			// Wrapped after the limit: a connection's handshake holds one
			// of the MaxConns slots, and the allow-list is checked on
			// the plain address before any TLS byte is read.
			s.ln = tls.NewListener(s.ln, cfg.TLS)
		}
		s.wg.Add(1)
		go s.serveTCP()
	default:
		return nil, fmt.Errorf("syslog network %q: want udp or tcp", cfg.Network)
	}
	return s, nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr {
	if s.pc != nil {
		return s.pc.LocalAddr()
	}
	return s.ln.Addr()
}

// Conns is how many TCP connections are being served.
func (s *Server) Conns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conn)
}

// Accepted is how many TCP connections were served so far.
func (s *Server) Accepted() int64 { return s.accepted.Load() }

// Refused is how many TCP connections and UDP datagrams came from outside
// Allow.
func (s *Server) Refused() int64 { return s.refused.Load() }

// Close stops listening, closes open connections and waits until no more
// messages will be sent.
func (s *Server) Close() error {
	if s.pc != nil {
		s.pc.Close() // #nosec G104 -- shutdown; a close error leaves nothing to do
	} else {
		s.ln.Close() // #nosec G104 -- shutdown; a close error leaves nothing to do
		s.mu.Lock()
		for c := range s.conn {
			c.Close() // #nosec G104 -- shutdown; a close error leaves nothing to do
		}
		s.mu.Unlock()
	}
	s.wg.Wait()
	return nil
}

// allowed reports whether addr is in the allow-list (always, without one).
func (s *Server) allowed(addr net.Addr) bool {
	if len(s.cfg.Allow) == 0 {
		return true
	}
	ap, err := netip.ParseAddrPort(addr.String())
	if err != nil {
		return false
	}
	ip := ap.Addr().Unmap()
	for _, p := range s.cfg.Allow {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// newMachine parses one frame. nginx writes RFC 3164 without a year; best
// effort keeps the message of a frame whose header is slightly off rather
// than losing the line. An octet-counted frame's length is exact, so
// newlines inside it are part of the message, as the library's
// octet-counting parser has it.
func newMachine(octet bool) gosyslog.Machine {
	opts3164 := []gosyslog.MachineOption{rfc3164.WithYear(rfc3164.CurrentYear{})}
	if octet {
		opts3164 = append(opts3164, rfc3164.WithEmbeddedNewlines())
	}
	m := auto.NewMachine(auto.WithRFC3164Options(opts3164...))
	m.WithBestEffort()
	return m
}

func (s *Server) serveUDP() {
	defer s.wg.Done()
	m := newMachine(false)
	buf := make([]byte, 65536) // the largest UDP datagram
	for {
		n, peer, err := s.pc.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		if !s.allowed(peer) {
			s.refused.Add(1)
			continue
		}
		if n > s.cfg.MaxMessageBytes {
			s.out <- Message{Data: append([]byte(nil), buf[:s.cfg.MaxMessageBytes]...), Oversize: true, Peer: peer.String(),
				Err: fmt.Errorf("syslog: message longer than %d bytes", s.cfg.MaxMessageBytes)}
			continue
		}
		msg, err := m.Parse(buf[:n])
		s.out <- message(msg, err, buf[:n], peer.String())
	}
}

func (s *Server) serveTCP() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(10 * time.Millisecond) // out of files, say: do not spin
			continue
		}
		if !s.allowed(c.RemoteAddr()) {
			s.refused.Add(1)
			c.Close() // #nosec G104 -- refused connection; a close error leaves nothing to do (frees its LimitListener slot)
			continue
		}
		s.accepted.Add(1)
		s.mu.Lock()
		s.conn[c] = struct{}{}
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serveConn(c)
			s.mu.Lock()
			delete(s.conn, c)
			s.mu.Unlock()
			c.Close() // #nosec G104 -- connection done; a close error leaves nothing to do
		}()
	}
}

// serveConn reads frames until the connection ends, breaks the framing or
// times out. The framing is told from the first byte: a digit starts an
// octet count, anything else a newline-framed message.
func (s *Server) serveConn(c net.Conn) {
	r := bufio.NewReaderSize(c, 64<<10)
	peer := c.RemoteAddr().String()
	var f *framer
	var m gosyslog.Machine
	for {
		_ = c.SetReadDeadline(time.Now().Add(s.cfg.IdleTimeout))
		first, err := r.Peek(1)
		if err != nil {
			return
		}
		_ = c.SetReadDeadline(time.Now().Add(s.cfg.ReadTimeout))
		if f == nil {
			octet := first[0] >= '0' && first[0] <= '9'
			if !octet && s.cfg.TLS != nil {
				s.out <- Message{Err: errors.New("syslog: over TLS (RFC 5425) every frame must be octet-counted (MSG-LEN SP SYSLOG-MSG)"), Peer: peer}
				return
			}
			f = &framer{r: r, max: s.cfg.MaxMessageBytes, octet: octet}
			m = newMachine(octet)
		}
		frame, oversize, err := f.next()
		if err != nil {
			if !errors.Is(err, errEnd) && !isNetErr(err) {
				s.out <- Message{Err: fmt.Errorf("syslog: %w", err), Peer: peer}
			}
			return
		}
		if oversize {
			s.out <- Message{Data: append([]byte(nil), frame...), Oversize: true, Peer: peer,
				Err: fmt.Errorf("syslog: message longer than %d bytes", s.cfg.MaxMessageBytes)}
			continue
		}
		msg, err := m.Parse(frame)
		s.out <- message(msg, err, frame, peer)
	}
}

// isNetErr reports an error of the connection itself (closed, reset,
// timed out): nothing the sender's frames said, so nothing to dead-letter.
func isNetErr(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, net.ErrClosed)
}

func message(msg gosyslog.Message, err error, raw []byte, peer string) Message {
	var text *string
	switch m := msg.(type) {
	case *rfc3164.SyslogMessage:
		text = m.Message
	case *rfc5424.SyslogMessage:
		text = m.Message
	}
	if text != nil {
		// Copied: the parser's buffers are reused for the next message.
		return Message{Data: []byte(strings.TrimRight(*text, "\r\n")), Peer: peer}
	}
	if err == nil {
		err = errors.New("message has no MSG part")
	}
	var pe *auto.ParseError
	if errors.As(err, &pe) && raw == nil {
		raw = pe.RawMessage
	}
	return Message{Data: append([]byte(nil), raw...), Err: fmt.Errorf("syslog: %w", err), Peer: peer}
}
