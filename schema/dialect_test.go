package schema

import "testing"

func TestDialectFor(t *testing.T) {
	f := func(version string, modern, gcd, ooi bool) {
		t.Helper()
		d, err := DialectFor(version)
		if err != nil {
			t.Fatalf("DialectFor(%q): %v", version, err)
		}
		if d.Modern != modern || d.GCD != gcd || d.OptimizeOnInsert != ooi {
			t.Fatalf("DialectFor(%q) = %+v, want Modern %v GCD %v OptimizeOnInsert %v", version, d, modern, gcd, ooi)
		}
	}
	f("18.16.1", false, false, false)
	f("20.2.1.1", false, false, false)
	f("20.3.1.1", true, false, false)
	f("20.12.3.3", true, false, false)
	f("21.1.2.15", true, false, true)
	f("23.8.16.40", true, false, true)
	f("24.3.5.1", true, false, true)
	f("24.4.1.2088", true, true, true)
	f("26.5.1.1", true, true, true)
	for _, bad := range []string{"", "18", "x.1", "1.y.2"} {
		if _, err := DialectFor(bad); err == nil {
			t.Errorf("DialectFor(%q) succeeded, want an error", bad)
		}
	}
}
