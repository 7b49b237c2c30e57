package syslog

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// framer cuts a TCP stream into frames of at most max bytes. Hand-written
// because go-syslog's newline-framing parser cannot bound a message (see
// the package doc); the framings are RFC 6587's and small, and fuzzed
// (FuzzFramer).
type framer struct {
	r     *bufio.Reader
	max   int
	octet bool
	buf   []byte
}

// errEnd is the stream's clean end between frames.
var errEnd = errors.New("end of stream")

// maxLenDigits bounds an octet count's digits: 10 digits is more than any
// frame this server takes.
const maxLenDigits = 10

// next returns the next frame (valid until the following call). A frame
// longer than max is read to its end and returned cut to max bytes, with
// oversize set. A newline-framed stream's last frame may end without a
// newline; an octet-counted stream that breaks its framing is an error (it
// cannot be resynchronised).
func (f *framer) next() (frame []byte, oversize bool, err error) {
	if f.octet {
		return f.nextCounted()
	}
	return f.nextLine()
}

func (f *framer) nextLine() ([]byte, bool, error) {
	f.buf = f.buf[:0]
	n := 0
	for {
		chunk, err := f.r.ReadSlice('\n')
		n += len(chunk)
		body := bytes.TrimSuffix(chunk, []byte{'\n'})
		if room := f.max - len(f.buf); room > 0 {
			f.buf = append(f.buf, body[:min(len(body), room)]...)
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == io.EOF && n == 0:
			return nil, false, errEnd
		case err != nil && err != io.EOF:
			return nil, false, err
		}
		long := n-1 > f.max || (err == io.EOF && n > f.max)
		return f.buf, long, nil
	}
}

func (f *framer) nextCounted() ([]byte, bool, error) {
	digits := make([]byte, 0, maxLenDigits)
	for {
		b, err := f.r.ReadByte()
		if err == io.EOF && len(digits) == 0 {
			return nil, false, errEnd
		}
		if err != nil {
			return nil, false, err
		}
		if b == ' ' && len(digits) > 0 {
			break
		}
		if b < '0' || b > '9' || len(digits) == maxLenDigits || (len(digits) == 0 && b == '0') {
			return nil, false, fmt.Errorf("octet-counted framing broken at %q", append(digits, b))
		}
		digits = append(digits, b)
	}
	n, err := strconv.ParseInt(string(digits), 10, 64)
	if err != nil {
		panic("BUG: digits that do not parse: " + string(digits))
	}
	keep := min(n, int64(f.max))
	if int64(cap(f.buf)) < keep {
		f.buf = make([]byte, keep)
	}
	f.buf = f.buf[:keep]
	if _, err := io.ReadFull(f.r, f.buf); err != nil {
		return nil, false, fmt.Errorf("cannot read a %d-byte frame: %w", n, err)
	}
	if n > keep {
		if _, err := io.CopyN(io.Discard, f.r, n-keep); err != nil {
			return nil, false, fmt.Errorf("cannot read a %d-byte frame: %w", n, err)
		}
	}
	// The count covers the trailing newline many senders add; it is framing,
	// not message (as in go-syslog's octet-counting parser).
	frame := bytes.TrimSuffix(f.buf, []byte{'\n'})
	return frame, n > keep, nil
}
