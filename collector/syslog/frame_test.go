package syslog

import (
	"bufio"
	"bytes"
	"testing"
)

// FuzzFramer: whatever the stream, both framings end, and no frame is
// longer than the limit.
func FuzzFramer(f *testing.F) {
	f.Fuzz(func(t *testing.T, stream []byte, octet bool) {
		const max = 64
		fr := &framer{r: bufio.NewReaderSize(bytes.NewReader(stream), 16), max: max, octet: octet}
		for i := 0; i <= len(stream); i++ {
			frame, _, err := fr.next()
			if err != nil {
				return
			}
			if len(frame) > max {
				t.Fatalf("a %d-byte frame; the limit is %d", len(frame), max)
			}
		}
		t.Fatalf("more frames than bytes in %q", stream)
	})
}
