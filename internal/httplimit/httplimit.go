// Package httplimit builds the HTTP servers every edgelog process listens
// with (the query API, the /metrics and /healthz ports), bounded against
// slow, idle and greedy clients. Each bound with its default (Defaults):
//
//   - ReadHeaderTimeout 5s: the request line and headers.
//   - ReadTimeout 10s: the whole request, body included, from its first
//     byte (a client that declares a body and trickles it is cut off).
//   - WriteTimeout 35s: the answer (the query API's handlers give up at 30s).
//   - IdleTimeout 30s: a keep-alive connection between requests.
//   - MaxHeaderBytes 16 KiB: the request line and headers.
//   - MaxBodyBytes 4 KiB: the API takes GET only; a request declaring more
//     is refused with 413 before its body is read, and no read goes past it.
//   - MaxConns 512: connections served at once on one listener
//     (golang.org/x/net/netutil.LimitListener); more wait in the kernel's
//     listen backlog without a goroutine or buffer each.
//
// Found by the security review: 200 connections that declared a body and
// trickled it held 212 goroutines for 43s and more, and an idle keep-alive
// stayed open for 50s and more.
package httplimit

import (
	"net"
	"net/http"
	"time"

	"golang.org/x/net/netutil"
)

// Limits bound a server; zero fields take Defaults' values.
type Limits struct {
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	MaxHeaderBytes                                            int
	MaxBodyBytes                                              int64
	MaxConns                                                  int
}

// Defaults are the bounds of every edgelog listener.
var Defaults = Limits{
	ReadHeaderTimeout: 5 * time.Second,
	ReadTimeout:       10 * time.Second,
	WriteTimeout:      35 * time.Second,
	IdleTimeout:       30 * time.Second,
	MaxHeaderBytes:    16 << 10,
	MaxBodyBytes:      4 << 10,
	MaxConns:          512,
}

func (l Limits) withDefaults() Limits {
	d := Defaults
	if l.ReadHeaderTimeout > 0 {
		d.ReadHeaderTimeout = l.ReadHeaderTimeout
	}
	if l.ReadTimeout > 0 {
		d.ReadTimeout = l.ReadTimeout
	}
	if l.WriteTimeout > 0 {
		d.WriteTimeout = l.WriteTimeout
	}
	if l.IdleTimeout > 0 {
		d.IdleTimeout = l.IdleTimeout
	}
	if l.MaxHeaderBytes > 0 {
		d.MaxHeaderBytes = l.MaxHeaderBytes
	}
	if l.MaxBodyBytes > 0 {
		d.MaxBodyBytes = l.MaxBodyBytes
	}
	if l.MaxConns > 0 {
		d.MaxConns = l.MaxConns
	}
	return d
}

// Server returns an http.Server for h with l's timeouts and header and
// body limits.
func Server(h http.Handler, l Limits) *http.Server {
	l = l.withDefaults()
	return &http.Server{
		Handler:           limitBody(h, l.MaxBodyBytes),
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    l.MaxHeaderBytes,
	}
}

// Listen listens on addr, serving at most l.MaxConns connections at once.
func Listen(addr string, l Limits) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return netutil.LimitListener(ln, l.withDefaults().MaxConns), nil
}

func limitBody(h http.Handler, max int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			w.Header().Set("Connection", "close")
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, max)
		h.ServeHTTP(w, r)
	})
}
