// Package field holds the value decoders shared by the log formats:
// numbers, timestamps, IP addresses, request lines, cache statuses and the
// escaping schemes of nginx, Apache and JSON.
//
// They are hand-written rather than built on strconv, time.Parse or
// encoding/json because they run once per field per line on the collector's
// hot path and must not allocate. Each is fuzzed through the parsers that
// use it. Functions that unescape append to a caller's scratch buffer, so a
// parser reuses one buffer for every line.
package field

import "errors"

// ErrNoRecord is returned by a parser for a line that is valid but holds no
// request: a W3C "#Fields:" header, a comment. Callers skip such lines
// instead of dead-lettering them. package format re-exports it.
var ErrNoRecord = errors.New("line holds no record")
