package field

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/edgelog/edgelog/internal/record"
)

var errMissing = errors.New("missing")

// ParseLenient parses a line Parse refused. It keeps the request when its
// billing fields can be read (the time, the status, the bytes sent when
// the format logs them) and leaves every other field it cannot read empty,
// noting why in n (n is not reset: the caller does). It reads:
//
//   - the fields before a common-log time ([10/Oct/2026:13:55:36 +0000])
//     from the time backwards, so that an address field holding spaces (an
//     X-Forwarded-For list, "a, b" c, a vhost prefix) takes what is left;
//   - an address field that is not one address with AddrField;
//   - a line that ends early (the common format in a file configured as
//     combined): the fields it lacks are missing;
//   - a line that does not end as the format does: the last value runs to
//     its end.
//
// It is the slow path: the collector calls it only for a line Parse
// refused, so it may search more than Parse does. String fields alias line
// or the scratch space, as Parse's do.
func (t *Template) ParseLenient(line []byte, r *record.Record, n *Notes) error {
	t.begin(line, r)
	rest := line
	switch {
	case bytes.HasPrefix(line, t.Prefix):
		rest = line[len(t.Prefix):]
	case len(t.Prefix) > 0:
		n.Add("line", ReasonPrefix)
		if i := bytes.Index(line, t.Prefix); i >= 0 {
			rest = line[i+len(t.Prefix):]
		}
	}
	var vhost []byte
	first := 0
	if a, start := t.anchor(rest); a > 0 {
		vhost = t.head(rest[:start], a, r, n)
		rest, first = rest[start:], a
	}
	ended := false
	last := len(t.Ops) - 1
	for i := first; i < len(t.Ops); i++ {
		o := &t.Ops[i]
		var val []byte
		switch {
		case ended:
			if o.Kind != KSkip {
				if IsBilling(o.Info.Field) {
					return fmt.Errorf("%s: %w (the line ends before it)", o.Info.Name, errMissing)
				}
				n.Add(o.Info.Field, ReasonMissing)
			}
			continue
		case len(o.Lit) == 0:
			val, rest = rest, nil
		case i == last:
			if bytes.HasSuffix(rest, o.Lit) {
				val = rest[:len(rest)-len(o.Lit)]
			} else {
				val = trimPartial(rest, o.Lit)
				if o.Kind != KSkip {
					n.Add(o.Info.Field, ReasonUnterminated)
				}
			}
			rest = nil
		default:
			end := t.index(o, rest)
			if end < 0 {
				val, rest, ended = trimPartial(rest, o.Lit), nil, true
			} else {
				val, rest = rest[:end], rest[end+len(o.Lit):]
			}
		}
		if o.Kind == KSkip {
			continue
		}
		if v, err := t.setLenient(o, r, val, n); err != nil {
			return err
		} else if v != nil {
			vhost = v
		}
	}
	if len(rest) != 0 {
		n.Add("line", ReasonExtra)
	}
	if err := CheckTime(r.TimeMs); err != nil {
		return err
	}
	if r.Status == 0 {
		return ErrNoStatus
	}
	if len(vhost) > 0 && len(r.Str[record.Host]) == 0 {
		r.Str[record.Host] = vhost
	}
	if t.BeginTime {
		r.TimeMs += int64(r.RequestTimeUs / 1000)
	}
	return nil
}

// anchor finds the first op holding a common-log time and where its value
// starts in b: the first '[' that opens a valid time. a is 0 when the
// format has no such op before others, or the line no such time.
func (t *Template) anchor(b []byte) (a, start int) {
	a = -1
	for i := range t.Ops {
		if t.Ops[i].Info.CLFTime {
			a = i
			break
		}
	}
	if a <= 0 {
		return 0, 0
	}
	const width = len("10/Oct/2026:13:55:36 +0000")
	for off := 0; ; {
		i := bytes.IndexByte(b[off:], '[')
		if i < 0 {
			return 0, 0
		}
		i += off
		if i+1+width < len(b) && b[i+1+width] == ']' {
			if _, err := CommonLogTime(b[i+1 : i+1+width]); err == nil {
				if t.Ops[a].Width == width { // the value is the time without its brackets
					i++
				}
				return a, i
			}
		}
		off = i + 1
	}
}

