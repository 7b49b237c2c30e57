package nginx

import (
	"errors"
	"fmt"
	"strings"
)

// Directive is one log_format directive read from an nginx config.
type Directive struct {
	Name   string
	Escape Escape
	Format string // the quoted parts, unquoted and joined as nginx joins them
}

// Compile compiles d's format.
func (d Directive) Compile() (*Parser, error) {
	p, err := Compile(d.Format, d.Escape)
	if err != nil {
		return nil, fmt.Errorf("log_format %s: %w", d.Name, err)
	}
	return p, nil
}

// ParseDirective parses one log_format directive as it is written in an
// nginx config, e.g.
//
//	log_format main escape=json '{"t":"$msec",'
//	                            '"s":$status}';
//
// and compiles it. Quoted parts are joined with nothing between them, as
// nginx does. Text before and after the directive (other directives,
// comments) is ignored, so a whole http{} block may be passed when it holds
// exactly one log_format.
func ParseDirective(text string) (name string, p *Parser, err error) {
	ds, err := Directives(text)
	if err != nil {
		return "", nil, err
	}
	switch len(ds) {
	case 0:
		return "", nil, errors.New("cannot parse log_format: no log_format directive in the text")
	case 1:
	default:
		return "", nil, fmt.Errorf("cannot parse log_format: %d log_format directives in the text; want one", len(ds))
	}
	p, err = ds[0].Compile()
	return ds[0].Name, p, err
}

// Directives returns every log_format directive of an nginx config text,
// in order. It tokenizes the text as nginx does (quotes, backslash escapes,
// # comments) but does not follow include.
func Directives(conf string) ([]Directive, error) {
	var ds []Directive
	var stmt []string
	t := tokenizer{s: conf}
	for {
		tok, end, err := t.next()
		if err != nil {
			return nil, fmt.Errorf("cannot parse nginx config: %w", err)
		}
		if end == eof {
			if len(stmt) > 0 && stmt[0] == "log_format" {
				return nil, errors.New("cannot parse nginx config: log_format is not terminated by ';'")
			}
			return ds, nil
		}
		if end == 0 {
			stmt = append(stmt, tok)
			continue
		}
		if end == ';' && len(stmt) > 0 && stmt[0] == "log_format" {
			d, err := directive(stmt[1:])
			if err != nil {
				return nil, err
			}
			ds = append(ds, d)
		}
		stmt = stmt[:0]
	}
}

func directive(args []string) (Directive, error) {
	if len(args) < 2 {
		return Directive{}, errors.New("cannot parse log_format: want a name and a format")
	}
	d := Directive{Name: args[0]}
	args = args[1:]
	if v, ok := strings.CutPrefix(args[0], "escape="); ok {
		esc, err := ParseEscape(v)
		if err != nil {
			return Directive{}, fmt.Errorf("cannot parse log_format %s: %w", d.Name, err)
		}
		d.Escape = esc
		args = args[1:]
		if len(args) == 0 {
			return Directive{}, fmt.Errorf("cannot parse log_format %s: no format after escape=", d.Name)
		}
	}
	d.Format = strings.Join(args, "")
	return d, nil
}

// tokenizer splits an nginx config into words, following
// ngx_conf_read_token: words are separated by space, and end at ';', '{'
// or '}'; a word may be quoted with ' or "; \" \' \\ \t \r \n are
// unescaped in any word; '#' outside a word starts a comment.
type tokenizer struct {
	s string
	i int
}

// eof is next's end at the end of the text.
const eof = 0xff

// next returns the next word (end = 0), or end = ';', '{' or '}' for a
// statement end, or end = eof at the end of the text.
func (t *tokenizer) next() (word string, end byte, err error) {
	for t.i < len(t.s) {
		switch c := t.s[t.i]; c {
		case ' ', '\t', '\r', '\n':
			t.i++
		case '#':
			for t.i < len(t.s) && t.s[t.i] != '\n' {
				t.i++
			}
		case ';', '{', '}':
			t.i++
			return "", c, nil
		case '"', '\'':
			start := t.i
			t.i++
			for t.i < len(t.s) && t.s[t.i] != c {
				if t.s[t.i] == '\\' {
					t.i++
				}
				t.i++
			}
			if t.i >= len(t.s) {
				return "", 0, fmt.Errorf("unterminated %c string at byte %d", c, start)
			}
			t.i++
			if t.i < len(t.s) && !strings.ContainsRune(" \t\r\n;{}", rune(t.s[t.i])) {
				return "", 0, fmt.Errorf("unexpected %q after a quoted string at byte %d", t.s[t.i], t.i)
			}
			return unescapeConf(t.s[start+1 : t.i-1]), 0, nil
		default:
			start := t.i
			for t.i < len(t.s) {
				c := t.s[t.i]
				if c == '\\' && t.i+1 < len(t.s) {
					t.i += 2
					continue
				}
				if c == '$' && t.i+1 < len(t.s) && t.s[t.i+1] == '{' { // ${var} does not end a word
					if j := strings.IndexByte(t.s[t.i:], '}'); j > 0 {
						t.i += j + 1
						continue
					}
				}
				if strings.IndexByte(" \t\r\n;{}", c) >= 0 {
					break
				}
				t.i++
			}
			return unescapeConf(t.s[start:t.i]), 0, nil
		}
	}
	return "", eof, nil
}

func unescapeConf(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			switch s[i+1] {
			case '"', '\'', '\\':
				i++
			case 't':
				b.WriteByte('\t')
				i++
				continue
			case 'r':
				b.WriteByte('\r')
				i++
				continue
			case 'n':
				b.WriteByte('\n')
				i++
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
