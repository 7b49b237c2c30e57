package apache

import (
	"errors"
	"fmt"
	"strings"
)

// directive is one %directive of a format.
type directive struct {
	text   string // as written, e.g. `%>s` or `%{Referer}i`
	letter byte
	arg    string
	hasArg bool
	orig   bool // %s or %<s: the original request's status
}

// splitDirective reads the directive at the start of s ("%..."), as
// mod_log_config's parse_log_item does: modifiers in any order ('!', '<',
// '>', status lists "400,501", "{arg}"), then one letter, or "^ti"/"^to".
// Status conditions only make Apache write "-", so they are read past.
func splitDirective(s string) (directive, error) {
	d := directive{orig: true}
	i := 1
	for i < len(s) {
		switch c := s[i]; {
		case c == '!' || c == ',' || c >= '0' && c <= '9':
			i++
		case c == '<':
			d.orig = true
			i++
		case c == '>':
			d.orig = false
			i++
		case c == '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return d, fmt.Errorf("unterminated { in %q", excerpt(s))
			}
			d.arg, d.hasArg = s[i+1:i+end], true
			i += end + 1
		case c == '^':
			if i+2 >= len(s) {
				return d, fmt.Errorf("truncated %%^ directive in %q", excerpt(s))
			}
			d.letter = '^' // trailers: dropped
			d.text = s[:i+3]
			return d, nil
		default:
			d.letter = c
			d.text = s[:i+1]
			return d, nil
		}
	}
	return d, errors.New("format ends inside a directive")
}

// splitLiteral takes the literal text off the front of s, up to the next
// directive, turning "%%" into "%" and the escapes mod_log_config knows
// (\\ \r \n \t; any other backslash stays) into their bytes.
func splitLiteral(s string) (lit, rest string) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '%' && i+1 < len(s) && s[i+1] == '%':
			b.WriteByte('%')
			i++
		case c == '%':
			return b.String(), s[i:]
		case c == '\\' && i+1 < len(s) && strings.IndexByte(`\rnt`, s[i+1]) >= 0:
			b.WriteByte(map[byte]byte{'\\': '\\', 'r': '\r', 'n': '\n', 't': '\t'}[s[i+1]])
			i++
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), ""
}

func excerpt(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// ParseLogFormat parses a LogFormat line of an Apache config,
//
//	LogFormat "%h %l %u %t \"%r\" %>s %b" common
//
// and compiles its format. The nickname is "" when the line has none (the
// format then applies to the next TransferLog).
func ParseLogFormat(line string) (nickname string, p *Parser, err error) {
	line = strings.TrimSpace(line)
	rest, ok := cutWord(line, "LogFormat")
	if !ok {
		return "", nil, fmt.Errorf("cannot parse LogFormat: line does not start with LogFormat: %q", excerpt(line))
	}
	format, rest, err := configWord(strings.TrimLeft(rest, " \t"))
	if err != nil {
		return "", nil, fmt.Errorf("cannot parse LogFormat: %w", err)
	}
	nickname, rest, err = configWord(strings.TrimLeft(rest, " \t"))
	if err != nil {
		return "", nil, fmt.Errorf("cannot parse LogFormat: %w", err)
	}
	if strings.TrimSpace(rest) != "" {
		return "", nil, fmt.Errorf("cannot parse LogFormat: unexpected %q after the nickname", excerpt(rest))
	}
	p, err = Compile(format)
	return nickname, p, err
}

// cutWord cuts the config keyword w, which Apache matches case-blind.
func cutWord(s, w string) (string, bool) {
	if len(s) < len(w) || !strings.EqualFold(s[:len(w)], w) || len(s) > len(w) && s[len(w)] != ' ' && s[len(w)] != '\t' {
		return s, false
	}
	return s[len(w):], true
}

// configWord reads one argument as ap_getword_conf does: a word quoted
// with ' or " in which only the quote itself is escaped (\"), or a bare
// word up to white space.
func configWord(s string) (word, rest string, err error) {
	if s == "" {
		return "", "", nil
	}
	q := s[0]
	if q != '"' && q != '\'' {
		i := strings.IndexAny(s, " \t")
		if i < 0 {
			return s, "", nil
		}
		return s[:i], s[i:], nil
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s) && s[i+1] == q:
			b.WriteByte(q)
			i++
		case s[i] == q:
			return b.String(), s[i+1:], nil
		default:
			b.WriteByte(s[i])
		}
	}
	return "", "", fmt.Errorf("unterminated %c string", q)
}
