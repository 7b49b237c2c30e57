package w3c

import (
	"testing"

	"github.com/edgelog/edgelog/internal/record"
)

// sc-bytes is every byte sent, headers included; with no body field in
// W3C logs it is the body bytes too.
func TestBytesTotal(t *testing.T) {
	p, err := New("date", "time", "sc-status", "sc-bytes")
	if err != nil {
		t.Fatal(err)
	}
	var r record.Record
	if err := p.Parse([]byte("2026-03-04\t08:00:00\t200\t1203"), &r); err != nil {
		t.Fatal(err)
	}
	if r.BytesSent != 1203 || r.BytesTotal != 1203 {
		t.Errorf("body %d total %d, want 1203 1203", r.BytesSent, r.BytesTotal)
	}
}
