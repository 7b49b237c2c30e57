package field

import "testing"

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
