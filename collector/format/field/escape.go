package field

import (
	"bytes"
	"unicode/utf8"
)

// The unescapers append the decoded form of src to dst and return it. They
// never fail: an escape they do not understand is copied through as it
// stands, because a log line with an odd backslash still describes a
// served request. AppendJSONUnescape also reports whether src was valid
// JSON string content, for formats that must reject bad JSON.

// AppendHexUnescape reverses nginx's default log escaping: '"', '\' and
// bytes outside 0x20..0x7e are written as \xHH.
func AppendHexUnescape(dst, src []byte) []byte {
	for {
		i := bytes.IndexByte(src, '\\')
		if i < 0 {
			return append(dst, src...)
		}
		dst = append(dst, src[:i]...)
		src = src[i:]
		if len(src) >= 4 && src[1] == 'x' && isHex(src[2]) && isHex(src[3]) {
			dst = append(dst, unhex(src[2])<<4|unhex(src[3]))
			src = src[4:]
			continue
		}
		dst = append(dst, '\\')
		src = src[1:]
	}
}

// AppendApacheUnescape reverses Apache httpd's ap_escape_logitem: \" \\
// \b \n \r \t \v and \xhh for other bytes outside 0x20..0x7e.
func AppendApacheUnescape(dst, src []byte) []byte {
	for {
		i := bytes.IndexByte(src, '\\')
		if i < 0 || i+1 == len(src) {
			return append(dst, src...)
		}
		dst = append(dst, src[:i]...)
		src = src[i:]
		n := 2
		switch src[1] {
		case '"', '\\':
			dst = append(dst, src[1])
		case 'b':
			dst = append(dst, '\b')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'v':
			dst = append(dst, '\v')
		case 'x':
			if len(src) >= 4 && isHex(src[2]) && isHex(src[3]) {
				dst = append(dst, unhex(src[2])<<4|unhex(src[3]))
				n = 4
			} else {
				dst = append(dst, '\\')
				n = 1
			}
		default:
			dst = append(dst, '\\')
			n = 1
		}
		src = src[n:]
	}
}

// AppendJSONUnescape decodes the content of a JSON string (without its
// quotes): \" \\ \/ \b \f \n \r \t and \uXXXX, surrogate pairs included (a
// lone surrogate becomes U+FFFD, as encoding/json does). ok is false when
// src holds an invalid escape, which is then copied through.
func AppendJSONUnescape(dst, src []byte) (_ []byte, ok bool) {
	ok = true
	for {
		i := bytes.IndexByte(src, '\\')
		if i < 0 {
			return append(dst, src...), ok
		}
		dst = append(dst, src[:i]...)
		src = src[i:]
		if len(src) < 2 {
			return append(dst, src...), false
		}
		n := 2
		switch src[1] {
		case '"', '\\', '/':
			dst = append(dst, src[1])
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, good := hex4(src[2:])
			if !good {
				dst, ok, n = append(dst, '\\'), false, 1
				break
			}
			n = 6
			if utf16IsSurrogate(r) {
				r2, good2 := rune(0), false
				if len(src) >= 12 && src[6] == '\\' && src[7] == 'u' {
					r2, good2 = hex4(src[8:])
				}
				if good2 && r >= 0xd800 && r < 0xdc00 && r2 >= 0xdc00 && r2 < 0xe000 {
					r = (r-0xd800)<<10 | (r2 - 0xdc00) + 0x10000
					n = 12
				} else {
					r = utf8.RuneError
				}
			}
			dst = utf8.AppendRune(dst, r)
		default:
			dst, ok, n = append(dst, '\\'), false, 1
		}
		src = src[n:]
	}
}

func utf16IsSurrogate(r rune) bool { return r >= 0xd800 && r < 0xe000 }

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		if !isHex(c) {
			return 0, false
		}
		r = r<<4 | rune(unhex(c))
	}
	return r, true
}

// AppendPercentDecode decodes %XX sequences (CloudFront URL-encodes the
// User-Agent and Referer it logs). A '%' not followed by two hex digits is
// copied through.
func AppendPercentDecode(dst, src []byte) []byte {
	for {
		i := bytes.IndexByte(src, '%')
		if i < 0 {
			return append(dst, src...)
		}
		dst = append(dst, src[:i]...)
		src = src[i:]
		if len(src) >= 3 && isHex(src[1]) && isHex(src[2]) {
			dst = append(dst, unhex(src[1])<<4|unhex(src[2]))
			src = src[3:]
			continue
		}
		dst = append(dst, '%')
		src = src[1:]
	}
}

// IndexUnescaped returns the index of the first lit in b that is not
// escaped, that is not preceded by an odd number of backslashes, or -1.
// Formats that escape a quote as \" (Apache, nginx escape=json) need it to
// find the quote that really ends a value.
func IndexUnescaped(b, lit []byte) int {
	if len(lit) == 0 {
		return 0 // as bytes.Index
	}
	off := 0
	for {
		i := indexLit(b[off:], lit)
		if i < 0 {
			return -1
		}
		i += off
		bs := 0
		for j := i - 1; j >= 0 && b[j] == '\\'; j-- {
			bs++
		}
		if bs%2 == 0 {
			return i
		}
		off = i + 1
	}
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}
