package wire

import (
	"testing"

	"github.com/segmentio/kafka-go"
)

func TestSourceHeadersRoundTrip(t *testing.T) {
	h := AppendSource(BatchHeaders("/var/log/nginx/access.log", 3), []byte("/var/log/nginx/access.log#1a-2b"), []byte("4096"), 2)
	src, end, seq := SourceOf(h)
	if src != "/var/log/nginx/access.log#1a-2b" || end != 4096 || seq != 2 {
		t.Fatalf("SourceOf = %q, %d, %d", src, end, seq)
	}
	// A message without a cut end is not a collector's file batch.
	if src, end, seq := SourceOf([]kafka.Header{{Key: HeaderSource, Value: []byte("x")}}); src != "" || end != 0 || seq != 0 {
		t.Fatalf("SourceOf without src_end = %q, %d, %d", src, end, seq)
	}
}
