package field

import (
	"bytes"
	"errors"
	"math"
	"net/netip"
	"time"
	"unsafe"
)

var (
	errNumber = errors.New("not a number")
	errTime   = errors.New("bad timestamp")
	errIP     = errors.New("bad IP address")
)

// Uint parses a decimal unsigned integer. "-" and "" are 0, as nginx writes
// "-" for absent values.
func Uint(b []byte) (uint64, error) {
	if len(b) == 0 || (len(b) == 1 && b[0] == '-') {
		return 0, nil
	}
	if len(b) > 20 {
		return 0, errNumber
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, errNumber
		}
		v = v*10 + uint64(c-'0')
	}
	if len(b) == 20 && (b[0] > '1' || v < 1e19) {
		return 0, errNumber // beyond 2^64-1: wrapped around
	}
	return v, nil
}

// SecondsToMicros parses nginx's "seconds.milliseconds" (e.g. "0.153") into
// microseconds. Comma-separated upstream lists ("0.010, 0.020") take the sum,
// as nginx reports one time per upstream tried. "-" is 0.
func SecondsToMicros(b []byte) (uint32, error) {
	if len(b) == 0 || (len(b) == 1 && b[0] == '-') {
		return 0, nil
	}
	var total uint64
	for len(b) > 0 {
		part := b
		if i := bytes.IndexAny(b, ",:"); i >= 0 {
			part, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		part = bytes.TrimSpace(part)
		if len(part) == 1 && part[0] == '-' {
			continue
		}
		us, err := decimalMicros(part)
		if err != nil {
			return 0, err
		}
		total += us
	}
	if total > 1<<32-1 {
		total = 1<<32 - 1
	}
	return uint32(total), nil
}

// maxWholeSeconds is the largest whole part decimalMicros can scale to
// microseconds without overflowing uint64.
const maxWholeSeconds = (1<<64-1)/1_000_000 - 1

func decimalMicros(b []byte) (uint64, error) {
	if len(b) == 0 || len(b) > 20 {
		return 0, errNumber
	}
	var whole, frac uint64
	digits := 0
	i := 0
	for ; i < len(b) && b[i] != '.'; i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return 0, errNumber
		}
		whole = whole*10 + uint64(c-'0')
		if whole > maxWholeSeconds {
			return 0, errNumber // would wrap around to a plausible value
		}
	}
	if i < len(b) {
		for i++; i < len(b); i++ {
			c := b[i]
			if c < '0' || c > '9' {
				return 0, errNumber
			}
			if digits < 6 {
				frac = frac*10 + uint64(c-'0')
				digits++
			}
		}
	}
	for ; digits < 6; digits++ {
		frac *= 10
	}
	return whole*1_000_000 + frac, nil
}

// SecondsToMillis converts Unix seconds to milliseconds. A count too large
// for an int64 of milliseconds becomes math.MaxInt64, which
// record.ValidTime refuses: multiplied as it was, it wrapped around into a
// plausible time.
func SecondsToMillis(n uint64) int64 {
	if n > math.MaxInt64/1000 {
		return math.MaxInt64
	}
	return int64(n) * 1000
}

// Int64 is n, or math.MaxInt64 (refused by record.ValidTime) when n does
// not fit.
func Int64(n uint64) int64 {
	if n > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(n)
}

// UnixMillis parses "1700000000.123" (nginx $msec) into Unix milliseconds.
func UnixMillis(b []byte) (int64, error) {
	us, err := decimalMicros(b)
	if err != nil || us == 0 {
		return 0, errTime
	}
	return int64(us / 1000), nil // #nosec G115 -- us/1000 < 2^54 fits an int64
}

// Month parses an English three-letter month abbreviation ("Jan", any
// case). A switch on the packed bytes beats a map lookup on the hot path.
func Month(b []byte) (time.Month, bool) {
	if len(b) != 3 {
		return 0, false
	}
	switch uint32(b[0]|0x20)<<16 | uint32(b[1]|0x20)<<8 | uint32(b[2]|0x20) {
	case 'j'<<16 | 'a'<<8 | 'n':
		return time.January, true
	case 'f'<<16 | 'e'<<8 | 'b':
		return time.February, true
	case 'm'<<16 | 'a'<<8 | 'r':
		return time.March, true
	case 'a'<<16 | 'p'<<8 | 'r':
		return time.April, true
	case 'm'<<16 | 'a'<<8 | 'y':
		return time.May, true
	case 'j'<<16 | 'u'<<8 | 'n':
		return time.June, true
	case 'j'<<16 | 'u'<<8 | 'l':
		return time.July, true
	case 'a'<<16 | 'u'<<8 | 'g':
		return time.August, true
	case 's'<<16 | 'e'<<8 | 'p':
		return time.September, true
	case 'o'<<16 | 'c'<<8 | 't':
		return time.October, true
	case 'n'<<16 | 'o'<<8 | 'v':
		return time.November, true
	case 'd'<<16 | 'e'<<8 | 'c':
		return time.December, true
	}
	return 0, false
}

// CommonLogTime parses "10/Oct/2026:13:55:36 +0000" (nginx $time_local,
// Apache %t) into Unix milliseconds.
func CommonLogTime(b []byte) (int64, error) {
	if len(b) != 26 || b[2] != '/' || b[6] != '/' || b[11] != ':' || b[14] != ':' || b[17] != ':' || b[20] != ' ' {
		return 0, errTime
	}
	day, ok1 := num2(b[0:2])
	mon, ok2 := Month(b[3:6])
	year, ok3 := num4(b[7:11])
	hh, ok4 := num2(b[12:14])
	mm, ok5 := num2(b[15:17])
	ss, ok6 := num2(b[18:20])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		return 0, errTime
	}
	off, ok := tzOffset(b[21:26])
	if !ok || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 {
		return 0, errTime
	}
	return CivilMillis(year, mon, day, hh, mm, ss, 0) - int64(off)*1000, nil
}

