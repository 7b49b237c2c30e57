// Package jsonl parses access logs written as one JSON object per line:
// nginx's log_format with escape=json, Caddy, Envoy, Traefik and the like.
//
// There is no standard layout, so a Fields mapping names the JSON key of
// each record field (Defaults fits the usual nginx escape=json layouts;
// Caddy fits Caddy). Quirks handled: values may be JSON numbers or strings
// holding numbers, as nginx layouts quote some variables and not others;
// null and "" are absent; an array (Caddy's headers) stands for its first
// element; a time may be Unix seconds with a fraction, Unix milliseconds,
// microseconds or nanoseconds as an integer (told apart by size), RFC 3339,
// or nginx's $time_local; a number in exponent form (1e-06) is accepted.
// Unmapped keys are ignored, as are keys that repeat.
//
// The JSON is parsed with github.com/valyala/fastjson: it validates the
// whole line (a truncated line is an error, not a half record), reuses its
// memory so a parse does not allocate in the steady state, and is among
// the fastest Go JSON parsers; encoding/json allocates per value, and a
// hand-written scanner would need its own fuzzing to reach the same trust.
// String fields of the record alias fastjson's copy of the line or the
// parser's scratch space, which is what format.Parser promises.
package jsonl

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/edgelog/edgelog/collector/format/field"
	"github.com/edgelog/edgelog/internal/record"
	"github.com/valyala/fastjson"
)

// Parser parses JSON lines with one Fields mapping. It is not safe for
// concurrent use: it reuses the JSON parser's memory and scratch space.
type Parser struct {
	keys    map[string][]cand
	json    fastjson.Parser
	vals    [numTargets]*fastjson.Value
	won     [numTargets]*cand
	fwd     []byte // the last line's X-Forwarded-For (Forwarded)
	scratch field.Scratch
}

// Forwarded returns the X-Forwarded-For value of the last line parsed
// (the x_forwarded_for mapping), nil when it had none. It aliases the
// parser's memory.
func (p *Parser) Forwarded() []byte { return p.fwd }

// New returns a Parser for fields, or for Defaults when fields is nil. A
// mapping is used as given, not merged with Defaults: to change a few
// keys, change a maps.Clone of Defaults. fields must map time and status.
func New(fields Fields) (*Parser, error) {
	if fields == nil {
		fields = Defaults
	}
	keys, err := compile(fields)
	if err != nil {
		return nil, err
	}
	return &Parser{keys: keys}, nil
}

var (
	errNotObject = errors.New("line is not a JSON object")
	errNoStatus  = errors.New("no status")
	errNotScalar = errors.New("want a string or a number")
)

// Parse parses one line into r. r is reset first. String fields of r
// alias the parser's memory, so r is valid until Parse is called again.
func (p *Parser) Parse(line []byte, r *record.Record) error {
	r.Reset()
	p.scratch = p.scratch[:0]
	p.vals = [numTargets]*fastjson.Value{}
	p.won = [numTargets]*cand{}
	p.fwd = nil
	v, err := p.json.ParseBytes(line)
	if err != nil {
		return err // "cannot parse JSON: ..."
	}
	obj, err := v.Object()
	if err != nil {
		return errNotObject
	}
	obj.Visit(p.visit)
	for t, v := range p.vals {
		if v == nil {
			continue
		}
		if err := p.set(target(t), r, v); err != nil {
			return fmt.Errorf("%s (key %s) %q: %w", target(t), p.won[t].key, field.Excerpt(v.MarshalTo(nil)), err)
		}
	}
	if r.Status == 0 {
		return errNoStatus
	}
	return field.CheckTime(r.TimeMs)
}

// visit offers one top-level member to the targets its key can fill.
func (p *Parser) visit(key []byte, v *fastjson.Value) {
	for i := range p.keys[string(key)] {
		c := &p.keys[string(key)][i]
		val := v
		if c.path != nil {
			if val = v.Get(c.path...); val == nil {
				continue
			}
		}
		if val.Type() == fastjson.TypeNull {
			continue
		}
		if w := p.won[c.t]; w == nil || c.prio > w.prio {
			p.vals[c.t], p.won[c.t] = val, c
		}
	}
}

