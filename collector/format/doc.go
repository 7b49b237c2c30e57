// Package format holds the access-log parsers. Each parser is a pure
// function over bytes: a line in, a record.Record out, no I/O. Sub-packages
// hold one log family each (nginx, apache, w3c, jsonl). Parsed string fields alias either
// the input line or the parser's own scratch space, so a Record is valid only
// until the next Parse call on the same parser.
package format

import (
	"github.com/edgelog/edgelog/collector/format/field"
	"github.com/edgelog/edgelog/internal/record"
)

// Parser turns one log line (without its trailing newline) into r.
// Implementations are not safe for concurrent use; they keep scratch space.
type Parser interface {
	Parse(line []byte, r *record.Record) error
}

// ErrNoRecord is returned by Parse for a line that is valid but holds no
// request (a W3C "#Fields:" header or comment): callers skip such lines
// rather than dead-letter them. Test with errors.Is.
var ErrNoRecord = field.ErrNoRecord

// Lenient is implemented by the parsers whose lines may deviate from the
// configured format in ways that still describe a billable request.
// ParseLenient is their slow path, for a line Parse refused: it keeps the
// request when its time, status and bytes can be read, leaves the other
// fields it cannot read empty, and says so in n (which it does not reset).
// An error means the line is not a request edgelog can count.
type Lenient interface {
	ParseLenient(line []byte, r *record.Record, n *Notes) error
}

// Notes is what a lenient parse says besides the record: the fallbacks
// taken and the addresses of an address list. See field.Notes.
type Notes = field.Notes

// Fallback is one field a lenient parse could not take as the format says.
type Fallback = field.Fallback
