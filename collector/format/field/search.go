package field

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// The plan's searches. Most values of a log line are a few bytes (a
// scheme, a PoP, a country, "-"), for which bytes.IndexByte's call and
// setup cost more than the search: indexByte looks at the first bytes
// eight at a time in registers (SWAR) and calls bytes.IndexByte only for
// a longer value (a user agent, a referer).

const (
	swarLo = 0x0101010101010101
	swarHi = 0x8080808080808080
	// swarWords is how many words indexByte reads before it hands the
	// search to bytes.IndexByte.
	swarWords = 4
)

// indexByte is bytes.IndexByte(b, c).
func indexByte(b []byte, c byte) int {
	rep := swarLo * uint64(c)
	i := 0
	for w := 0; w < swarWords && i+8 <= len(b); w++ {
		x := binary.LittleEndian.Uint64(b[i:]) ^ rep
		// The lowest byte of x that is zero sets the lowest bit of m; a
		// borrow can set bits only above it.
		if m := (x - swarLo) &^ x & swarHi; m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
		i += 8
	}
	if j := bytes.IndexByte(b[i:], c); j >= 0 {
		return i + j
	}
	return -1
}

// litWord is a literal of at most four bytes as the plan compares it: the
// little-endian word of its bytes and the mask of those bytes.
type litWord struct {
	word, mask uint32
	ok         bool // the literal has at most four bytes
}

func newLitWord(lit []byte) litWord {
	if len(lit) == 0 || len(lit) > 4 {
		return litWord{}
	}
	var w litWord
	for i, c := range lit {
		w.word |= uint32(c) << (8 * i)
		w.mask |= 0xff << (8 * i)
	}
	w.ok = true
	return w
}

// hasLitAt is hasLit(b[i:], lit) for 0 <= i <= len(b), comparing a
// short literal as one word where b has four bytes from i.
func hasLitAt(b []byte, i int, lit []byte, w litWord) bool {
	if w.ok && i+4 <= len(b) {
		return binary.LittleEndian.Uint32(b[i:])&w.mask == w.word
	}
	return hasLit(b[i:], lit)
}
