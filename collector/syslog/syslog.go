// Package syslog receives access-log lines sent over syslog, as nginx's
// `access_log syslog:server=127.0.0.1:5514` does: UDP datagrams (one message
// each) and TCP streams, octet-counted (RFC 6587 3.4.1, "123 <190>...") or
// newline-framed (3.4.2). Both RFC 3164 and RFC 5424 messages are accepted;
// what the collector parses is the message's MSG part, the log line.
//
// Parsing is leodido/go-syslog's (Ragel state machines, fuzzed upstream,
// also used by Telegraf and Falco), with its per-message RFC 3164/5424
// detection.
package syslog

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"

	gosyslog "github.com/leodido/go-syslog/v4"
	"github.com/leodido/go-syslog/v4/auto"
	"github.com/leodido/go-syslog/v4/nontransparent"
	"github.com/leodido/go-syslog/v4/octetcounting"
	"github.com/leodido/go-syslog/v4/rfc3164"
	"github.com/leodido/go-syslog/v4/rfc5424"
)

// Message is one received syslog message. Data is the log line (the MSG
// part, without a trailing newline); when the frame is not valid syslog,
// Err says why and Data is the raw frame, for the dead-letter sink.
type Message struct {
	Data []byte
	Err  error
	Peer string
}

// Config configures a Server.
type Config struct {
	// Network is "udp" or "tcp".
	Network string
	// Addr to listen on, e.g. 127.0.0.1:5514.
	Addr string
	// MaxMessageBytes caps one message; longer TCP frames are an error.
	// Default 1 MiB.
	MaxMessageBytes int
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
}

// Listen starts receiving. Messages go to out; when out is full the server
// stops reading, so TCP senders are slowed by TCP itself and UDP datagrams
// queue in (and past its size, are dropped by) the kernel's socket buffer.
func Listen(cfg Config, out chan<- Message) (*Server, error) {
	if cfg.MaxMessageBytes <= 0 {
		cfg.MaxMessageBytes = 1 << 20
	}
	s := &Server{cfg: cfg, out: out, conn: map[net.Conn]struct{}{}}
	var err error
	switch cfg.Network {
	case "udp":
		if s.pc, err = net.ListenPacket("udp", cfg.Addr); err != nil {
			return nil, fmt.Errorf("cannot listen for syslog: %w", err)
		}
		s.wg.Add(1)
		go s.serveUDP()
	case "tcp":
		if s.ln, err = net.Listen("tcp", cfg.Addr); err != nil {
			return nil, fmt.Errorf("cannot listen for syslog: %w", err)
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

// Close stops listening, closes open connections and waits until no more
// messages will be sent.
func (s *Server) Close() error {
	if s.pc != nil {
		s.pc.Close()
	} else {
		s.ln.Close()
		s.mu.Lock()
		for c := range s.conn {
			c.Close()
		}
		s.mu.Unlock()
	}
	s.wg.Wait()
	return nil
}

func newMachine() gosyslog.Machine {
	// nginx writes RFC 3164 without a year; best effort keeps the message
	// of a frame whose header is slightly off rather than losing the line.
	m := auto.NewMachine(auto.WithRFC3164Options(rfc3164.WithYear(rfc3164.CurrentYear{})))
	m.WithBestEffort()
	return m
}

func (s *Server) serveUDP() {
	defer s.wg.Done()
	m := newMachine()
	buf := make([]byte, 65536) // the largest UDP datagram
	for {
		n, peer, err := s.pc.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
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
			continue
		}
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
			c.Close()
		}()
	}
}

// serveConn tells the framing from the first byte: a digit starts an
// octet count, '<' a newline-framed message.
func (s *Server) serveConn(c net.Conn) {
	r := bufio.NewReaderSize(c, 64<<10)
	first, err := r.Peek(1)
	if err != nil {
		return
	}
	peer := c.RemoteAddr().String()
	listener := func(res *gosyslog.Result) {
		s.out <- message(res.Message, res.Error, nil, peer)
	}
	var p gosyslog.Parser
	opts := []gosyslog.ParserOption{gosyslog.WithListener(listener), gosyslog.WithBestEffort(),
		auto.WithRFC3164MachineOptions(rfc3164.WithYear(rfc3164.CurrentYear{}))}
	if first[0] >= '0' && first[0] <= '9' {
		p = octetcounting.NewParserAuto(append(opts, gosyslog.WithMaxMessageLength(s.cfg.MaxMessageBytes))...)
	} else {
		p = nontransparent.NewParserAuto(opts...)
	}
	p.Parse(r)
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
