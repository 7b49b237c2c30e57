package field

import "errors"

// Excerpt returns at most the first 64 bytes of v, for quoting a bad value
// in an error message: a dead-lettered line is kept whole elsewhere, and a
// megabyte-long value in an error string helps nobody.
func Excerpt(v []byte) []byte {
	if len(v) > 64 {
		return v[:64]
	}
	return v
}

// Scratch is a parser's buffer for unescaped values. A parser resets it at
// the start of each line and appends every value that needs unescaping, so
// one buffer serves all lines without allocating once it has grown.
type Scratch []byte

// Append appends unescape(v) and returns the appended part. Its capacity
// is capped so that a later Append can never write into it.
func (s *Scratch) Append(unescape func(dst, src []byte) []byte, v []byte) []byte {
	start := len(*s)
	*s = unescape(*s, v)
	return (*s)[start:len(*s):len(*s)]
}

var (
	errNoTime  = errors.New("no timestamp")
	errPreUnix = errors.New("timestamp before 1970")
)

// CheckTime is the parsers' last check of a record's time: a line whose
// time fields were all absent ("-") has none, and the time decoders take
// any four-digit year, but an access log line is never from before 1970.
func CheckTime(ms int64) error {
	switch {
	case ms == 0:
		return errNoTime
	case ms < 0:
		return errPreUnix
	}
	return nil
}
