package field

import (
	"net/netip"
	"testing"

	"github.com/edgelog/edgelog/internal/record"
)

// TestDecimalOverflow checks that a seconds value too large for uint64
// microseconds is refused rather than wrapped around to a plausible time.
func TestDecimalOverflow(t *testing.T) {
	for _, v := range []string{"18446744073709.999", "99999999999999999999"} {
		if ms, err := UnixMillis([]byte(v)); err == nil {
			t.Errorf("UnixMillis(%s) = %d, want an error", v, ms)
		}
	}
	if ms, err := UnixMillis([]byte("18446744073708.5")); err != nil || ms != 18446744073708500 {
		t.Errorf("UnixMillis(18446744073708.5) = %d, %v", ms, err)
	}
	if us, err := SecondsToMicros([]byte("0.010, 0.020")); err != nil || us != 30000 {
		t.Errorf("SecondsToMicros = %d, %v", us, err)
	}
}

// ParseIP agrees with net/netip on every input: its IPv4 fast path must
// accept exactly what netip accepts.
func FuzzParseIP(f *testing.F) {
	for _, s := range []string{"", "-", "1.2.3.4", "255.255.255.255", "256.1.1.1", "01.2.3.4", "0.0.0.0", "1.2.3",
		"1.2.3.4.5", "1.2.3.4567", "1..2.3", "1.2.3.", ".1.2.3", "1.2.3.04", "2001:db8::1", "::ffff:1.2.3.4", "fe80::1%eth0", "1.2.3.4 "} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := ParseIP(b)
		if len(b) == 0 || string(b) == "-" {
			if err != nil || got != ([16]byte{}) {
				t.Fatalf("ParseIP(%q) = %v, %v; want unknown", b, got, err)
			}
			return
		}
		want, werr := netip.ParseAddr(string(b))
		if (err == nil) != (werr == nil) {
			t.Fatalf("ParseIP(%q) error %v, netip %v", b, err, werr)
		}
		if err == nil && got != want.As16() {
			t.Fatalf("ParseIP(%q) = %v, netip %v", b, got, want.As16())
		}
	})
}

func TestUintLimits(t *testing.T) {
	for s, want := range map[string]uint64{"18446744073709551615": 1<<64 - 1, "10000000000000000000": 1e19, "9999999999999999999": 9999999999999999999, "-": 0, "0": 0} {
		if got, err := Uint([]byte(s)); err != nil || got != want {
			t.Errorf("Uint(%s) = %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"18446744073709551616", "20000000000000000000", "99999999999999999999", "09999999999999999999", "123456789012345678901", "1e3"} {
		if got, err := Uint([]byte(s)); err == nil {
			t.Errorf("Uint(%s) = %d, want an error", s, got)
		}
	}
}

// TestUnixTimesDoNotWrap: a Unix time too large for the record saturates
// to a time record.ValidTime refuses; multiplied as it was, 2^64/1000+1700000000
// seconds wrapped around to a plausible 2023 time.
func TestUnixTimesDoNotWrap(t *testing.T) {
	wrapped := uint64(1<<64/1000) + 1_700_000_000
	if ms := SecondsToMillis(wrapped); record.ValidTime(ms) {
		t.Fatalf("%d seconds became %d ms, a valid time", wrapped, ms)
	}
	if ms := Int64(1 << 63); record.ValidTime(ms) {
		t.Fatalf("2^63 ms became %d, a valid time", ms)
	}
	if SecondsToMillis(1_700_000_000) != 1_700_000_000_000 || Int64(5) != 5 {
		t.Fatal("ordinary values changed")
	}
}