// ISO8601Millis parses "2026-10-10T13:55:36+00:00" (nginx $time_iso8601),
// with optional ".mmm" fraction and "Z".
func ISO8601Millis(b []byte) (int64, error) {
	if len(b) < 20 || b[4] != '-' || b[7] != '-' || (b[10] != 'T' && b[10] != ' ') || b[13] != ':' || b[16] != ':' {
		return 0, errTime
	}
	year, ok1 := num4(b[0:4])
	mon, ok2 := num2(b[5:7])
	day, ok3 := num2(b[8:10])
	hh, ok4 := num2(b[11:13])
	mm, ok5 := num2(b[14:16])
	ss, ok6 := num2(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || mon < 1 || mon > 12 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 {
		return 0, errTime
	}
	rest := b[19:]
	ms := 0
	if len(rest) > 0 && rest[0] == '.' {
		i := 1
		scale := 100
		for ; i < len(rest) && rest[i] >= '0' && rest[i] <= '9'; i++ {
			ms += int(rest[i]-'0') * scale
			scale /= 10
		}
		rest = rest[i:]
	}
	off := 0
	switch {
	case len(rest) == 1 && rest[0] == 'Z':
	case len(rest) == 6 && rest[3] == ':':
		var ok bool
		off, ok = tzOffset([]byte{rest[0], rest[1], rest[2], rest[4], rest[5]})
		if !ok {
			return 0, errTime
		}
	case len(rest) == 5:
		var ok bool
		off, ok = tzOffset(rest)
		if !ok {
			return 0, errTime
		}
	case len(rest) == 0:
	default:
		return 0, errTime
	}
	return CivilMillis(year, time.Month(mon), day, hh, mm, ss, ms) - int64(off)*1000, nil
}

func tzOffset(b []byte) (int, bool) {
	if len(b) != 5 || (b[0] != '+' && b[0] != '-') {
		return 0, false
	}
	h, ok1 := num2(b[1:3])
	m, ok2 := num2(b[3:5])
	if !ok1 || !ok2 {
		return 0, false
	}
	off := h*3600 + m*60
	if b[0] == '-' {
		off = -off
	}
	return off, true
}

func num2(b []byte) (int, bool) {
	if b[0] < '0' || b[0] > '9' || b[1] < '0' || b[1] > '9' {
		return 0, false
	}
	return int(b[0]-'0')*10 + int(b[1]-'0'), true
}

func num4(b []byte) (int, bool) {
	h, ok1 := num2(b[0:2])
	l, ok2 := num2(b[2:4])
	return h*100 + l, ok1 && ok2
}

// CivilMillis converts a UTC civil time to Unix milliseconds without
// time.Date's normalisation and location lookups (days-from-civil, Howard
// Hinnant's algorithm).
func CivilMillis(year int, mon time.Month, day, hh, mm, ss, ms int) int64 {
	y := int64(year)
	m := int64(mon)
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + int64(day) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	days := era*146097 + doe - 719468
	return ((days*24+int64(hh))*60+int64(mm))*60_000 + int64(ss)*1000 + int64(ms)
}

// ParseIP parses an IPv4 or IPv6 address into its 16-byte form.
func ParseIP(b []byte) ([16]byte, error) {
	if len(b) == 0 || (len(b) == 1 && b[0] == '-') {
		return [16]byte{}, nil
	}
	if ip, ok := parseIPv4(b); ok {
		return ip, nil
	}
	// netip keeps nothing of its input (a zone is copied by unique.Make),
	// so an unsafe view spares the string allocation per IPv6 address.
	addr, err := netip.ParseAddr(unsafe.String(&b[0], len(b))) // #nosec G103 -- zero-copy view of b for ParseAddr, which does not keep it
	if err != nil {
		return [16]byte{}, errIP
	}
	return addr.As16(), nil
}

// parseIPv4 is the allocation-free fast path for the common case: four
// decimal octets of one to three digits, no leading zeros (as netip).
// Octet by octet rather than a switch per byte: a tenth fewer branches in
// the hottest field of every line.
func parseIPv4(b []byte) (ip [16]byte, ok bool) {
	ip, n, ok := parseIPv4Prefix(b)
	return ip, ok && n == len(b)
}

// parseIPv4Prefix reads an IPv4 address at the start of b as parseIPv4
// does and returns its length; what follows is the caller's to check (a
// digit after the fourth octet's third makes it no address).
func parseIPv4Prefix(b []byte) (ip [16]byte, i int, ok bool) {
	ip[10], ip[11] = 0xff, 0xff
	for part := range 4 {
		if part > 0 {
			if i >= len(b) || b[i] != '.' {
				return ip, i, false
			}
			i++
		}
		start, n := i, 0
		for i < len(b) && i-start < 3 && b[i]-'0' <= 9 {
			n = n*10 + int(b[i]-'0')
			i++
		}
		if i == start || n > 255 || b[start] == '0' && i-start > 1 {
			return ip, i, false
		}
		ip[12+part] = byte(n)
	}
	return ip, i, true
}
