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
// The parse loop is field.Template, which the Apache parser shares: this
// package holds only nginx's vocabulary (variables, escaping, config).
package nginx

import (
	"errors"
	"fmt"
	"strings"

	"github.com/edgelog/edgelog/collector/format/field"
)

// Combined is nginx's predefined "combined" format.
const Combined = `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"`

// Edge is "combined" extended with the CDN fields edgelog's edge servers log
// and `edgelog gen` writes: host, scheme, request length, timings, cache
// status, content type, PoP, server, GeoIP2 country and ASN, and $msec for
// millisecond timestamps.
const Edge = Combined + ` "$host" $scheme $request_length $request_time $upstream_header_time $upstream_cache_status "$sent_http_content_type" $edge_pop $hostname $geoip2_country_code $geoip2_asn $msec`

// Parser is a compiled log_format: the shared field.Template engine with
// nginx's variables. It is not safe for concurrent use: it keeps scratch
// space for unescaped values.
type Parser struct {
	field.Template
}

// Compile compiles the text of a log_format (without the directive and the
// name, quoted parts already joined) into a Parser. The format must log a
// time ($msec, $time_iso8601 or $time_local) and $status.
func Compile(def string, esc Escape) (*Parser, error) {
	if esc > EscapeNone {
		return nil, fmt.Errorf("cannot compile log_format: unknown escape mode %d", esc)
	}
	prefix, rest := splitLiteral(def)
	var items []field.Item
	for rest != "" {
		name, after := splitVar(rest)
		if name == "" {
			return nil, fmt.Errorf("cannot compile log_format: bad variable at %q", field.Excerpt([]byte(rest)))
		}
		var lit string
		lit, rest = splitLiteral(after)
		if lit == "" && rest != "" {
			return nil, fmt.Errorf("cannot compile log_format: $%s is followed directly by another variable; nothing separates them", name)
		}
		items = append(items, field.Item{Spec: lookupVar(name), Lit: lit, Width: widths[name], List: isList(name), Name: "field $" + name})
	}
	t := field.Compile(prefix, items, [...]field.Escape{EscapeDefault: field.EscapeHex, EscapeJSON: field.EscapeJSON, EscapeNone: field.EscapeNone}[esc])
	if !t.Has(field.KUnixFrac, field.KTimeISO, field.KTimeLocal) {
		return nil, errors.New("cannot compile log_format: it has no time variable ($msec, $time_iso8601 or $time_local)")
	}
	if !t.Has(field.KStatus) {
		return nil, errors.New("cannot compile log_format: it has no $status")
	}
	return &Parser{Template: *t}, nil
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
