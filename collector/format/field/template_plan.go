package field

import (
	"bytes"

	"github.com/edgelog/edgelog/internal/record"
)

// The plan: a template's ops compiled for the common shape of a line, one
// without a backslash. parseOps, the generic loop, asks of every op
// whether its literal is empty, whether it is the last, whether it has a
// fast way, a width, a list, an escaped quote, and then switches on its
// kind in set; for the edge format that dispatch was a third of the
// parse. Compile answers those questions once per op and stores the
// answer as a step, so parsePlan does per op the one thing that op needs.
//
// parsePlan never fails a line: it gives up (returns false) whenever the
// line is not of the common shape or a value is refused, and Parse then
// runs parseOps on the whole line, which gives the record or the error it
// always gave. Where parsePlan succeeds it fills r exactly as parseOps
// would, because each step does what parseOps does for that op on a line
// without a backslash:
//   - no backslash: unescape returns a value unchanged, and IndexUnescaped
//     finds what indexLit finds (no literal is preceded by a backslash);
//   - a value's end is found by indexLit, or by index itself where the op
//     has a width or an upstream list;
//   - a number or address is read by setFast's readers, and when they
//     refuse it the op takes index and set, as in parseOps;
//   - every other value is stored by set, or by the few lines of set its
//     kind runs (KStr, KRequest), inlined.
//
// No library parses nginx log_format or Apache LogFormat templates, let
// alone at this speed: hence a hand-written plan.

// stepCode is what a step does.
type stepCode uint8

const (
	stepSet     stepCode = iota // find the end, then set
	stepSkip                    // find the end; the value is dropped
	stepStr                     // find the end; a string field, "-" empty
	stepRequest                 // find the end; the request line, split
	stepIPv4                    // an IPv4 address read as it is found (setFast)
	stepStatus                  // a status read as it is found
	stepUint                    // another number read as it is found
	stepSeconds                 // seconds read as they are found
)

// step is one op of the plan.
type step struct {
	code stepCode
	// search: the end is the first occurrence of lit (indexLit); else
	// index finds it (a width, an upstream list).
	search bool
	// sep: lit begins with a space and the value may be an upstream
	// list, so the literal found must not be one of its separators.
	sep   bool
	width int // the op's Width
	// long: the value is often longer than indexByte's words (a user
	// agent), so bytes.IndexByte searches it from the start.
	long bool
	str  record.Str // for stepStr
	lit  []byte
	w    litWord
	op   *Op
}

// plan is a template's steps and how its last op ends the line.
type plan struct {
	steps []step // every op but the last
	last  *Op
	// unixFrac: the last op is a KUnixFrac ($msec), read as seconds are.
	unixFrac bool
}

// compilePlan builds t's plan, or returns nil when t has a shape the plan
// does not take (no ops, an empty literal before the last op).
func compilePlan(t *Template) *plan {
	if len(t.Ops) == 0 {
		return nil
	}
	p := &plan{last: &t.Ops[len(t.Ops)-1]}
	p.unixFrac = p.last.Kind == KUnixFrac && len(p.last.Lit) == 0
	for i := range t.Ops[:len(t.Ops)-1] {
		o := &t.Ops[i]
		if len(o.Lit) == 0 {
			return nil
		}
		s := step{lit: o.Lit, w: newLitWord(o.Lit), op: o, str: o.Str,
			search: o.Width == 0 && !(o.List && o.Lit[0] == ' '),
			sep:    o.List && o.Lit[0] == ' ',
			width:  o.Width,
			long:   o.Kind == KStr && o.Str == record.UserAgent}
		switch {
		case o.fast == fastIPv4:
			s.code = stepIPv4
		case o.fast == fastUint && o.Kind == KStatus:
			s.code = stepStatus
		case o.fast == fastUint:
			s.code = stepUint
		case o.fast == fastSeconds:
			s.code = stepSeconds
		case o.Kind == KSkip:
			s.code = stepSkip
		case o.Kind == KStr:
			s.code = stepStr
		case o.Kind == KRequest:
			s.code = stepRequest
		default:
			s.code = stepSet
		}
		p.steps = append(p.steps, s)
	}
	return p
}

// ends says s's literal follows a value of n bytes at the start of b, and
// is not one of a list's separators: Template.ends for a step.
func (s *step) ends(b []byte, n int) bool {
	return hasLitAt(b, n, s.lit, s.w) && !(s.sep && inList(b, n))
}

