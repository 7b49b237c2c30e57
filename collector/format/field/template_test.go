package field

import (
	"bytes"
	"testing"
)

// indexLit and inList are the parse loop's own searches: they must find
// what bytes.Index and the list rule they replaced found, on any input.
func FuzzIndexLit(f *testing.F) {
	for _, s := range [][2]string{
		{`GET / HTTP/1.1" 200`, `" `}, {`a" "b" "c`, `" "`}, {`- - [x`, ` - `}, {`"" ""`, `" "`},
		{`0.010, 0.020 : 0.030 MISS "x`, ` "`}, {`aaaab`, `ab`}, {``, `"`}, {`x`, `xyz`},
	} {
		f.Add([]byte(s[0]), []byte(s[1]))
	}
	f.Fuzz(func(t *testing.T, b, lit []byte) {
		if len(lit) == 0 || len(lit) > 8 {
			return
		}
		if got, want := indexLit(b, lit), bytes.Index(b, lit); got != want {
			t.Fatalf("indexLit(%q, %q) = %d, bytes.Index %d", b, lit, got, want)
		}
		if lit[0] == ' ' {
			want := -1
			for off := 0; off <= len(b); {
				i := bytes.Index(b[off:], lit)
				if i < 0 {
					break
				}
				i += off
				if !(i > 0 && b[i-1] == ',' || i+2 < len(b) && b[i+1] == ':' && b[i+2] == ' ' || i > 1 && b[i-1] == ':' && b[i-2] == ' ') {
					want = i
					break
				}
				off = i + 1
			}
			if got := indexAfterList(b, lit); got != want {
				t.Fatalf("indexAfterList(%q, %q) = %d, want %d", b, lit, got, want)
			}
		}
	})
}
