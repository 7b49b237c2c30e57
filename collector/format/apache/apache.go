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
// The parse loop is field.Template, which the nginx parser shares: this
// package holds only Apache's vocabulary (directives, config).
package apache

import (
	"errors"
	"fmt"

	"github.com/edgelog/edgelog/collector/format/field"
)

// Common is the Common Log Format, as Apache's documentation defines it.
const Common = `%h %l %u %t "%r" %>s %b`

// Combined is Common with the Referer and User-Agent, as Apache's
// documentation defines it.
const Combined = Common + ` "%{Referer}i" "%{User-agent}i"`

// VHostCombined is Debian's and Ubuntu's vhost_combined: the virtual host
// and port in front, and %O (bytes on the wire, headers included) for %b.
const VHostCombined = `%v:%p %h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i"`

// Parser is a compiled LogFormat: the shared field.Template engine with
// mod_log_config's directives. It is not safe for concurrent use: it keeps
// scratch space for unescaped values.
type Parser struct {
	field.Template
}

// Compile compiles a LogFormat string, as it stands between the quotes of
// the LogFormat directive with \" already unquoted, into a Parser. The
// format must log a time (%t, %{sec}t, ...) and a status (%s or %>s).
func Compile(format string) (*Parser, error) {
	prefix, rest := splitLiteral(format)
	var items []field.Item
	begin := false
	timePrio := -1
	for rest != "" {
		d, err := splitDirective(rest)
		if err != nil {
			return nil, fmt.Errorf("cannot compile LogFormat: %w", err)
		}
		var lit string
		lit, rest = splitLiteral(rest[len(d.text):])
		if lit == "" && rest != "" {
			return nil, fmt.Errorf("cannot compile LogFormat: %s is followed directly by another directive; nothing separates them", d.text)
		}
		s, b, err := lookup(d.letter, d.arg, d.hasArg, d.orig)
		if err != nil {
			return nil, fmt.Errorf("cannot compile LogFormat: %w", err)
		}
		if s.Slot == slotTime && s.Prio > timePrio {
			begin, timePrio = b, s.Prio // the time that fills the slot says
		}
		items = append(items, field.Item{Spec: s, Lit: lit, Width: widths[s.Kind], Name: d.text})
	}
	t := field.Compile(prefix, items, field.EscapeApache)
	t.BeginTime = begin
	if !t.Has(field.KTimeCLF, field.KTimeLocal, field.KTimeISO, field.KUnixSec, field.KUnixMs, field.KUnixUs) {
		return nil, errors.New("cannot compile LogFormat: it has no time (%t, %{sec}t, %{msec}t, ...)")
	}
	if !t.Has(field.KStatus) {
		return nil, errors.New("cannot compile LogFormat: it has no status (%s or %>s)")
	}
	return &Parser{Template: *t}, nil
}

// MustCompile is Compile for formats known at compile time.
func MustCompile(format string) *Parser {
	p, err := Compile(format)
	if err != nil {
		panic("BUG: " + err.Error())
	}
	return p
}
