package fallbacks

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/segmentio/kafka-go"
)

func TestRoundTripSorted(t *testing.T) {
	in := []Count{{"line", "extra", 1}, {"client_ip", "address_list", 3}, {"referer", "missing", 0}}
	v := Encode("nginx", in)
	if string(v) != "nginx;client_ip/address_list=3;line/extra=1" {
		t.Fatalf("Encode = %q", v)
	}
	f, got, err := Decode(v, nil)
	if err != nil || f != "nginx" || fmt.Sprint(got) != "[{client_ip address_list 3} {line extra 1}]" {
		t.Fatalf("Decode = %q %v %v", f, got, err)
	}
	if Encode("nginx", nil) != nil || Encode("nginx", []Count{{"a", "b", 0}}) != nil {
		t.Fatal("no counts must give no header")
	}
	h := []kafka.Header{{Key: "src", Value: []byte("x")}, {Key: Header, Value: v}}
	if string(Of(h)) != string(v) || Of(h[:1]) != nil {
		t.Fatal("Of")
	}
}

// The bound: however many fields and reasons, a value stays within
// MaxHeaderBytes and MaxEntries, and the counts that did not fit are summed
// in the overflow entry, so the total is kept.
func TestBounded(t *testing.T) {
	for _, tc := range []struct{ n, nameLen int }{{63, 5}, {64, 5}, {65, 5}, {500, 5}, {40, 48}, {20, 48}} {
		var in []Count
		var total uint64
		for i := range tc.n {
			name := fmt.Sprintf("f%0*d", tc.nameLen-1, i)
			in = append(in, Count{name, "reason", uint64(1e12 + i)})
			total += uint64(1e12 + i)
		}
		v := Encode("jsonl", in)
		if len(v) > MaxHeaderBytes {
			t.Fatalf("%d entries of %d-byte names: %d bytes", tc.n, tc.nameLen, len(v))
		}
		_, got, err := Decode(v, nil)
		if err != nil {
			t.Fatalf("%d entries: %v", tc.n, err)
		}
		if len(got) > MaxEntries {
			t.Fatalf("%d entries decoded", len(got))
		}
		var sum uint64
		for _, c := range got {
			sum += c.Lines
		}
		if sum != total {
			t.Fatalf("%d entries: total %d, want %d", tc.n, sum, total)
		}
		overflow := got[len(got)-1].Field == OverflowField
		if fits := tc.n <= MaxEntries && tc.n*(tc.nameLen+len("/reason=1000000000000;")) < MaxHeaderBytes-10; fits == overflow {
			t.Fatalf("%d entries of %d-byte names: overflow %v (%q)", tc.n, tc.nameLen, overflow, v)
		}
	}
}

func TestDecodeRefuses(t *testing.T) {
	for _, v := range []string{
		"", "nginx", "NGINX;a/b=1", "nginx;a/b", "nginx;a=1", "nginx;a/b=0", "nginx;a/b=-1", "nginx;a/b=x",
		"nginx;a b/c=1", "nginx;a/b=1;", "nginx;" + strings.Repeat("x", 49) + "/b=1",
		"nginx" + strings.Repeat(";a/b=1", 65), "nginx;a/b=" + strings.Repeat("1", 1100),
		"nginx;a/b=99999999999999999999999",
	} {
		if _, got, err := Decode([]byte(v), nil); !errors.Is(err, ErrHeader) || len(got) != 0 {
			t.Errorf("Decode(%.40q) = %v, %v", v, got, err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte("nginx;client_ip/address_list=3;line/extra=1"))
	f.Add([]byte("w3c;*/overflow=7"))
	f.Fuzz(func(t *testing.T, v []byte) {
		format, got, err := Decode(v, nil)
		if err != nil {
			return
		}
		if len(got) > MaxEntries || len(got) == 0 {
			t.Fatalf("%d entries", len(got))
		}
		// What decodes encodes back within the bounds.
		if again := Encode(format, got); len(again) > MaxHeaderBytes {
			t.Fatalf("re-encoded to %d bytes", len(again))
		}
	})
}