// find returns where s's literal ends the value at the start of b, or -1
// when parsePlan must give the line up. It looks only at the first byte
// that may begin the literal: a value holds that byte only in a line
// that is not of the common shape (the servers escape a quote in a
// quoted value, and a value that is not quoted has no space in it but an
// upstream list, which index searches), and parseOps searches on in such
// a line, as index does.
func (s *step) find(b []byte) int {
	var i int
	if s.long {
		i = bytes.IndexByte(b, s.lit[0])
	} else {
		i = indexByte(b, s.lit[0])
	}
	if i < 0 || !hasLitAt(b, i, s.lit, s.w) {
		return -1
	}
	return i
}

// parsePlan parses line into r by t's plan and reports whether it did;
// when it did not, r and t's per-line state are left for parseOps to
// reset.
func (t *Template) parsePlan(line []byte, r *record.Record) bool {
	t.begin(line, r)
	if !t.plain || !bytes.HasPrefix(line, t.Prefix) {
		return false
	}
	rest := line[len(t.Prefix):]
	steps := t.plan.steps
	for i := range steps {
		s := &steps[i]
		// The numbers and the address: read as they are found, as setFast
		// does; a value of another shape takes index and set below.
		switch s.code {
		case stepIPv4:
			if ip, n, ok := parseIPv4Prefix(rest); ok && s.ends(rest, n) {
				r.ClientIP = ip
				rest = rest[n+len(s.lit):]
				continue
			}
			// IPv6: its end as index finds it, the address as ParseIP
			// reads it.
			if end := s.find(rest); s.search && end > 0 {
				if ip, ok := parseIPv6Hex(rest[:end]); ok {
					r.ClientIP = ip
					rest = rest[end+len(s.lit):]
					continue
				}
			}
		case stepStatus:
			if v, n := leadingUint(rest); n == 3 && v >= 100 && v <= 599 && s.ends(rest, n) {
				r.Status = uint16(v) // #nosec G115 -- 100..599
				rest = rest[n+len(s.lit):]
				continue
			}
		case stepUint:
			if v, n := leadingUint(rest); n > 0 && s.ends(rest, n) && setUint(s.op, r, v, n) {
				rest = rest[n+len(s.lit):]
				continue
			}
		case stepSeconds:
			if us, n := leadingSeconds(rest); n > 0 && s.ends(rest, n) {
				setSeconds(s.op, r, us)
				rest = rest[n+len(s.lit):]
				continue
			}
		}
		end := -1
		switch {
		case s.width > 0:
			// index's first try, inlined: the time of $time_local.
			if len(rest) >= s.width && hasLitAt(rest, s.width, s.lit, s.w) {
				end = s.width
			}
		case s.search:
			end = s.find(rest)
		case s.sep:
			// The first space, unless it separates the items of a list.
			if end = s.find(rest); end >= 0 && inList(rest, end) {
				end = -1
			}
		}
		if end < 0 && !s.search {
			end = t.index(s.op, rest)
		}
		if end < 0 {
			return false
		}
		val := rest[:end]
		rest = rest[end+len(s.lit):]
		switch s.code {
		case stepSkip:
		case stepStr:
			r.Str[s.str] = Dash(val)
		case stepRequest:
			SetRequest(r, val)
		default:
			if t.set(s.op, r, val) != nil {
				return false
			}
		}
	}
	o := t.plan.last
	if t.plan.unixFrac {
		// UnixMillis, for the shape leadingSeconds reads ("-" is no time).
		if us, n := leadingSeconds(rest); n == len(rest) && n > 0 && rest[0] != '-' && us != 0 {
			r.TimeMs = int64(us / 1000) // #nosec G115 -- us/1000 < 2^54 fits an int64
			rest = nil
		}
	}
	if rest != nil {
		if !bytes.HasSuffix(rest, o.Lit) {
			return false
		}
		if o.Kind != KSkip && t.set(o, r, rest[:len(rest)-len(o.Lit)]) != nil {
			return false
		}
	}
	if CheckTime(r.TimeMs) != nil {
		return false
	}
	if t.BeginTime {
		r.TimeMs += int64(r.RequestTimeUs / 1000)
	}
	return true
}
