package record

import "net/netip"

// Str names a string field of a request. Indexing Record.Str and Block.Str by
// these constants lets the wire codec, the ClickHouse inserter and the schema
// walk every string field in one loop, in one fixed order.
type Str int

// String fields, in wire and column order. Append new fields at the end only:
// the order is part of the wire format.
const (
	Customer    Str = iota // tenant, resolved at the edge from Host
	Host                   // HTTP Host header
	PoP                    // edge point of presence, e.g. "fra1"
	Region                 // billing/geo region of the PoP, e.g. "eu-central"
	Server                 // edge server id (the collector's host)
	Country                // ISO 3166 alpha-2 of the client, "" when unknown
	Method                 // HTTP method
	Scheme                 // http or https
	Protocol               // HTTP/1.1, HTTP/2.0, HTTP/3.0
	Path                   // request path without the query string
	CacheStatus            // HIT, MISS, EXPIRED, STALE, BYPASS, ...
	ContentType            // response Content-Type
	UserAgent              // User-Agent header
	Referer                // Referer header
	// ForwardedFor is the client's address list as the edge logged it
	// (X-Forwarded-For addresses plus the peer, whole addresses up to
	// 256 bytes), "" when the line had no list: the collector picks the
	// client from it (trusted_proxies) and keeps it, as log shippers do.
	// Not a parser's field: the collector sets it after parsing.
	ForwardedFor
	NumStr // number of string fields
)

// StrNames are the column names of the string fields, indexed by Str.
var StrNames = [NumStr]string{
	"customer", "host", "pop", "region", "server", "country", "method",
	"scheme", "protocol", "path", "cache_status", "content_type",
	"user_agent", "referer", "x_forwarded_for",
}

func (s Str) String() string { return StrNames[s] }

// Record is one request as a parser produces it. String fields are views
// into the parser's input (no copies); a Record is only valid until the
// input buffer is reused, which is why it is appended to a Block at once.
type Record struct {
	TimeMs    int64    // request end time, Unix milliseconds
	ClientIP  [16]byte // IPv6, IPv4 as ::ffff:a.b.c.d
	ASN       uint32   // client autonomous system number, 0 when unknown
	Status    uint16   // HTTP status
	BytesSent uint64   // body bytes sent to the client
	// BytesTotal is every byte written to the client, headers and body
	// (nginx $bytes_sent, W3C sc-bytes, Apache %O), 0 when the log has no
	// such field: a Block stores BytesSent in its place then (see
	// Block.AppendNumbers), so a stored row's total is the log's total if
	// it has one, else its body bytes.
	BytesTotal    uint64
	BytesReceived uint64 // request bytes received (request_length)
	RequestTimeUs uint32 // total request time, microseconds
	TTFBUs        uint32 // time to first byte, microseconds
	Str           [NumStr][]byte
}

// Total returns the total bytes a stored row keeps: BytesTotal, or
// BytesSent when the log has no total.
func (r *Record) Total() uint64 {
	if r.BytesTotal == 0 {
		return r.BytesSent
	}
	return r.BytesTotal
}

// Reset clears r for reuse.
func (r *Record) Reset() { *r = Record{} }

// SetClientIP stores addr in r.ClientIP in its 16-byte form.
func (r *Record) SetClientIP(addr netip.Addr) { r.ClientIP = addr.As16() }

// ClientAddr returns the client IP, unmapping IPv4-in-IPv6.
func ClientAddr(ip [16]byte) netip.Addr { return netip.AddrFrom16(ip).Unmap() }

// The times a stored request may carry, in Unix milliseconds: from
// 1970-01-02 (a parser's zero time is never a request) up to, not including,
// 2100-01-01. ClickHouse 18.16's DateTime is a UInt32 of seconds and its Date
// a UInt16 of days, so a later row could not be stored and would block its
// Kafka partition; the collector and ingest both check ValidTime, so a line
// the collector ships is a line ingest accepts.
const (
	MinTimeMs int64 = 86_400_000
	MaxTimeMs int64 = 4_102_444_800_000 // exclusive: 2100-01-01T00:00:00Z
)

// ValidTime reports whether a request at ms (Unix milliseconds) can be stored.
func ValidTime(ms int64) bool { return ms >= MinTimeMs && ms < MaxTimeMs }