// head reads the values of ops[:a], the fields before the anchor time, from
// b backwards: each op from a-1 down to 1 takes what follows the last
// occurrence of its predecessor's literal, and op 0 what is left. It
// returns a virtual host found before the address.
func (t *Template) head(b []byte, a int, r *record.Record, n *Notes) (vhost []byte) {
	b = trimPartialEnd(b, t.Ops[a-1].Lit)
	var vals [16][]byte
	if a > len(vals) {
		n.Add("line", ReasonMisaligned)
		return nil
	}
	missing := -1 // ops up to here were not in the line
	for j := a - 1; j >= 1; j-- {
		i := bytes.LastIndex(b, t.Ops[j-1].Lit)
		if i < 0 {
			vals[j], missing = b, j-1
			break
		}
		vals[j], b = b[i+len(t.Ops[j-1].Lit):], b[:i]
	}
	if missing < 0 {
		vals[0] = b
	}
	for j := 0; j < a; j++ {
		o := &t.Ops[j]
		if o.Kind == KSkip {
			continue
		}
		if j <= missing {
			n.Add(o.Info.Field, ReasonMissing)
			continue
		}
		if v, _ := t.setLenient(o, r, vals[j], n); v != nil {
			vhost = v
		}
	}
	return vhost
}

// setLenient stores one value as set does; a value set refuses is left
// empty and noted, unless it is a billing field, which is an error. An
// address field that is not one address is read by AddrField, and its
// virtual host, if any, returned.
func (t *Template) setLenient(o *Op, r *record.Record, v []byte, n *Notes) (vhost []byte, err error) {
	err = t.set(o, r, v)
	if err == nil {
		return nil, nil
	}
	if IsBilling(o.Info.Field) {
		return nil, fmt.Errorf("%s %q: %w", o.Info.Name, Excerpt(v), err)
	}
	switch o.Kind {
	case KIP, KHostname:
		r.ClientIP = [16]byte{}
		before := len(n.Fallbacks)
		vhost = AddrField(v, n)
		if len(n.Addrs) > 0 {
			r.ClientIP = n.Addrs[0].As16()
		}
		if len(n.Addrs) == 0 && len(n.Fallbacks) == before {
			n.Add(o.Info.Field, ReasonInvalid)
		}
		return vhost, nil
	case KRequestTime, KSeconds, KMillis, KMicros:
		r.RequestTimeUs = 0
	case KTTFB:
		r.TTFBUs = 0
	case KBytesReceived:
		r.BytesReceived = 0
	case KBytesTotal: // the row bills its body bytes (record.Record.BytesTotal)
		r.BytesTotal = 0
	case KASN:
		r.ASN = 0
	}
	n.Add(o.Info.Field, ReasonInvalid)
	return nil, nil
}

// trimPartial returns b without a trailing beginning of lit: a value cut
// at the end of the line keeps no half of the literal that should have
// ended it (`-"` of `"-" "`).
func trimPartial(b, lit []byte) []byte {
	for k := len(lit); k > 0; k-- {
		if bytes.HasSuffix(b, lit[:k]) {
			return b[:len(b)-k]
		}
	}
	return b
}

// trimPartialEnd returns b without lit, or the longest end of lit, at its
// end: the head before a time loses the " [" that led to it.
func trimPartialEnd(b, lit []byte) []byte {
	for k := 0; k < len(lit); k++ {
		if bytes.HasSuffix(b, lit[k:]) {
			return b[:len(b)-len(lit)+k]
		}
	}
	return b
}
