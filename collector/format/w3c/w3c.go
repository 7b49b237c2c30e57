// Package w3c parses the W3C Extended Log File Format: CloudFront standard
// logs, IIS logs and other servers that follow the W3C working draft.
//
// The columns are not fixed: a "#Fields:" directive line names them, and a
// file may hold several (IIS starts a new header when its config changes),
// so the Parser is stateful and lines must reach it in file order. Other
// directives (#Version, #Software, #Date, #Remark) and the #Fields line
// itself hold no request: Parse returns format.ErrNoRecord for them. A data
// line before any #Fields is an error; New takes the field list for files
// whose header was consumed elsewhere.
//
// Quirks handled: values are separated by a tab (CloudFront) or a space
// (IIS, W3C), whichever the line uses; "-" is an empty value. CloudFront
// percent-encodes the User-Agent and IIS writes its spaces as '+'; both
// are undone, while paths and referers are kept as logged, as the other
// formats keep them. date and time are UTC. time-taken is seconds with a
// fraction (CloudFront, W3C) or whole milliseconds (IIS), told apart by the
// decimal point. A CloudFront status of "000" (the viewer left before a
// response) is rejected, as field.Status explains.
package w3c

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/edgelog/edgelog/collector/format/field"
	"github.com/edgelog/edgelog/internal/record"
)

type col struct {
	kind kind
	str  record.Str
	name string
}

// Parser parses W3C extended log lines. It is not safe for concurrent use:
// it keeps the current #Fields and scratch space for decoded values.
type Parser struct {
	cols    []col
	err     error  // why the last #Fields was refused, while cols is nil
	date    []byte // the date of #Date, for a #Fields without date
	fwd     []byte // the last line's X-Forwarded-For value (Forwarded)
	scratch field.Scratch
}

// Forwarded returns the X-Forwarded-For value of the last line parsed
// (x-forwarded-for, cs(X-Forwarded-For); decoded), nil when the line or
// its #Fields has none. It aliases the line or the scratch space.
func (p *Parser) Forwarded() []byte { return p.fwd }

