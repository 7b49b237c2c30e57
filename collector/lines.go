package collector

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"strconv"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/edgelog/edgelog/collector/enrich"
	"github.com/edgelog/edgelog/collector/format"
	"github.com/edgelog/edgelog/collector/format/field"
	"github.com/edgelog/edgelog/internal/record"
)

// noRecord is lineParser.parse's answer for a valid line that holds no
// request (a W3C directive): neither shipped nor dead-lettered.
const noRecord = "\x00no record"

// lineParser takes one source's lines to rows: the parser's fast path, its
// lenient path for a line the fast path refuses (format.Lenient), the
// checks every row passes, and the client of an address chain. The read
// loop and `edgelog check` (Checker) share it. Not safe for concurrent use.
type lineParser struct {
	p       format.Parser
	lenient format.Lenient // nil: the parser has no slow path
	fwd     forwarder      // non-nil: trusted proxies are set and the parser can log X-Forwarded-For
	proxies enrich.Proxies
	maxLine int
	// notes are the last line's fallbacks and address chain; odd says
	// they hold something (a line that took the slow path or lost a
	// field to the checks).
	notes format.Notes
	odd   bool
	xff   format.Notes // scratch for an X-Forwarded-For field's addresses
	// chain is the last line's address chain when it had one (an address
	// list, or an X-Forwarded-For field taken with its peer): what
	// AddressList formats. It aliases notes.Addrs or xff.Addrs.
	chain []netip.Addr
	list  []byte // AddressList's buffer
}

// MaxAddressListBytes bounds AddressList: whole addresses, in the order
// logged, as many as fit (16 at most, field.Notes' bound).
const MaxAddressListBytes = 256

// AddressList is the last line's address chain as the client was chosen
// from it ("203.0.113.7, 10.0.0.1, 10.0.0.2": the list logged, then the
// peer when it came from an X-Forwarded-For field), at most
// MaxAddressListBytes; nil when the line had a single address. Valid
// until the next line. parse keeps it in the row (x_forwarded_for), and
// the Checker shows it.
func (lp *lineParser) AddressList() []byte {
	if len(lp.chain) < 2 {
		return nil
	}
	lp.list = lp.list[:0]
	for _, a := range lp.chain {
		n := len(lp.list)
		if n > 0 {
			lp.list = append(lp.list, ", "...)
		}
		lp.list = a.AppendTo(lp.list)
		if len(lp.list) > MaxAddressListBytes {
			lp.list = lp.list[:max(0, n)]
			break
		}
	}
	return lp.list
}

// forwarder is a parser that keeps the X-Forwarded-For field of the last
// line: field.Template (nginx, apache), w3c (x-forwarded-for,
// cs(X-Forwarded-For)), jsonl (x_forwarded_for; Caddy's request header).
type forwarder interface{ Forwarded() []byte }

func newLineParser(p format.Parser, proxies enrich.Proxies, maxLine int) *lineParser {
	lp := &lineParser{p: p, proxies: proxies, maxLine: maxLine}
	lp.lenient, _ = p.(format.Lenient)
	if f, ok := p.(forwarder); ok && proxies.Set() {
		lp.fwd = f
	}
	return lp
}

// utf8Fields are the string fields reports and CSV bills show: ClickHouse
// String columns take any bytes, but those must not carry invalid UTF-8.
var utf8Fields = [...]record.Str{record.Host, record.Customer, record.PoP, record.Region, record.Country}

// asciiFields reports whether r's utf8Fields hold ASCII bytes only, as they
// do in nearly every line, so that none needs utf8.Valid: one pass over
// their words OR-ed together against five calls, which were 3% of the
// edge format's read loop (21 ns of 657 a line; this pass costs 5).
func asciiFields(r *record.Record) bool {
	var or uint64
	for _, f := range utf8Fields {
		v := r.Str[f]
		for ; len(v) >= 8; v = v[8:] {
			or |= binary.LittleEndian.Uint64(v)
		}
		for _, c := range v {
			or |= uint64(c)
		}
	}
	return or&0x8080808080808080 == 0
}

