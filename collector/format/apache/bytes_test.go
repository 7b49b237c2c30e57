package apache

import (
	"testing"

	"github.com/edgelog/edgelog/internal/record"
)

// %O is every byte sent, headers included: kept apart from %b, and the
// body bytes too when the format has no %b or %B.
func TestBytesTotal(t *testing.T) {
	for _, c := range []struct {
		format, line string
		body, total  uint64
	}{
		{`%t %>s %b %O`, `[04/Mar/2026:08:00:00 +0000] 200 921 1203`, 921, 1203},
		{`%t %>s %O`, `[04/Mar/2026:08:00:00 +0000] 200 1203`, 1203, 1203},
		{`%t %>s %b`, `[04/Mar/2026:08:00:00 +0000] 200 921`, 921, 0},
	} {
		var r record.Record
		if err := MustCompile(c.format).Parse([]byte(c.line), &r); err != nil {
			t.Fatalf("%q: %v", c.line, err)
		}
		if r.BytesSent != c.body || r.BytesTotal != c.total {
			t.Errorf("%q: body %d total %d, want %d %d", c.format, r.BytesSent, r.BytesTotal, c.body, c.total)
		}
	}
}
