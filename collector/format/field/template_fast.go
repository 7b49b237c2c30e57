package field

import "github.com/edgelog/edgelog/internal/record"

// The fast path of numbers and addresses. Parse found a value's end (a
// search for its literal), then parsed the value, a second pass over the
// same bytes; for the common shapes of a number (digits, seconds with a
// fraction, "-") and of an IPv4 address it now parses the value and finds
// its end in one pass, then checks that the literal follows. A value of
// any other shape (an upstream list, a bad number, IPv6) goes the way it
// went before, through index and set, so what a line gives is unchanged.
//
// Why it finds the same end as index: the value read is made of bytes
// that cannot begin the literal (fastKindOf allows a literal only when
// its first byte is none of them), so the literal cannot occur earlier;
// and where the value may be a list, the literal found must not be a
// list separator (inList), as index requires.

// fastKind is how setFast reads a value; fastNone: it does not.
type fastKind uint8

const (
	fastNone    fastKind = iota
	fastUint             // digits, or "-" where set takes it as 0
	fastSeconds          // digits with an optional fraction ("0.153"), or "-"
	fastIPv4             // four decimal octets
)

// fastKindOf is the fast path of o: its kind's, when its literal cannot
// begin with a byte the value's fast shape holds.
func fastKindOf(o *Op) fastKind {
	if o.Width > 0 || len(o.Lit) == 0 {
		return fastNone
	}
	if c := o.Lit[0]; c >= '0' && c <= '9' || c == '.' || c == '-' {
		return fastNone
	}
	switch o.Kind {
	case KUnixSec, KUnixMs, KUnixUs, KStatus, KBytesSent, KBytesReceived, KBytesTotal, KBytesBoth,
		KSeconds, KMillis, KMicros, KASN:
		return fastUint
	case KRequestTime, KTTFB:
		return fastSeconds
	case KIP, KHostname:
		return fastIPv4
	}
	return fastNone
}

// setFast reads o's value at the start of b and stores it as set would,
// if the value has its kind's fast shape and o's literal follows it. It
// returns the value's length, or 0 when Parse must take the usual way.
func (t *Template) setFast(o *Op, r *record.Record, b []byte) int {
	var n int
	switch o.fast {
	case fastUint:
		var v uint64
		if v, n = leadingUint(b); n == 0 || !t.ends(o, b, n) {
			return 0
		}
		if !setUint(o, r, v, n) {
			return 0
		}
	case fastSeconds:
		var us uint64
		if us, n = leadingSeconds(b); n == 0 || !t.ends(o, b, n) {
			return 0
		}
		setSeconds(o, r, us)
	case fastIPv4:
		var ip [16]byte
		var ok bool
		if ip, n, ok = parseIPv4Prefix(b); !ok || !t.ends(o, b, n) {
			return 0
		}
		r.ClientIP = ip
	}
	return n
}

// ends says o's literal follows a value of n bytes at the start of b, and
// is not, in a list, one of its separators.
func (t *Template) ends(o *Op, b []byte, n int) bool {
	return hasLit(b[n:], o.Lit) && !(o.List && o.Lit[0] == ' ' && inList(b, n))
}

// setSeconds stores a duration setFast read (microseconds) as set stores
// what SecondsToMicros returns for it: saturated at 2^32-1.
func setSeconds(o *Op, r *record.Record, us uint64) {
	v := uint32(min(us, 1<<32-1)) // #nosec G115 -- at most 2^32-1, as SecondsToMicros saturates
	if o.Kind == KTTFB {
		r.TTFBUs = v
	} else {
		r.RequestTimeUs = v
	}
}

// setUint stores a number setFast read (n digits, or "-" as 0 with n 1)
// as set stores what Uint, Status or ASN return for it, or returns false
// when set would refuse it (a status that is not three digits in range, an
// ASN beyond 32 bits), which the usual way then reports.
func setUint(o *Op, r *record.Record, v uint64, n int) bool {
	switch o.Kind {
	case KStatus:
		if n != 3 || v < 100 || v > 599 {
			return false
		}
		r.Status = uint16(v) // #nosec G115 -- 100..599
	case KASN:
		if v > 1<<32-1 {
			return false
		}
		r.ASN = uint32(v) // #nosec G115 -- checked above
	case KUnixSec:
		r.TimeMs = SecondsToMillis(v)
	case KUnixMs:
		r.TimeMs = Int64(v)
	case KUnixUs:
		r.TimeMs = int64(v / 1000) // #nosec G115 -- v/1000 < 2^54 fits an int64
	case KBytesSent:
		r.BytesSent = v
	case KBytesReceived:
		r.BytesReceived = v
	case KBytesTotal:
		r.BytesTotal = v
	case KBytesBoth:
		r.BytesSent, r.BytesTotal = v, v
	case KSeconds:
		r.RequestTimeUs = Micros(v, 1_000_000)
	case KMillis:
		r.RequestTimeUs = Micros(v, 1000)
	case KMicros:
		r.RequestTimeUs = Micros(v, 1)
	default:
		return false
	}
	return true
}

// leadingUint reads the number at the start of b as Uint does: its digits,
// at most 19 (which cannot overflow), or a "-" (0, length 1). n is 0 when
// b starts with neither.
func leadingUint(b []byte) (v uint64, n int) {
	if len(b) > 0 && b[0] == '-' {
		return 0, 1
	}
	for n < len(b) && n < 19 && b[n]-'0' <= 9 {
		v = v*10 + uint64(b[n]-'0')
		n++
	}
	return v, n
}

// leadingSeconds reads seconds at the start of b as decimalMicros does
// ("0.153", "12", "3."): whole seconds of at most 12 digits (far from
// decimalMicros' overflow), a fraction of which the first six digits
// count, the value at most 20 bytes; or a "-" (0, length 1). It returns
// the microseconds and the length, which is 0 when b does not start so.
func leadingSeconds(b []byte) (us uint64, n int) {
	if len(b) > 0 && b[0] == '-' {
		return 0, 1
	}
	var whole, frac uint64
	for n < len(b) && n < 12 && b[n]-'0' <= 9 {
		whole = whole*10 + uint64(b[n]-'0')
		n++
	}
	if n == 0 {
		return 0, 0
	}
	digits := 0
	if n < len(b) && b[n] == '.' {
		for n++; n < len(b) && n <= 20 && b[n]-'0' <= 9; n++ {
			if digits < 6 {
				frac = frac*10 + uint64(b[n]-'0')
				digits++
			}
		}
		if n > 20 {
			return 0, 0
		}
	}
	for ; digits < 6; digits++ {
		frac *= 10
	}
	return whole*1_000_000 + frac, n
}
