package field

import (
	"bytes"
	"fmt"

	"github.com/edgelog/edgelog/internal/record"
)

// Kind says what a Template does with a value. It is the union of what the
// template formats (nginx's log_format, Apache's LogFormat) can log; each
// format maps its own vocabulary ($variables, %directives) onto it.
type Kind uint8

// Kinds.
const (
	KSkip          Kind = iota // read past and dropped
	KStr                       // stored in Op.Str, unescaped ("-" is empty)
	KIP                        // client address
	KHostname                  // an address, or a name (Apache's %h under HostnameLookups)
	KTimeCLF                   // [10/Oct/2026:13:55:36 +0000]
	KTimeLocal                 // 10/Oct/2026:13:55:36 +0000
	KTimeISO                   // 2026-10-10T13:55:36+00:00
	KUnixFrac                  // Unix seconds with a fraction: 1791640536.123
	KUnixSec                   // Unix seconds, an integer
	KUnixMs                    // Unix milliseconds, an integer
	KUnixUs                    // Unix microseconds, an integer
	KRequest                   // "GET /a?b HTTP/1.1"
	KPath                      // request target; the query is dropped
	KStatus                    // HTTP status
	KBytesSent                 // response bytes
	KBytesReceived             // request bytes
	KRequestTime               // seconds with a fraction, maybe a list per upstream
	KTTFB                      // seconds with a fraction, maybe a list per upstream
	KSeconds                   // request time, whole seconds
	KMillis                    // request time, whole milliseconds
	KMicros                    // request time, whole microseconds
	KASN                       // 3320 or AS3320
	KHTTPS                     // nginx's $https: "on" or ""
	KCache                     // a cache header in any spelling; normalised
	KForwarded                 // an X-Forwarded-For header: kept for the client choice
	// KBytesTotal is every byte written to the client, headers and body
	// (nginx's $bytes_sent, Apache's %O). In a template without a
	// KBytesSent it is the body size too: Compile makes it KBytesBoth.
	KBytesTotal
	KBytesBoth // total bytes, stored as the body bytes as well
	NumKinds
)

// Escape is how a template format escapes the bytes of its values.
type Escape uint8

// Escapes.
const (
	EscapeHex    Escape = iota // nginx's default: \xHH
	EscapeJSON                 // nginx's escape=json: \" \\ \uXXXX ...
	EscapeApache               // Apache's ap_escape_logitem: \" \\ \n \xhh
	EscapeNone                 // nginx's escape=none: values as they are
)

// Spec is what a format's vocabulary says about one of its names: the
// kind, the string field for KStr, and the slot the value fills with its
// priority. When a format logs several names for one slot ($host and
// $http_host; %h and %a), the one with the highest prio fills it and the
// others are skipped, so the result never depends on their order.
type Spec struct {
	Kind Kind
	Str  record.Str
	Slot uint8 // 0: contends for nothing
	Prio int
}

// Op is one value of a template and the literal text after it. What
// only errors and the lenient path read is in Info, out of the way of the
// fast path's loop.
type Op struct {
	Lit   []byte // literal that follows the value ("" for the last one)
	Kind  Kind
	Str   record.Str // for KStr
	Width int        // fixed value width, 0 when variable
	List  bool       // the value may be an upstream list holding spaces
	Info  *OpInfo
	// fast says Parse may read the value as it finds its end (setFast),
	// set by Compile for the numbers and addresses.
	fast fastKind
}

// OpInfo is what errors and ParseLenient know of an Op.
type OpInfo struct {
	Name  string // how errors name the value ("field $status", "%>s")
	Field string // the record field it fills, for fallbacks ("client_ip")
	// CLFTime says the value is a common-log time, [bracketed] or not,
	// even when another time fills the slot: ParseLenient anchors on it.
	CLFTime bool
}

// Template is the parse engine the template formats share: a literal
// prefix, then values each ended by the literal that follows it. A value
// runs up to the next occurrence of its literal, which is sound because
// the servers escape the bytes that could end it early; a value whose
// width is fixed (the times) is cut at its width, so it may hold its
// literal (a space). It is not safe for concurrent use: it keeps scratch
// space for unescaped values.
type Template struct {
	Prefix []byte
	Ops    []Op
	Escape Escape
	// BeginTime says the time logged is the request's start, to which the
	// request time is added (Apache's %t).
	BeginTime bool

	scratch Scratch
	fwd     []byte // the last line's KForwarded value
	// escQuote says a value's quote is written \" (Apache, nginx's
	// escape=json), so a literal is searched for unescaped.
	escQuote bool
	// plain: the line being parsed has no backslash, so no value of it
	// needs unescaping. One search of the line instead of one per string
	// value (most lines have none).
	plain bool
	// plan is Ops compiled for a line without a backslash (template_plan.go);
	// nil when the template's shape is not one it takes.
	plan *plan
}

