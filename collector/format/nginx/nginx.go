// Package nginx compiles an nginx log_format definition into a parser.
//
// The compiler splits the format into literal text and $variables. At parse
// time each variable's value runs up to the next literal, which is safe
// because nginx escapes '"' and control bytes inside values (as \xHH, or
// JSON-style with escape=json), so a value can't contain the quote that ends
// it. Values are unescaped only when they hold a backslash.
package nginx

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/edgelog/edgelog/collector/format"
	"github.com/edgelog/edgelog/internal/record"
)

// Combined is nginx's predefined "combined" format.
const Combined = `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"`

// Edge is "combined" extended with the CDN fields edgelog's edge servers log
// and `edgelog gen` writes: host, scheme, request length, timings, cache
// status, content type, PoP, server, GeoIP2 country and ASN, and $msec for
// millisecond timestamps.
const Edge = Combined + ` "$host" $scheme $request_length $request_time $upstream_header_time $upstream_cache_status "$sent_http_content_type" $edge_pop $hostname $geoip2_country_code $geoip2_asn $msec`

// Escape is the escaping mode of a log_format (its escape= parameter).
type Escape int

// Escaping modes.
const (
	EscapeDefault Escape = iota // \xHH for '"', '\\' and bytes < 0x20 or >= 0x7f
	EscapeJSON                  // JSON string escapes
	EscapeNone
)

type op struct {
	lit  []byte // literal that follows the variable ("" for the last one)
	set  setter // nil for variables edgelog does not store
	name string
}

// Parser is a compiled log_format. It is not safe for concurrent use.
type Parser struct {
	prefix  []byte
	ops     []op
	escape  Escape
	scratch []byte
	hasTime bool
}

var _ format.Parser = (*Parser)(nil)

// Compile compiles the text of a log_format (without the directive and the
// name, quotes already joined) into a Parser.
func Compile(def string, esc Escape) (*Parser, error) {
	p := &Parser{escape: esc}
	lit, rest := splitLiteral(def)
	p.prefix = []byte(lit)
	for rest != "" {
		name, after := splitVar(rest)
		if name == "" {
			return nil, fmt.Errorf("cannot compile log_format: bad variable at %q", rest)
		}
		lit, rest = splitLiteral(after)
		if lit == "" && rest != "" {
			return nil, fmt.Errorf("cannot compile log_format: $%s is followed directly by another variable; nothing separates them", name)
		}
		set := setters[name]
		if set == nil && strings.HasPrefix(name, "http_") {
			set = nil // other request headers are not stored
		}
		p.ops = append(p.ops, op{lit: []byte(lit), set: set, name: name})
		switch name {
		case "time_local", "time_iso8601", "msec":
			p.hasTime = true
		}
	}
	if !p.hasTime {
		return nil, errors.New("cannot compile log_format: it has no time variable ($time_local, $time_iso8601 or $msec)")
	}
	return p, nil
}

// MustCompile is Compile for formats known at compile time.
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

// Parse parses one line into r. r is reset first.
func (p *Parser) Parse(line []byte, r *record.Record) error {
	r.Reset()
	p.scratch = p.scratch[:0]
	if !bytes.HasPrefix(line, p.prefix) {
		return fmt.Errorf("line does not start with %q", p.prefix)
	}
	rest := line[len(p.prefix):]
	st := state{}
	for i := range p.ops {
		o := &p.ops[i]
		var val []byte
		if len(o.lit) == 0 {
			val, rest = rest, nil
		} else {
			end := indexLiteral(rest, o.lit, i == len(p.ops)-1)
			if end < 0 {
				return fmt.Errorf("field $%s: missing %q after it", o.name, o.lit)
			}
			val, rest = rest[:end], rest[end+len(o.lit):]
		}
		if o.set == nil {
			continue
		}
		if p.escape != EscapeNone && bytes.IndexByte(val, '\\') >= 0 {
			val = p.unescape(val)
		}
		if err := o.set(r, &st, val); err != nil {
			return fmt.Errorf("field $%s %q: %w", o.name, truncate(val), err)
		}
	}
	if len(rest) != 0 {
		return fmt.Errorf("%d unexpected bytes at end of line", len(rest))
	}
	return st.finish(r)
}

// indexLiteral finds lit in b. The final literal of a format must end the
// line, so it is searched from the end.
func indexLiteral(b, lit []byte, last bool) int {
	if last {
		if bytes.HasSuffix(b, lit) {
			return len(b) - len(lit)
		}
		return -1
	}
	if len(lit) == 1 {
		return bytes.IndexByte(b, lit[0])
	}
	return bytes.Index(b, lit)
}

func truncate(b []byte) []byte {
	if len(b) > 64 {
		return b[:64]
	}
	return b
}
