package nginx

import (
	"strings"
	"testing"

	"github.com/edgelog/edgelog/collector/format/field"
	"github.com/edgelog/edgelog/internal/record"
)

// A line's escapes are undone whatever line was parsed before it, by Parse
// and by ParseLenient called alone: the template decides once per line
// whether any value needs unescaping (field.Template), so a decision left
// over from the previous line must never apply.
func TestEscapesDecidedPerLine(t *testing.T) {
	p := MustCompile(Edge)
	plain := `203.0.113.50 - - [04/Mar/2026:08:00:00 +0000] "GET /a HTTP/2.0" 200 183224 "https://www.acme.example/" "Mozilla/5.0" "cdn.acme.example" https 412 0.004 - HIT "application/javascript" fra1 edge-fra1-07 DE 3320 1772611200.004`
	escaped := strings.Replace(plain, `"Mozilla/5.0"`, `"Mozilla\x22q\x5C"`, 1)
	want := map[string]string{plain: "Mozilla/5.0", escaped: `Mozilla"q\`}
	lines := []string{plain, escaped, plain, escaped, escaped, plain}
	var r record.Record
	for i, line := range lines {
		if err := p.Parse([]byte(line), &r); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		if got := string(r.Str[record.UserAgent]); got != want[line] {
			t.Errorf("Parse, line %d: user agent %q, want %q", i, got, want[line])
		}
	}
	for i, line := range lines {
		if err := p.ParseLenient([]byte(line), &r, &field.Notes{}); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		if got := string(r.Str[record.UserAgent]); got != want[line] {
			t.Errorf("ParseLenient, line %d: user agent %q, want %q", i, got, want[line])
		}
	}
}