// Item is one value of a format as its compiler read it, for Compile.
type Item struct {
	Spec
	Lit   string
	Width int
	List  bool
	Name  string
}

// Compile resolves the slots of items (the best of each contended slot
// fills it, the others are skipped) and returns the Template. It does not
// check which kinds are present; see Has.
func Compile(prefix string, items []Item, esc Escape) *Template {
	t := &Template{Prefix: []byte(prefix), Escape: esc, escQuote: esc == EscapeJSON || esc == EscapeApache}
	best := map[uint8]int{} // op index holding each contended slot
	prios := map[uint8]int{}
	for _, it := range items {
		o := Op{Lit: []byte(it.Lit), Kind: it.Kind, Str: it.Str, Width: it.Width, List: it.List,
			Info: &OpInfo{Name: it.Name, CLFTime: it.Kind == KTimeCLF || it.Kind == KTimeLocal}}
		if it.Slot != 0 {
			if j, ok := best[it.Slot]; !ok || it.Prio > prios[it.Slot] {
				if ok {
					t.Ops[j].Kind = KSkip
					t.Ops[j].Info.Field = ""
				}
				best[it.Slot], prios[it.Slot] = len(t.Ops), it.Prio
			} else {
				o.Kind = KSkip
			}
		}
		o.Info.Field = KindField(o.Kind, o.Str)
		t.Ops = append(t.Ops, o)
	}
	// A log of the total bytes without the body's bills the total and
	// reports it as the body bytes too, as before the total was kept.
	if !t.Has(KBytesSent) {
		for i := range t.Ops {
			if o := &t.Ops[i]; o.Kind == KBytesTotal {
				o.Kind = KBytesBoth
				o.Info.Field = KindField(o.Kind, o.Str)
			}
		}
	}
	for i := range t.Ops {
		t.Ops[i].fast = fastKindOf(&t.Ops[i])
	}
	t.plan = compilePlan(t)
	return t
}

// Has reports whether an op that is not skipped has one of kinds.
func (t *Template) Has(kinds ...Kind) bool {
	for _, o := range t.Ops {
		for _, k := range kinds {
			if o.Kind == k {
				return true
			}
		}
	}
	return false
}

// Forwarded returns the X-Forwarded-For value of the last line parsed, nil
// when the format logs none. It aliases that line.
func (t *Template) Forwarded() []byte { return t.fwd }

// Parse parses one line into r. r is reset first. String fields of r
// alias line or the template's scratch space, so r is valid until line is
// reused or Parse is called again.
func (t *Template) Parse(line []byte, r *record.Record) error {
	if t.plan != nil && t.parsePlan(line, r) {
		return nil
	}
	return t.parseOps(line, r)
}

// ParseEachOp is Parse without the plan: the generic loop, op by op,
// which takes every line and gives every error. Parse runs it for the
// lines the plan gives up on; the formats' fuzz tests hold Parse to it.
func (t *Template) ParseEachOp(line []byte, r *record.Record) error {
	return t.parseOps(line, r)
}

// parseOps is ParseEachOp.
func (t *Template) parseOps(line []byte, r *record.Record) error {
	t.begin(line, r)
	if !bytes.HasPrefix(line, t.Prefix) {
		return fmt.Errorf("line does not start with %q", t.Prefix)
	}
	rest := line[len(t.Prefix):]
	last := len(t.Ops) - 1
	for i := range t.Ops {
		o := &t.Ops[i]
		var val []byte
		switch {
		case len(o.Lit) == 0:
			val, rest = rest, nil
		case i == last:
			// The final literal ends the line: anchoring it there keeps a
			// value holding that literal whole.
			if !bytes.HasSuffix(rest, o.Lit) {
				return &parseError{how: errNoEnd, op: o}
			}
			val, rest = rest[:len(rest)-len(o.Lit)], nil
		default:
			if o.fast != fastNone {
				if n := t.setFast(o, r, rest); n > 0 {
					rest = rest[n+len(o.Lit):]
					continue
				}
			}
			end := t.index(o, rest)
			if end < 0 {
				return &parseError{how: errNoLit, op: o}
			}
			val, rest = rest[:end], rest[end+len(o.Lit):]
		}
		if o.Kind == KSkip {
			continue
		}
		if err := t.set(o, r, val); err != nil {
			return &parseError{how: errValue, op: o, val: append([]byte(nil), Excerpt(val)...), err: err}
		}
	}
	if len(rest) != 0 {
		return fmt.Errorf("%d unexpected bytes at end of line", len(rest))
	}
	if err := CheckTime(r.TimeMs); err != nil {
		return err
	}
	if t.BeginTime {
		r.TimeMs += int64(r.RequestTimeUs / 1000)
	}
	return nil
}

