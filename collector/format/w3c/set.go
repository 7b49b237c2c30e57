package w3c

import (
	"bytes"

	"github.com/edgelog/edgelog/collector/format/field"
	"github.com/edgelog/edgelog/internal/record"
)

// set stores one value; sep is the line's separator.
func (p *Parser) set(c *col, r *record.Record, v []byte, sep byte) (err error) {
	switch c.kind {
	case kStr:
		r.Str[c.str] = field.Dash(v)
	case kUserAgent:
		v = field.Dash(v)
		if sep == ' ' && bytes.IndexByte(v, '+') >= 0 {
			v = p.scratch.Append(appendPlusSpace, v)
		}
		if bytes.IndexByte(v, '%') >= 0 {
			v = p.scratch.Append(field.AppendPercentDecode, v)
		}
		r.Str[c.str] = v
	case kIP:
		r.ClientIP, err = field.ParseIP(v)
	case kUnixSeconds:
		r.TimeMs, err = field.UnixMillis(v)
	case kUnixMillis:
		var ms uint64
		ms, err = field.Uint(v)
		r.TimeMs = field.Int64(ms)
	case kPath:
		r.Str[record.Path] = field.StripQuery(field.Dash(v))
	case kStatus:
		r.Status, err = field.Status(v)
	case kBytesSent:
		// sc-bytes is every byte sent, headers included; W3C logs have no
		// body size, so it is the body bytes too.
		r.BytesSent, err = field.Uint(v)
		r.BytesTotal = r.BytesSent
	case kBytesReceived:
		r.BytesReceived, err = field.Uint(v)
	case kDuration:
		r.RequestTimeUs, err = duration(v)
	case kTTFB:
		r.TTFBUs, err = field.SecondsToMicros(v)
	case kCache:
		r.Str[record.CacheStatus] = field.CacheStatus(v)
	case kASN:
		r.ASN, err = field.ASN(v)
	case kForwarded:
		v = field.Dash(v)
		if bytes.IndexByte(v, '+') >= 0 { // IIS: a space; never part of an address
			v = p.scratch.Append(appendPlusSpace, v)
		}
		if bytes.IndexByte(v, '%') >= 0 { // CloudFront: ",%20"
			v = p.scratch.Append(field.AppendPercentDecode, v)
		}
		p.fwd = v
	}
	return err
}

// duration reads time-taken: seconds with a decimal point as the W3C
// draft and CloudFront write it, or whole milliseconds as IIS does.
func duration(v []byte) (uint32, error) {
	if bytes.IndexByte(v, '.') >= 0 {
		return field.SecondsToMicros(v)
	}
	ms, err := field.Uint(v)
	if err != nil {
		return 0, err
	}
	if ms > (1<<32-1)/1000 {
		return 1<<32 - 1, nil // saturate, as SecondsToMicros does
	}
	return uint32(ms * 1000), nil
}

// appendPlusSpace undoes IIS's writing of spaces as '+' in a header value
// of a space-separated line.
func appendPlusSpace(dst, src []byte) []byte {
	for _, c := range src {
		if c == '+' {
			c = ' '
		}
		dst = append(dst, c)
	}
	return dst
}