// New returns a Parser. fields, when given, are the names of a #Fields
// header the caller has already read (CloudFrontFields for a CloudFront
// log); without them the data must start with its header.
func New(fields ...string) (*Parser, error) {
	p := &Parser{err: errors.New("data line before any #Fields header")}
	if len(fields) > 0 {
		if err := p.SetFields(fields); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// SetFields sets the columns, as a #Fields header does. The fields must
// hold sc-status and a time: date and time, time with a #Date, or a
// CloudFront timestamp.
func (p *Parser) SetFields(fields []string) error {
	p.cols, p.err = nil, nil
	cols := make([]col, len(fields))
	best := map[slot]int{}
	var hasStatus, hasDate, hasTime, hasStamp bool
	for i, name := range fields {
		s := names[strings.ToLower(name)]
		cols[i] = col{kind: s.kind, str: s.str, name: name}
		switch s.kind {
		case kStatus:
			hasStatus = true
		case kDate:
			hasDate = true
		case kTime:
			hasTime = true
		case kUnixSeconds, kUnixMillis:
			hasStamp = true
		}
		// date and time together make one time: only a timestamp beats them.
		if s.slot == slotNone || s.slot == slotTime && s.prio == 1 {
			continue
		}
		if j, ok := best[s.slot]; !ok || names[strings.ToLower(fields[j])].prio < s.prio {
			if ok {
				cols[j].kind = kSkip
			}
			best[s.slot] = i
		} else {
			cols[i].kind = kSkip
		}
	}
	if hasStamp {
		for i := range cols {
			if cols[i].kind == kDate || cols[i].kind == kTime {
				cols[i].kind = kSkip
			}
		}
	}
	switch {
	case !hasStatus:
		p.err = fmt.Errorf("#Fields %q has no sc-status", excerpt(fields))
	case !hasStamp && !hasTime:
		p.err = fmt.Errorf("#Fields %q has no time", excerpt(fields))
	case !hasStamp && !hasDate && p.date == nil:
		p.err = fmt.Errorf("#Fields %q has time but no date, and no #Date came before", excerpt(fields))
	}
	if p.err != nil {
		return p.err
	}
	p.cols = cols
	return nil
}

func excerpt(fields []string) string {
	s := strings.Join(fields, " ")
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// Parse parses one line into r. r is reset first. Directive lines change
// the parser's state and return format.ErrNoRecord, or an error for a
// #Fields header Parse cannot use. String fields of r alias line or the
// parser's scratch space, so r is valid until line is reused or Parse is
// called again.
func (p *Parser) Parse(line []byte, r *record.Record) error {
	r.Reset()
	p.fwd = nil
	if len(line) > 0 && line[0] == '#' {
		return p.directive(line)
	}
	if p.cols == nil {
		return p.err
	}
	p.scratch = p.scratch[:0]
	sep := byte(' ')
	if bytes.IndexByte(line, '\t') >= 0 {
		sep = '\t'
	}
	var date, tod []byte
	rest := line
	for i := range p.cols {
		c := &p.cols[i]
		var v []byte
		if i == len(p.cols)-1 {
			if bytes.IndexByte(rest, sep) >= 0 {
				return fmt.Errorf("more than the %d fields #Fields names", len(p.cols))
			}
			v, rest = rest, nil
		} else if j := bytes.IndexByte(rest, sep); j >= 0 {
			v, rest = rest[:j], rest[j+1:]
		} else {
			return fmt.Errorf("%d fields, #Fields names %d", i+1, len(p.cols))
		}
		switch c.kind {
		case kSkip:
		case kDate:
			date = v
		case kTime:
			tod = v
		default:
			if err := p.set(c, r, v, sep); err != nil {
				return fmt.Errorf("field %s %q: %w", c.name, field.Excerpt(v), err)
			}
		}
	}
	if tod != nil {
		if date == nil {
			date = p.date
		}
		ms, err := civil(date, tod)
		if err != nil {
			return fmt.Errorf("date and time %q %q: %w", field.Excerpt(date), field.Excerpt(tod), err)
		}
		r.TimeMs = ms
	}
	return field.CheckTime(r.TimeMs)
}

var errDateTime = errors.New("bad date or time")

// civil reads a W3C date ("2026-03-04") and time ("21:02:31", maybe with
// a fraction), which the draft defines as UTC, by handing them to
// field.ISO8601Millis joined as one RFC 3339 time.
func civil(date, tod []byte) (int64, error) {
	var buf [40]byte
	if len(date) != 10 || len(tod) < 8 || len(tod) > len(buf)-12 {
		return 0, errDateTime
	}
	b := append(buf[:0], date...)
	b = append(b, 'T')
	b = append(b, tod...)
	b = append(b, 'Z')
	return field.ISO8601Millis(b)
}

// directive handles a '#' line.
func (p *Parser) directive(line []byte) error {
	name, value, _ := bytes.Cut(line[1:], []byte(":"))
	value = bytes.TrimSpace(value)
	switch string(name) {
	case "Fields":
		if err := p.SetFields(strings.Fields(string(value))); err != nil {
			return err
		}
	case "Date":
		// "2026-03-04 00:00:00": the day lines without a date field are on.
		if d, _, _ := bytes.Cut(value, []byte(" ")); len(d) == 10 {
			p.date = append(p.date[:0], d...)
		}
	}
	return field.ErrNoRecord
}

// ParseLenient parses a data line Parse refused (see format.Lenient): a
// value that cannot be read is left empty and noted in n, unless it is the
// time, the status or the bytes sent; a line with fewer fields than
// #Fields names keeps the ones it has, the others missing. A line with
// more fields keeps the ones #Fields names and ignores the rest, noted as
// line/extra, as the other families note bytes after their last field:
// CloudFront appends new fields to its standard logs, and a server whose
// #Fields header was lost (a rotated file read from its middle) writes
// lines longer than the header the parser has. Should the extra field
// instead come from a value holding the separator, the fields after it
// are shifted; the billing fields are still checked, so a shift that
// lands a non-number in the status or bytes refuses the line.
func (p *Parser) ParseLenient(line []byte, r *record.Record, n *field.Notes) error {
	r.Reset()
	p.fwd = nil
	if len(line) > 0 && line[0] == '#' {
		return p.directive(line)
	}
	if p.cols == nil {
		return p.err
	}
	p.scratch = p.scratch[:0]
	sep := byte(' ')
	if bytes.IndexByte(line, '\t') >= 0 {
		sep = '\t'
	}
	var date, tod []byte
	rest, ended := line, false
	for i := range p.cols {
		c := &p.cols[i]
		var v []byte
		switch {
		case ended:
			if c.kind != kSkip {
				if billing(c.kind) {
					return fmt.Errorf("field %s: missing (the line has %d fields, #Fields names %d)", c.name, i, len(p.cols))
				}
				n.Add(kindField(c), field.ReasonMissing)
			}
			continue
		case i == len(p.cols)-1:
			v, rest = rest, nil
			if j := bytes.IndexByte(v, sep); j >= 0 {
				v = v[:j]
				n.Add("line", field.ReasonExtra)
			}
		default:
			if j := bytes.IndexByte(rest, sep); j >= 0 {
				v, rest = rest[:j], rest[j+1:]
			} else {
				v, rest, ended = rest, nil, true
			}
		}
		switch c.kind {
		case kSkip:
		case kDate:
			date = v
		case kTime:
			tod = v
		default:
			if err := p.set(c, r, v, sep); err != nil {
				if billing(c.kind) {
					return fmt.Errorf("field %s %q: %w", c.name, field.Excerpt(v), err)
				}
				p.unset(c, r, v, n)
			}
		}
	}
	if tod != nil {
		if date == nil {
			date = p.date
		}
		ms, err := civil(date, tod)
		if err != nil {
			return fmt.Errorf("date and time %q %q: %w", field.Excerpt(date), field.Excerpt(tod), err)
		}
		r.TimeMs = ms
	}
	if r.Status == 0 {
		return field.ErrNoStatus
	}
	return field.CheckTime(r.TimeMs)
}

// billing reports whether a kind is one without which a line is not a
// billable request.
func billing(k kind) bool {
	switch k {
	case kDate, kTime, kUnixSeconds, kUnixMillis, kStatus, kBytesSent:
		return true
	}
	return false
}

// unset clears the field c's refused value v left, and notes it.
func (p *Parser) unset(c *col, r *record.Record, v []byte, n *field.Notes) {
	switch c.kind {
	case kIP:
		r.ClientIP = [16]byte{}
		before := len(n.Fallbacks)
		field.AddrField(v, n)
		if len(n.Addrs) > 0 {
			r.ClientIP = n.Addrs[0].As16()
		} else if len(n.Fallbacks) == before {
			n.Add("client_ip", field.ReasonInvalid)
		}
		return
	case kBytesReceived:
		r.BytesReceived = 0
	case kDuration:
		r.RequestTimeUs = 0
	case kTTFB:
		r.TTFBUs = 0
	case kASN:
		r.ASN = 0
	}
	n.Add(kindField(c), field.ReasonInvalid)
}

// kindField names the record field a column fills, as fallbacks do.
func kindField(c *col) string {
	switch c.kind {
	case kStr, kUserAgent:
		return c.str.String()
	case kIP:
		return "client_ip"
	case kPath:
		return "path"
	case kBytesReceived:
		return "bytes_received"
	case kDuration:
		return "request_time"
	case kTTFB:
		return "ttfb"
	case kCache:
		return "cache_status"
	case kASN:
		return "asn"
	case kForwarded:
		return "x_forwarded_for"
	}
	return strings.ToLower(c.name)
}