// begin resets r and the template's per-line state for line. Parse and
// ParseLenient both start here, so nothing of the previous line (values
// in the scratch space, its X-Forwarded-For, whether it held escapes)
// applies to this one.
func (t *Template) begin(line []byte, r *record.Record) {
	r.Reset()
	t.scratch = t.scratch[:0]
	if t.fwd != nil {
		t.fwd = nil
	}
	t.plain = t.Escape == EscapeNone || bytes.IndexByte(line, '\\') < 0
}

// index finds the literal that ends o's value in b.
func (t *Template) index(o *Op, b []byte) int {
	if o.Width > 0 && len(b) >= o.Width+len(o.Lit) && bytes.Equal(b[o.Width:o.Width+len(o.Lit)], o.Lit) {
		return o.Width
	}
	if o.List && o.Lit[0] == ' ' {
		return indexAfterList(b, o.Lit)
	}
	if t.escQuote {
		return IndexUnescaped(b, o.Lit) // a value's quote is \"
	}
	return indexLit(b, o.Lit)
}

// indexLit is bytes.Index(b, lit) for a template's literals, which are a
// few bytes long and rarely found where they do not end the value: one
// IndexByte for lit's first byte, then its other bytes compared in place.
// bytes.Index does the same for a b over 64 bytes but calls Equal for
// every candidate, and for a shorter b (most values before their literal)
// goes through its brute-force search; both were a third of the edge
// format's parse. lit is not empty.
func indexLit(b, lit []byte) int {
	for off := 0; ; {
		i := bytes.IndexByte(b[off:], lit[0])
		if i < 0 {
			return -1
		}
		i += off
		if hasLit(b[i:], lit) {
			return i
		}
		off = i + 1
	}
}

// hasLit is bytes.HasPrefix(b, lit) inlined: lit is one to three bytes,
// shorter than the call.
func hasLit(b, lit []byte) bool {
	if len(b) < len(lit) {
		return false
	}
	for i, c := range lit {
		if b[i] != c {
			return false
		}
	}
	return true
}

// indexAfterList finds lit, which starts with a space, after an upstream
// list: a space that follows "," or belongs to " : " separates list items.
func indexAfterList(b, lit []byte) int {
	off := 0
	for {
		i := indexLit(b[off:], lit)
		if i < 0 {
			return -1
		}
		i += off
		if !inList(b, i) {
			return i
		}
		off = i + 1
	}
}

// inList says the space at b[i] separates the items of an upstream list.
func inList(b []byte, i int) bool {
	return i > 0 && b[i-1] == ',' ||
		i+2 < len(b) && b[i+1] == ':' && b[i+2] == ' ' ||
		i > 1 && b[i-1] == ':' && b[i-2] == ' '
}

// parseError is a Parse error, formatted only when its message is read: a
// line the fast path refuses usually goes on to ParseLenient, which does
// not need it, and formatting it was a third of such a line's cost.
type parseError struct {
	how int
	op  *Op
	val []byte // a copy of the value's excerpt: the line may be reused
	err error
}

const (
	errNoEnd = iota
	errNoLit
	errValue
)

func (e *parseError) Error() string {
	switch e.how {
	case errNoEnd:
		return fmt.Sprintf("%s: line does not end with %q", e.op.Info.Name, e.op.Lit)
	case errNoLit:
		return fmt.Sprintf("%s: missing %q after it", e.op.Info.Name, e.op.Lit)
	}
	return fmt.Sprintf("%s %q: %v", e.op.Info.Name, e.val, e.err)
}

func (e *parseError) Unwrap() error { return e.err }
