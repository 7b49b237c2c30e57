// Package fallbacks carries a Kafka message's field fallbacks from the
// collector to ingest: how many of the message's rows were kept although a
// field of their line could not be read as the format says (the collector's
// lenient path, collector/format.Lenient), per field and reason. They travel
// in one Kafka header beside the payload, so the wire payload format
// (internal/wire) is untouched and an older ingest simply ignores them.
// Ingest writes them into the field_fallbacks table (package schema) in the
// same step as the message's rows, and the operations overview sums them.
//
// The header value is text:
//
//	nginx;client_ip/address_list=3;line/extra=1
//
// the log family, then one entry per field and reason with its count, sorted
// by field and reason so that the same rows always give the same bytes (a
// batch re-cut after a crash yields byte-identical messages).
//
// # Bounds
//
// A header value is at most MaxHeaderBytes (1,024) bytes and MaxEntries (64)
// entries; a field or reason is at most MaxNameBytes (48) bytes of [a-z0-9_]
// and a count at most 2^32-1. Encode folds the entries past either bound
// into one last entry "*/overflow" holding their summed count, so no count is
// lost, only its field and reason. Decode refuses a value that breaks a
// bound or the syntax (ErrHeader): ingest then stores no fallbacks for that
// message and keeps its rows.
package fallbacks

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/segmentio/kafka-go"
)

// Header is the Kafka header key of a message's fallbacks.
const Header = "fallbacks"

// Bounds of one header value (see the package doc).
const (
	MaxHeaderBytes = 1024
	MaxEntries     = 64
	MaxNameBytes   = 48
)

// Overflow is the field and reason of the entry that sums the entries Encode
// could not fit.
const (
	OverflowField  = "*"
	OverflowReason = "overflow"
)

// ErrHeader is Decode's error for a value that is not a valid header.
var ErrHeader = errors.New("invalid fallbacks header")

// Count is how many rows of a message took one fallback.
type Count struct {
	Field  string
	Reason string
	Lines  uint64
}

// Encode returns the header value for the counts of one message's rows,
// nil when there are none. counts is sorted in place; a field, reason or
// format that is not a valid name panics (they come from the collector's
// own fixed sets).
func Encode(format string, counts []Count) []byte {
	if len(counts) == 0 {
		return nil
	}
	if !validName(format) {
		panic("BUG: fallbacks format " + strconv.Quote(format) + " is not a valid name")
	}
	slices.SortFunc(counts, func(a, b Count) int {
		if c := strings.Compare(a.Field, b.Field); c != 0 {
			return c
		}
		return strings.Compare(a.Reason, b.Reason)
	})
	// The room one overflow entry takes at most: ";*/overflow=" and a
	// count of up to 20 digits.
	const overflowRoom = len(";*/overflow=") + 20
	v := append(make([]byte, 0, 128), format...)
	var over uint64
	n := 0
	for i, c := range counts {
		if c.Field == OverflowField && c.Reason == OverflowReason {
			over += c.Lines // a decoded header's own overflow
			continue
		}
		if !validName(c.Field) || !validName(c.Reason) {
			panic("BUG: fallback " + strconv.Quote(c.Field) + "/" + strconv.Quote(c.Reason) + " is not a valid name")
		}
		if c.Lines == 0 {
			continue
		}
		entry := len(c.Field) + len(c.Reason) + 3 + digits(c.Lines)
		last := i == len(counts)-1
		room := MaxHeaderBytes - overflowRoom
		if last && over == 0 {
			room = MaxHeaderBytes
		}
		if n >= MaxEntries-1 && (!last || over > 0) || n >= MaxEntries || len(v)+entry > room {
			over += c.Lines
			continue
		}
		v = append(v, ';')
		v = append(v, c.Field...)
		v = append(v, '/')
		v = append(v, c.Reason...)
		v = append(v, '=')
		v = strconv.AppendUint(v, c.Lines, 10)
		n++
	}
	if over > 0 {
		v = append(v, ";*/overflow="...)
		v = strconv.AppendUint(v, over, 10)
	}
	if n == 0 && over == 0 {
		return nil
	}
	return v
}

// Decode reads a header value; counts is appended to and returned.
func Decode(v []byte, counts []Count) (format string, _ []Count, err error) {
	if len(v) > MaxHeaderBytes {
		return "", counts, fmt.Errorf("%w: %d bytes, at most %d", ErrHeader, len(v), MaxHeaderBytes)
	}
	parts := bytes.Split(v, []byte(";"))
	if len(parts)-1 > MaxEntries {
		return "", counts, fmt.Errorf("%w: %d entries, at most %d", ErrHeader, len(parts)-1, MaxEntries)
	}
	if !validName(string(parts[0])) || len(parts) < 2 {
		return "", counts, fmt.Errorf("%w: %q", ErrHeader, excerpt(v))
	}
	start := len(counts)
	for _, p := range parts[1:] {
		fr, n, ok := bytes.Cut(p, []byte("="))
		f, r, ok2 := bytes.Cut(fr, []byte("/"))
		lines, err := strconv.ParseUint(string(n), 10, 64)
		overflow := string(f) == OverflowField && string(r) == OverflowReason
		if !ok || !ok2 || err != nil || lines == 0 || !overflow && (!validName(string(f)) || !validName(string(r))) {
			return "", counts[:start], fmt.Errorf("%w: entry %q", ErrHeader, excerpt(p))
		}
		counts = append(counts, Count{Field: string(f), Reason: string(r), Lines: lines})
	}
	return string(parts[0]), counts, nil
}

// Of returns the fallbacks header of a message, nil when it has none.
func Of(headers []kafka.Header) []byte {
	for _, h := range headers {
		if h.Key == Header {
			return h.Value
		}
	}
	return nil
}

func validName(s string) bool {
	if len(s) == 0 || len(s) > MaxNameBytes {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func digits(n uint64) int {
	d := 1
	for n >= 10 {
		n /= 10
		d++
	}
	return d
}

func excerpt(b []byte) []byte {
	if len(b) > 64 {
		return b[:64]
	}
	return b
}
