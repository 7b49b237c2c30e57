package nginx

import (
	"strconv"
	"unicode/utf8"
)

// unescape reverses nginx's value escaping into the parser's scratch space.
// The result aliases p.scratch and is valid until the next Parse.
func (p *Parser) unescape(v []byte) []byte {
	start := len(p.scratch)
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c != '\\' || i+1 == len(v) {
			p.scratch = append(p.scratch, c)
			continue
		}
		n := v[i+1]
		switch {
		case n == 'x' && p.escape == EscapeDefault && i+3 < len(v) && isHex(v[i+2]) && isHex(v[i+3]):
			p.scratch = append(p.scratch, unhex(v[i+2])<<4|unhex(v[i+3]))
			i += 3
		case p.escape == EscapeJSON && n == 'u' && i+5 < len(v):
			r, err := strconv.ParseUint(string(v[i+2:i+6]), 16, 32)
			if err != nil {
				p.scratch = append(p.scratch, c)
				continue
			}
			p.scratch = utf8.AppendRune(p.scratch, rune(r))
			i += 5
		case p.escape == EscapeJSON && (n == '"' || n == '\\' || n == '/'):
			p.scratch = append(p.scratch, n)
			i++
		case p.escape == EscapeJSON && n == 'n':
			p.scratch = append(p.scratch, '\n')
			i++
		case p.escape == EscapeJSON && n == 'r':
			p.scratch = append(p.scratch, '\r')
			i++
		case p.escape == EscapeJSON && n == 't':
			p.scratch = append(p.scratch, '\t')
			i++
		default:
			p.scratch = append(p.scratch, c)
		}
	}
	return p.scratch[start:len(p.scratch):len(p.scratch)]
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
