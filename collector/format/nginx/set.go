package nginx

import (
	"bytes"
	"errors"

	"github.com/edgelog/edgelog/collector/format/field"
	"github.com/edgelog/edgelog/internal/record"
)

var errHTTPS = errors.New(`not "on" or ""`)

// set stores one value. A switch rather than a func per variable: the
// common kinds are a few instructions each, and the compiler inlines them.
func (p *Parser) set(o *op, r *record.Record, v []byte) (err error) {
	switch o.kind {
	case kStr:
		r.Str[o.str] = p.unescape(field.Dash(v))
	case kIP:
		r.ClientIP, err = field.ParseIP(v)
	case kMsec:
		r.TimeMs, err = field.UnixMillis(v)
	case kTimeLocal:
		r.TimeMs, err = field.CommonLogTime(v)
	case kTimeISO:
		r.TimeMs, err = field.ISO8601Millis(v)
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
	case kRequestTime:
		r.RequestTimeUs, err = field.SecondsToMicros(v)
	case kTTFB:
		r.TTFBUs, err = field.SecondsToMicros(v)
	case kASN:
		r.ASN, err = field.ASN(v)
	case kHTTPS:
		switch string(v) {
		case "on":
			r.Str[record.Scheme] = schemeHTTPS
		case "", "-":
			r.Str[record.Scheme] = schemeHTTP
		default:
			err = errHTTPS
		}
	case kCache:
		r.Str[record.CacheStatus] = field.CacheStatus(p.unescape(v))
	}
	return err
}

var (
	schemeHTTP  = []byte("http")
	schemeHTTPS = []byte("https")
)

// unescape reverses nginx's value escaping into the parser's scratch space
// when v holds a backslash, and returns v itself otherwise.
func (p *Parser) unescape(v []byte) []byte {
	if p.escape == EscapeNone || bytes.IndexByte(v, '\\') < 0 {
		return v
	}
	start := len(p.scratch)
	if p.escape == EscapeJSON {
		p.scratch, _ = field.AppendJSONUnescape(p.scratch, v)
	} else {
		p.scratch = field.AppendHexUnescape(p.scratch, v)
	}
	return p.scratch[start:len(p.scratch):len(p.scratch)]
}
