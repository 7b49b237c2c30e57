package field

import (
	"bytes"
	"errors"

	"github.com/edgelog/edgelog/internal/record"
)

var (
	errStatus = errors.New("status out of range")
	errASN    = errors.New("bad ASN")
)

// Status parses an HTTP status code. Codes outside 100..599 (nginx and
// CloudFront log "000" when the client left before a response; RFC 9110
// defines no class above 5xx) are rejected: a row without a real status
// would break every error-rate panel.
func Status(b []byte) (uint16, error) {
	if len(b) != 3 {
		return 0, errStatus
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, errStatus
		}
		n = n*10 + int(c-'0')
	}
	if n < 100 || n > 599 {
		return 0, errStatus
	}
	return uint16(n), nil
}

// ASN parses an autonomous system number written as "3320" or "AS3320".
// "-" and "" are 0 (unknown).
func ASN(b []byte) (uint32, error) {
	if len(b) >= 2 && (b[0] == 'A' || b[0] == 'a') && (b[1] == 'S' || b[1] == 's') {
		b = b[2:]
	}
	n, err := Uint(b)
	if err != nil || n > 1<<32-1 {
		return 0, errASN
	}
	return uint32(n), nil
}

// Dash returns nil for the "-" that nginx, Apache and W3C logs write for an
// absent value, and v otherwise.
func Dash(v []byte) []byte {
	if len(v) == 1 && v[0] == '-' {
		return nil
	}
	return v
}

// StripQuery drops the query string from a request target: it is
// high-cardinality and may carry secrets (tokens, signatures).
func StripQuery(v []byte) []byte {
	if i := indexByte(v, '?'); i >= 0 {
		return v[:i]
	}
	return v
}

// SetRequest splits a request line ("GET /a?b=c HTTP/1.1") into the
// method, path (query dropped) and protocol of r. Malformed request lines
// (scanners send garbage, TLS handshakes to a plain port) keep what can be
// read rather than rejecting the line: the request was still served and
// billed.
func SetRequest(r *record.Record, v []byte) {
	v = Dash(v)
	sp := indexByte(v, ' ') // a method is a few bytes: see indexByte
	if sp < 0 {
		r.Str[record.Path] = StripQuery(v)
		return
	}
	r.Str[record.Method] = v[:sp]
	rest := v[sp+1:]
	if sp2 := bytes.LastIndexByte(rest, ' '); sp2 >= 0 && bytes.HasPrefix(rest[sp2+1:], []byte("HTTP/")) {
		r.Str[record.Protocol] = rest[sp2+1:]
		rest = rest[:sp2]
	}
	r.Str[record.Path] = StripQuery(rest)
}