// text returns a scalar's text: a string's content unescaped, a number as
// written. ok is false for an absent value ("", an empty array).
func (p *Parser) text(v *fastjson.Value) (b []byte, ok bool, err error) {
	if v.Type() == fastjson.TypeArray {
		a, _ := v.Array()
		if len(a) == 0 {
			return nil, false, nil
		}
		v = a[0]
	}
	switch v.Type() {
	case fastjson.TypeString:
		b, _ = v.StringBytes()
		return b, len(b) > 0, nil
	case fastjson.TypeNumber:
		start := len(p.scratch)
		p.scratch = v.MarshalTo(p.scratch)
		b = p.scratch[start:len(p.scratch):len(p.scratch)]
		return p.plainNumber(b), true, nil
	case fastjson.TypeNull:
		return nil, false, nil
	}
	return nil, false, errNotScalar
}

// plainNumber rewrites a number in exponent form (Go writes float64
// durations below 1µs so) without it, for the field decoders. Anything
// else, including garbage, is returned for the decoders to refuse.
func (p *Parser) plainNumber(b []byte) []byte {
	for _, c := range b {
		if c == 'e' || c == 'E' {
			f, err := strconv.ParseFloat(string(b), 64)
			if err != nil || f < 0 || f > 1e19 {
				return b
			}
			start := len(p.scratch)
			p.scratch = strconv.AppendFloat(p.scratch, f, 'f', -1, 64)
			return p.scratch[start:len(p.scratch):len(p.scratch)]
		}
	}
	return b
}

// ParseLenient parses a line Parse refused (see format.Lenient): a value
// that cannot be read is left empty and noted in n, unless it is the
// time, the status or the bytes sent; a client address that is not one
// address is read by field.AddrField (a list, a port, a name). A line that
// is not a JSON object is still refused: there is nothing to read the
// billing fields from.
func (p *Parser) ParseLenient(line []byte, r *record.Record, n *field.Notes) error {
	r.Reset()
	p.scratch = p.scratch[:0]
	p.vals = [numTargets]*fastjson.Value{}
	p.won = [numTargets]*cand{}
	p.fwd = nil
	v, err := p.json.ParseBytes(line)
	if err != nil {
		return err
	}
	obj, err := v.Object()
	if err != nil {
		return errNotObject
	}
	obj.Visit(p.visit)
	for t, v := range p.vals {
		if v == nil {
			continue
		}
		err := p.set(target(t), r, v)
		if err == nil {
			continue
		}
		name := target(t).String()
		switch target(t) {
		case tTime, tStatus, tBytesSent:
			return fmt.Errorf("%s (key %s) %q: %w", name, p.won[t].key, field.Excerpt(v.MarshalTo(nil)), err)
		case tClientIP:
			r.ClientIP = [16]byte{}
			before := len(n.Fallbacks)
			if b, ok, _ := p.text(v); ok {
				field.AddrField(b, n)
			}
			if len(n.Addrs) > 0 {
				r.ClientIP = n.Addrs[0].As16()
			} else if len(n.Fallbacks) == before {
				n.Add(name, field.ReasonInvalid)
			}
			continue
		case tASN:
			r.ASN = 0
		case tBytesReceived:
			r.BytesReceived = 0
		case tBytesTotal: // the row bills its body bytes (record.Record.BytesTotal)
			r.BytesTotal = 0
		case tRequestTime, tRequestTimeMs, tRequestTimeUs:
			r.RequestTimeUs = 0
		case tTTFB, tTTFBMs, tTTFBUs:
			r.TTFBUs = 0
		}
		n.Add(fieldName(target(t)), field.ReasonInvalid)
	}
	if r.Status == 0 {
		return errNoStatus
	}
	return field.CheckTime(r.TimeMs)
}

// fieldName names a target as fallbacks name record fields.
func fieldName(t target) string {
	switch t {
	case tRequestTimeMs, tRequestTimeUs:
		return "request_time"
	case tTTFBMs, tTTFBUs:
		return "ttfb"
	}
	return t.String()
}
