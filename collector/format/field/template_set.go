package field

import (
	"bytes"
	"errors"

	"github.com/edgelog/edgelog/internal/record"
)

var (
	errHTTPS    = errors.New(`not "on" or ""`)
	errBrackets = errors.New("time not in [brackets]")
)

// set stores one value. A switch rather than a func per kind: the common
// kinds are a few instructions each, and the compiler inlines them.
func (t *Template) set(o *Op, r *record.Record, v []byte) (err error) {
	var n uint64
	switch o.Kind {
	case KStr:
		r.Str[o.Str] = t.unescape(Dash(v))
	case KIP:
		r.ClientIP, err = ParseIP(v)
	case KHostname:
		// Under HostnameLookups On, %h is a DNS name: ParseLenient keeps
		// the request without an address, and counts it.
		r.ClientIP, err = ParseIP(v)
	case KTimeCLF:
		if len(v) < 2 || v[0] != '[' || v[len(v)-1] != ']' {
			return errBrackets
		}
		r.TimeMs, err = CommonLogTime(v[1 : len(v)-1])
	case KTimeLocal:
		r.TimeMs, err = CommonLogTime(v)
	case KTimeISO:
		r.TimeMs, err = ISO8601Millis(v)
	case KUnixFrac:
		r.TimeMs, err = UnixMillis(v)
	case KUnixSec:
		n, err = Uint(v)
		r.TimeMs = SecondsToMillis(n)
	case KUnixMs:
		n, err = Uint(v)
		r.TimeMs = Int64(n)
	case KUnixUs:
		n, err = Uint(v)
		r.TimeMs = int64(n / 1000) // #nosec G115 -- n/1000 < 2^54 fits an int64
	case KRequest:
		SetRequest(r, t.unescape(v))
	case KPath:
		r.Str[record.Path] = StripQuery(t.unescape(Dash(v)))
	case KStatus:
		r.Status, err = Status(v)
	case KBytesSent:
		r.BytesSent, err = Uint(v)
	case KBytesReceived:
		r.BytesReceived, err = Uint(v)
	case KBytesTotal:
		r.BytesTotal, err = Uint(v)
	case KBytesBoth:
		n, err = Uint(v)
		r.BytesSent, r.BytesTotal = n, n
	case KRequestTime:
		r.RequestTimeUs, err = SecondsToMicros(v)
	case KTTFB:
		r.TTFBUs, err = SecondsToMicros(v)
	case KSeconds:
		n, err = Uint(v)
		r.RequestTimeUs = Micros(n, 1_000_000)
	case KMillis:
		n, err = Uint(v)
		r.RequestTimeUs = Micros(n, 1000)
	case KMicros:
		n, err = Uint(v)
		r.RequestTimeUs = Micros(n, 1)
	case KASN:
		r.ASN, err = ASN(v)
	case KHTTPS:
		switch string(v) {
		case "on":
			r.Str[record.Scheme] = schemeHTTPS
		case "", "-":
			r.Str[record.Scheme] = schemeHTTP
		default:
			err = errHTTPS
		}
	case KCache:
		r.Str[record.CacheStatus] = CacheStatus(t.unescape(v))
	case KForwarded:
		t.fwd = Dash(v)
	}
	return err
}

var (
	schemeHTTP  = []byte("http")
	schemeHTTPS = []byte("https")
)

// Micros scales n units to microseconds, saturating as the record's field
// is 32 bits (71 minutes): a request that long is an outlier either way.
func Micros(n, scale uint64) uint32 {
	if n > (1<<32-1)/scale {
		return 1<<32 - 1
	}
	return uint32(n * scale) // #nosec G115 -- n*scale <= 2^32-1, checked above
}

// unescape reverses the format's value escaping into the scratch space
// when v holds a backslash, and returns v itself otherwise.
func (t *Template) unescape(v []byte) []byte {
	if t.plain || bytes.IndexByte(v, '\\') < 0 {
		return v
	}
	start := len(t.scratch)
	switch t.Escape {
	case EscapeJSON:
		t.scratch, _ = AppendJSONUnescape(t.scratch, v)
	case EscapeApache:
		t.scratch = AppendApacheUnescape(t.scratch, v)
	default:
		t.scratch = AppendHexUnescape(t.scratch, v)
	}
	return t.scratch[start:len(t.scratch):len(t.scratch)]
}

// KindField names the record field a kind fills, as fallbacks and
// `edgelog check` name it ("" for KSkip).
func KindField(k Kind, s record.Str) string {
	switch k {
	case KSkip:
		return ""
	case KStr:
		return s.String()
	case KIP, KHostname:
		return "client_ip"
	case KTimeCLF, KTimeLocal, KTimeISO, KUnixFrac, KUnixSec, KUnixMs, KUnixUs:
		return "time"
	case KRequest:
		return "request"
	case KPath:
		return "path"
	case KStatus:
		return "status"
	case KBytesSent, KBytesBoth:
		return "bytes_sent"
	case KBytesTotal:
		return "bytes_total"
	case KBytesReceived:
		return "bytes_received"
	case KRequestTime, KSeconds, KMillis, KMicros:
		return "request_time"
	case KTTFB:
		return "ttfb"
	case KASN:
		return "asn"
	case KHTTPS:
		return "scheme"
	case KCache:
		return "cache_status"
	case KForwarded:
		return "x_forwarded_for"
	}
	return "unknown"
}
