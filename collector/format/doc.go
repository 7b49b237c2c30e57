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
