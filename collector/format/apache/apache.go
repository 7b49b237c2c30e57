// Package apache compiles an Apache httpd LogFormat string (mod_log_config)
// into a parser.
//
// The compiler splits the format into literal text and %directives. At
// parse time each directive's value runs up to the next literal that is not
// escaped: Apache writes '"', '\' and control bytes inside the values of
// %r, %i, %o, %u, %U and the like as \" \\ \n \xhh (ap_escape_logitem), so
// a quote preceded by an odd number of backslashes is part of a value.
// Values that may hold spaces must therefore be quoted in the format, as
// Common and Combined do; %t is the exception Parse handles, as its width
// is fixed.
//
// Quirks handled: %b writes "-" for zero bytes; %D is microseconds and %T
// whole seconds (%{ms}T, %{us}T); %s is the status before an internal
// redirect and %>s the final one; %t is the time the request was received
// in brackets, so unless the format asks for %{end:...}t the request time
// (%D or %T), when logged, is added to get the end time the record holds.
// Directives the record has no field for are read past and dropped, as are
// letters mod_log_config does not know (a module may add them).
//
// Values are unescaped only when they hold a backslash, into the parser's
// scratch space; every other string field of the record aliases the line.
package apache

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/edgelog/edgelog/collector/format/field"
	"github.com/edgelog/edgelog/internal/record"
)

// Common is the Common Log Format, as Apache's documentation defines it.
const Common = `%h %l %u %t "%r" %>s %b`

// Combined is Common with the Referer and User-Agent, as Apache's
// documentation defines it.
const Combined = Common + ` "%{Referer}i" "%{User-agent}i"`

// VHostCombined is Debian's and Ubuntu's vhost_combined: the virtual host
// and port in front, and %O (bytes on the wire, headers included) for %b.
const VHostCombined = `%v:%p %h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i"`

type op struct {
	lit   []byte // literal that follows the value ("" for the last one)
	kind  kind
	str   record.Str // for kStr
	width int        // fixed value width, 0 when variable
	name  string     // the directive as written, for errors
}

// Parser is a compiled LogFormat. It is not safe for concurrent use: it
// keeps scratch space for unescaped values.
type Parser struct {
	prefix []byte
	ops    []op
	// beginTime says the time logged is the request's start, to which the
	// request time is added.
	beginTime bool
	scratch   field.Scratch
}

// Compile compiles a LogFormat string, as it stands between the quotes of
// the LogFormat directive with \" already unquoted, into a Parser. The
// format must log a time (%t, %{sec}t, ...) and a status (%s or %>s).
func Compile(format string) (*Parser, error) {
	p := &Parser{}
	lit, rest := splitLiteral(format)
	p.prefix = []byte(lit)
	best := map[slot]int{} // op index holding each contended slot
	prios := map[slot]int{}
	for rest != "" {
		d, err := splitDirective(rest)
		if err != nil {
			return nil, fmt.Errorf("cannot compile LogFormat: %w", err)
		}
		lit, rest = splitLiteral(rest[len(d.text):])
		if lit == "" && rest != "" {
			return nil, fmt.Errorf("cannot compile LogFormat: %s is followed directly by another directive; nothing separates them", d.text)
		}
		s, begin, err := lookup(d.letter, d.arg, d.hasArg, d.orig)
		if err != nil {
			return nil, fmt.Errorf("cannot compile LogFormat: %w", err)
		}
		o := op{lit: []byte(lit), kind: s.kind, str: s.str, width: widths[s.kind], name: d.text}
		if s.slot != slotNone && s.slot != slotOther {
			if j, ok := best[s.slot]; !ok || s.prio > prios[s.slot] {
				if ok {
					p.ops[j].kind = kSkip
				}
				best[s.slot], prios[s.slot] = len(p.ops), s.prio
				if s.slot == slotTime {
					p.beginTime = begin
				}
			} else {
				o.kind = kSkip
			}
		}
		p.ops = append(p.ops, o)
	}
	if _, ok := best[slotTime]; !ok {
		return nil, errors.New("cannot compile LogFormat: it has no time (%t, %{sec}t, %{msec}t, ...)")
	}
	if _, ok := best[slotStatus]; !ok {
		return nil, errors.New("cannot compile LogFormat: it has no status (%s or %>s)")
	}
	return p, nil
}

// MustCompile is Compile for formats known at compile time.
func MustCompile(format string) *Parser {
	p, err := Compile(format)
	if err != nil {
		panic("BUG: " + err.Error())
	}
	return p
}

// Parse parses one line into r. r is reset first. String fields of r alias
// line or the parser's scratch space, so r is valid until line is reused or
// Parse is called again.
func (p *Parser) Parse(line []byte, r *record.Record) error {
	r.Reset()
	p.scratch = p.scratch[:0]
	if !bytes.HasPrefix(line, p.prefix) {
		return fmt.Errorf("line does not start with %q", p.prefix)
	}
	rest := line[len(p.prefix):]
	last := len(p.ops) - 1
	for i := range p.ops {
		o := &p.ops[i]
		var val []byte
		switch {
		case len(o.lit) == 0:
			val, rest = rest, nil
		case i == last:
			// The final literal ends the line: anchoring it there keeps a
			// value holding that literal whole.
			if !bytes.HasSuffix(rest, o.lit) {
				return fmt.Errorf("%s: line does not end with %q", o.name, o.lit)
			}
			val, rest = rest[:len(rest)-len(o.lit)], nil
		default:
			end := index(o, rest)
			if end < 0 {
				return fmt.Errorf("%s: missing %q after it", o.name, o.lit)
			}
			val, rest = rest[:end], rest[end+len(o.lit):]
		}
		if o.kind == kSkip {
			continue
		}
		if err := p.set(o, r, val); err != nil {
			return fmt.Errorf("%s %q: %w", o.name, field.Excerpt(val), err)
		}
	}
	if len(rest) != 0 {
		return fmt.Errorf("%d unexpected bytes at end of line", len(rest))
	}
	if err := field.CheckTime(r.TimeMs); err != nil {
		return err
	}
	if p.beginTime {
		r.TimeMs += int64(r.RequestTimeUs / 1000)
	}
	return nil
}

// index finds the literal that ends o's value in b.
func index(o *op, b []byte) int {
	if o.width > 0 && len(b) >= o.width+len(o.lit) && bytes.Equal(b[o.width:o.width+len(o.lit)], o.lit) {
		return o.width
	}
	return field.IndexUnescaped(b, o.lit)
}
