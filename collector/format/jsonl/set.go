package jsonl

import (
	"bytes"
	"errors"

	"github.com/edgelog/edgelog/collector/format/field"
	"github.com/edgelog/edgelog/internal/record"
	"github.com/valyala/fastjson"
)

var errTime = errors.New("not a Unix time, RFC 3339 or [10/Oct/2026:13:55:36 +0000] time")

// set stores the value for target t.
func (p *Parser) set(t target, r *record.Record, v *fastjson.Value) error {
	if t == tForwarded {
		p.forwarded(v)
		return nil
	}
	b, ok, err := p.text(v)
	if err != nil || !ok {
		return err
	}
	switch t {
	case tRequest:
		field.SetRequest(r, b)
	case tTime:
		r.TimeMs, err = unixOrCivil(b)
	case tClientIP:
		r.ClientIP, err = field.ParseIP(b)
	case tASN:
		r.ASN, err = field.ASN(b)
	case tStatus:
		r.Status, err = field.Status(b)
	case tBytesSent:
		r.BytesSent, err = field.Uint(b)
	case tBytesReceived:
		r.BytesReceived, err = field.Uint(b)
	case tBytesTotal:
		r.BytesTotal, err = field.Uint(b)
	case tRequestTime:
		r.RequestTimeUs, err = field.SecondsToMicros(b)
	case tRequestTimeMs:
		r.RequestTimeUs, err = scaledMicros(b, 3)
	case tRequestTimeUs:
		r.RequestTimeUs, err = scaledMicros(b, 0)
	case tTTFB:
		r.TTFBUs, err = field.SecondsToMicros(b)
	case tTTFBMs:
		r.TTFBUs, err = scaledMicros(b, 3)
	case tTTFBUs:
		r.TTFBUs, err = scaledMicros(b, 0)
	default:
		s := record.Str(t - tStr)
		switch s {
		case record.Method, record.Path, record.Protocol:
			if r.Str[s] != nil {
				return nil // the request line had it
			}
		}
		b = field.Dash(b)
		switch s {
		case record.Path:
			b = field.StripQuery(b)
		case record.CacheStatus:
			b = field.CacheStatus(b)
		}
		r.Str[s] = b
	}
	return err
}

// unixOrCivil reads a time: a Unix time as a number or numeric string
// (seconds with a fraction; or an integer in seconds, milliseconds,
// microseconds or nanoseconds, told apart by size), RFC 3339, or nginx's
// $time_local.
func unixOrCivil(b []byte) (int64, error) {
	switch {
	case len(b) >= 20 && b[4] == '-':
		return field.ISO8601Millis(b)
	case len(b) == 26 && b[2] == '/':
		return field.CommonLogTime(b)
	case bytes.IndexByte(b, '.') >= 0:
		return field.UnixMillis(b)
	}
	n, err := field.Uint(b)
	if err != nil || n == 0 {
		return 0, errTime
	}
	// Seconds until the year 5138, milliseconds from 1973 on, and so on.
	switch {
	case n < 1e11:
		return int64(n) * 1000, nil
	case n < 1e14:
		return int64(n), nil
	case n < 1e17:
		return int64(n / 1e3), nil
	default:
		return int64(n / 1e6), nil // #nosec G115 -- n/1e6 < 2^45 fits an int64
	}
}

// scaledMicros reads a decimal count of 10^-(6-shift) seconds (shift 3:
// milliseconds, 0: microseconds) into microseconds, dropping what is finer
// and saturating at the record field's 32 bits (71 minutes).
func scaledMicros(b []byte, shift int) (uint32, error) {
	const limit = 1<<32 - 1
	whole, frac, _ := bytes.Cut(b, []byte("."))
	n, err := field.Uint(whole)
	if err != nil || len(whole) == 0 {
		return 0, errNumber
	}
	for _, c := range frac {
		if c < '0' || c > '9' {
			return 0, errNumber
		}
	}
	for i := 0; i < shift && n <= limit; i++ {
		n *= 10
		if i < len(frac) {
			n += uint64(frac[i] - '0')
		}
	}
	return uint32(min(n, limit)), nil
}

var errNumber = errors.New("not a number")

// forwarded keeps an X-Forwarded-For value for Forwarded: a string, or
// the header's values (Caddy logs each header as an array) joined as one
// list. A value of another type is passed over: it only helps choose the
// client.
func (p *Parser) forwarded(v *fastjson.Value) {
	switch v.Type() {
	case fastjson.TypeString:
		p.fwd = field.Dash(v.GetStringBytes())
	case fastjson.TypeArray:
		a, _ := v.Array()
		start := len(p.scratch)
		for i, e := range a {
			if e.Type() != fastjson.TypeString {
				continue
			}
			if i > 0 {
				p.scratch = append(p.scratch, ", "...)
			}
			p.scratch = append(p.scratch, e.GetStringBytes()...)
		}
		p.fwd = p.scratch[start:len(p.scratch):len(p.scratch)]
	}
}
