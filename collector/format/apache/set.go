package apache

import (
	"bytes"
	"errors"

	"github.com/edgelog/edgelog/collector/format/field"
	"github.com/edgelog/edgelog/internal/record"
)

// set stores one value. A switch rather than a func per directive: the
// common kinds are a few instructions each, and the compiler inlines them.
func (p *Parser) set(o *op, r *record.Record, v []byte) (err error) {
	var n uint64
	switch o.kind {
	case kStr:
		r.Str[o.str] = p.unescape(field.Dash(v))
	case kIP:
		r.ClientIP, err = field.ParseIP(v)
	case kHostname:
		// Under HostnameLookups On, %h is a DNS name: the request is
		// still worth keeping, without an address.
		r.ClientIP, _ = field.ParseIP(v)
	case kTimeCLF:
		if len(v) < 2 || v[0] != '[' || v[len(v)-1] != ']' {
			return errBrackets
		}
		r.TimeMs, err = field.CommonLogTime(v[1 : len(v)-1])
	case kTimeCommon:
		r.TimeMs, err = field.CommonLogTime(v)
	case kTimeISO:
		r.TimeMs, err = field.ISO8601Millis(v)
	case kUnixSec:
		n, err = field.Uint(v)
		r.TimeMs = int64(n) * 1000
	case kUnixMs:
		n, err = field.Uint(v)
		r.TimeMs = int64(n)
	case kUnixUs:
		n, err = field.Uint(v)
		r.TimeMs = int64(n / 1000)
	case kRequest:
		field.SetRequest(r, p.unescape(v))
	case kPath:
		r.Str[record.Path] = field.StripQuery(p.unescape(field.Dash(v)))
	case kStatus:
		r.Status, err = field.Status(v)
	case kBytesSent:
		r.BytesSent, err = field.Uint(v)
	case kBytesReceived:
		r.BytesReceived, err = field.Uint(v)
	case kSeconds:
		n, err = field.Uint(v)
		r.RequestTimeUs = micros(n, 1_000_000)
	case kMillis:
		n, err = field.Uint(v)
		r.RequestTimeUs = micros(n, 1000)
	case kMicros:
		n, err = field.Uint(v)
		r.RequestTimeUs = micros(n, 1)
	case kCache:
		r.Str[record.CacheStatus] = field.CacheStatus(p.unescape(v))
	}
	return err
}

var errBrackets = errors.New("time not in [brackets]")

// micros scales n units to microseconds, saturating as the record's field
// is 32 bits (71 minutes): a request that long is an outlier either way.
func micros(n, scale uint64) uint32 {
	if n > (1<<32-1)/scale {
		return 1<<32 - 1
	}
	return uint32(n * scale)
}

// unescape reverses ap_escape_logitem into the parser's scratch space when
// v holds a backslash, and returns v itself otherwise.
func (p *Parser) unescape(v []byte) []byte {
	if bytes.IndexByte(v, '\\') < 0 {
		return v
	}
	return p.scratch.Append(field.AppendApacheUnescape, v)
}
