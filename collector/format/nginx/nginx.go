// Package nginx compiles an nginx log_format definition into a parser.
//
// The compiler splits the format into literal text and $variables. At parse
// time each variable's value runs up to the next literal. That is sound
// because nginx escapes '"' and control bytes inside values (as \xHH, or as
// \" with escape=json), so a value cannot hold the quote that ends it.
// Values that may hold spaces must therefore be quoted in the format, as
// nginx's own "combined" does, with three exceptions Parse handles: the
// upstream lists ("0.010, 0.020 : 0.005"), and $time_local and
// $time_iso8601, whose width is fixed.
//
// Values are unescaped only when they hold a backslash, into the parser's
// scratch space; every other string field of the record aliases the line.
package nginx

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/edgelog/edgelog/collector/format/field"
	"github.com/edgelog/edgelog/internal/record"
)

// Combined is nginx's predefined "combined" format.
const Combined = `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"`

// Edge is "combined" extended with the CDN fields edgelog's edge servers log
// and `edgelog gen` writes: host, scheme, request length, timings, cache
// status, content type, PoP, server, GeoIP2 country and ASN, and $msec for
// millisecond timestamps.
const Edge = Combined + ` "$host" $scheme $request_length $request_time $upstream_header_time $upstream_cache_status "$sent_http_content_type" $edge_pop $hostname $geoip2_country_code $geoip2_asn $msec`

type op struct {
	lit   []byte // literal that follows the variable ("" for the last one)
	kind  kind
	str   record.Str // for kStr
	width int        // fixed value width, 0 when variable
	list  bool       // the value may be an upstream list holding spaces
	name  string
}

// Parser is a compiled log_format. It is not safe for concurrent use: it
// keeps scratch space for unescaped values.
type Parser struct {
	prefix  []byte
	ops     []op
	escape  Escape
	scratch []byte
}

// Compile compiles the text of a log_format (without the directive and the
// name, quoted parts already joined) into a Parser. The format must log a
// time ($msec, $time_iso8601 or $time_local) and $status.
func Compile(def string, esc Escape) (*Parser, error) {
	if esc > EscapeNone {
		return nil, fmt.Errorf("cannot compile log_format: unknown escape mode %d", esc)
	}
	p := &Parser{escape: esc}
	lit, rest := splitLiteral(def)
	p.prefix = []byte(lit)
	best := map[slot]int{} // op index holding each contended slot
	hasStatus := false
	for rest != "" {
		name, after := splitVar(rest)
		if name == "" {
			return nil, fmt.Errorf("cannot compile log_format: bad variable at %q", field.Excerpt([]byte(rest)))
		}
		lit, rest = splitLiteral(after)
		if lit == "" && rest != "" {
			return nil, fmt.Errorf("cannot compile log_format: $%s is followed directly by another variable; nothing separates them", name)
		}
		spec := lookupVar(name)
		o := op{lit: []byte(lit), kind: spec.kind, str: spec.str, width: widths[name], list: isList(name), name: name}
		if spec.slot != slotNone && spec.slot != slotOther {
			if j, ok := best[spec.slot]; ok {
				if lookupVar(p.ops[j].name).prio >= spec.prio {
					o.kind = kSkip
				} else {
					p.ops[j].kind = kSkip
					best[spec.slot] = len(p.ops)
				}
			} else {
				best[spec.slot] = len(p.ops)
			}
		}
		hasStatus = hasStatus || spec.kind == kStatus
		p.ops = append(p.ops, o)
	}
	if _, ok := best[slotTime]; !ok {
		return nil, errors.New("cannot compile log_format: it has no time variable ($msec, $time_iso8601 or $time_local)")
	}
	if !hasStatus {
		return nil, errors.New("cannot compile log_format: it has no $status")
	}
	return p, nil
}

// MustCompile is Compile for formats known at compile time, with the
// default escaping.
func MustCompile(def string) *Parser {
	p, err := Compile(def, EscapeDefault)
	if err != nil {
		panic("BUG: " + err.Error())
	}
	return p
}

func splitLiteral(s string) (lit, rest string) {
	i := strings.IndexByte(s, '$')
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}

// splitVar takes "$name..." or "${name}..." off the front of s.
func splitVar(s string) (name, rest string) {
	s = s[1:]
	if strings.HasPrefix(s, "{") {
		end := strings.IndexByte(s, '}')
		if end < 0 {
			return "", s
		}
		return s[1:end], s[end+1:]
	}
	i := 0
	for i < len(s) && (s[i] == '_' || s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z' || s[i] >= '0' && s[i] <= '9') {
		i++
	}
	return s[:i], s[i:]
}

// Parse parses one line into r. r is reset first. String fields of r alias
// line or the parser's scratch space, so r is valid until line is reused
// or Parse is called again.
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
				return fmt.Errorf("field $%s: line does not end with %q", o.name, o.lit)
			}
			val, rest = rest[:len(rest)-len(o.lit)], nil
		default:
			end := p.index(o, rest)
			if end < 0 {
				return fmt.Errorf("field $%s: missing %q after it", o.name, o.lit)
			}
			val, rest = rest[:end], rest[end+len(o.lit):]
		}
		if o.kind == kSkip {
			continue
		}
		if err := p.set(o, r, val); err != nil {
			return fmt.Errorf("field $%s %q: %w", o.name, field.Excerpt(val), err)
		}
	}
	if len(rest) != 0 {
		return fmt.Errorf("%d unexpected bytes at end of line", len(rest))
	}
	if err := field.CheckTime(r.TimeMs); err != nil {
		return err
	}
	return nil
}

// index finds the literal that ends o's value in b.
func (p *Parser) index(o *op, b []byte) int {
	if o.width > 0 && len(b) >= o.width+len(o.lit) && bytes.Equal(b[o.width:o.width+len(o.lit)], o.lit) {
		return o.width
	}
	if o.list && o.lit[0] == ' ' {
		return indexAfterList(b, o.lit)
	}
	if p.escape == EscapeJSON {
		return field.IndexUnescaped(b, o.lit) // a value's quote is \"
	}
	if len(o.lit) == 1 {
		return bytes.IndexByte(b, o.lit[0])
	}
	return bytes.Index(b, o.lit)
}

// indexAfterList finds lit, which starts with a space, after an upstream
// list: a space that follows "," or belongs to " : " separates list items.
func indexAfterList(b, lit []byte) int {
	off := 0
	for {
		i := bytes.Index(b[off:], lit)
		if i < 0 {
			return -1
		}
		i += off
		inList := i > 0 && b[i-1] == ',' ||
			i+2 < len(b) && b[i+1] == ':' && b[i+2] == ' ' ||
			i > 1 && b[i-1] == ':' && b[i-2] == ' '
		if !inList {
			return i
		}
		off = i + 1
	}
}