// parse parses and checks one line (without its newline; oversize says it
// was cut at the line limit); it returns the rejection reason, noRecord,
// or "" for a row in r.
func (lp *lineParser) parse(data []byte, oversize bool, r *record.Record) string {
	lp.odd = false
	lp.chain = nil
	switch {
	case oversize:
		return "oversize: line longer than " + strconv.Itoa(lp.maxLine) + " bytes"
	case len(data) == 0:
		return "empty line"
	}
	if data[len(data)-1] == '\r' {
		data = data[:len(data)-1] // a CRLF line end (a log that passed through Windows)
	}
	if err := lp.p.Parse(data, r); err != nil {
		if errors.Is(err, format.ErrNoRecord) {
			return noRecord
		}
		if lp.lenient == nil {
			return "parse: " + err.Error()
		}
		// The slow path: only a line the fast path refused comes here.
		lp.notes.Reset()
		lp.odd = true
		if err := lp.lenient.ParseLenient(data, r, &lp.notes); err != nil {
			if errors.Is(err, format.ErrNoRecord) {
				return noRecord
			}
			return "parse: " + err.Error()
		}
		if len(lp.notes.Addrs) > 0 {
			r.SetClientIP(lp.proxies.Client(lp.notes.Addrs))
			lp.chain = lp.notes.Addrs
		} else if lp.fwd != nil {
			lp.forwarded(r) // a line odd elsewhere still has its X-Forwarded-For
		}
	} else if lp.fwd != nil {
		lp.forwarded(r)
	}
	if !record.ValidTime(r.TimeMs) {
		return "parse: timestamp out of range"
	}
	if !asciiFields(r) {
		for _, f := range utf8Fields {
			if !utf8.Valid(r.Str[f]) {
				lp.note(f.String(), field.ReasonInvalidUTF8)
				r.Str[f] = nil // the host's customer is then the default one
			}
		}
	}
	if len(r.Str[record.Country]) > 2 {
		lp.note("country", field.ReasonTooLong)
		r.Str[record.Country] = nil
	}
	r.Str[record.ForwardedFor] = lp.AddressList() // nil for a single address
	return ""
}

// note adds a fallback found after the parse.
func (lp *lineParser) note(field, reason string) {
	if !lp.odd {
		lp.notes.Reset()
		lp.odd = true
	}
	lp.notes.Add(field, reason)
}

// forwarded takes the client from the X-Forwarded-For field of a line
// whose peer is a trusted proxy, as nginx's realip module does.
func (lp *lineParser) forwarded(r *record.Record) {
	xff := lp.fwd.Forwarded()
	if len(xff) == 0 {
		return
	}
	peer := record.ClientAddr(r.ClientIP)
	if !peer.IsValid() || peer == netip.IPv6Unspecified() || !lp.proxies.Trusted(peer) {
		return
	}
	lp.xff.Reset()
	field.AddrField(xff, &lp.xff)
	if len(lp.xff.Addrs) == 0 {
		return
	}
	lp.xff.Addrs = append(lp.xff.Addrs, peer)
	r.SetClientIP(lp.proxies.Client(lp.xff.Addrs))
	lp.chain = lp.xff.Addrs
}

// fallbackCounters counts a read loop's fallbacks in
// edgelog_collector_field_fallbacks_total, keeping the counter of each
// field and reason so that a line of the slow path costs no label hashing.
type fallbackCounters struct {
	vec    *prometheus.CounterVec
	format string
	byKey  map[format.Fallback]prometheus.Counter
}

func (f *fallbackCounters) count(fbs []format.Fallback) {
	if f.byKey == nil {
		f.byKey = map[format.Fallback]prometheus.Counter{}
	}
	for _, fb := range fbs {
		c, ok := f.byKey[fb]
		if !ok {
			c = f.vec.WithLabelValues(f.format, fb.Field, fb.Reason)
			f.byKey[fb] = c
		}
		c.Inc()
	}
}
