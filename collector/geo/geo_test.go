package geo_test

import (
	"net/netip"
	"path/filepath"
	"testing"

	"github.com/edgelog/edgelog/collector/geo"
	"github.com/edgelog/edgelog/collector/geo/geotest"
)

func TestLookup(t *testing.T) {
	dir := t.TempDir()
	country := geotest.WriteCountry(t, filepath.Join(dir, "country.mmdb"), map[string]string{
		"198.51.100.0/24": "DE", "203.0.113.0/25": "JP", "2001:db8::/32": "FR"})
	asn := geotest.WriteASN(t, filepath.Join(dir, "asn.mmdb"), map[string]uint32{
		"198.51.100.0/24": 3320, "2001:db8::/32": 12322})
	db, err := geo.Open(country, asn)
	if err != nil {
		t.Fatal(err)
	}
	f := func(ip, wantCountry string, wantASN uint32) {
		t.Helper()
		a := netip.MustParseAddr(ip)
		for range 2 { // the second lookup comes from the cache
			if got := string(db.Country(a)); got != wantCountry {
				t.Fatalf("Country(%s) = %q, want %q", ip, got, wantCountry)
			}
			if got := db.ASN(a); got != wantASN {
				t.Fatalf("ASN(%s) = %d, want %d", ip, got, wantASN)
			}
		}
	}
	f("198.51.100.7", "DE", 3320)
	f("198.51.100.250", "DE", 3320)
	f("203.0.113.5", "JP", 0)
	f("203.0.113.200", "", 0)
	f("2001:db8::1", "FR", 12322)
	f("192.0.2.1", "", 0)
	// IPv4 stored as IPv4-in-IPv6, as record.ClientAddr unmaps it.
	f(netip.AddrFrom16(netip.MustParseAddr("198.51.100.9").As16()).Unmap().String(), "DE", 3320)

	var none *geo.DB
	if none.Country(netip.MustParseAddr("198.51.100.7")) != nil || none.ASN(netip.MustParseAddr("198.51.100.7")) != 0 {
		t.Fatal("a nil DB must find nothing")
	}
	if _, err := geo.Open(filepath.Join(dir, "missing.mmdb"), ""); err == nil {
		t.Fatal("opening a missing database did not fail")
	}
}

func BenchmarkLookup(b *testing.B) {
	dir := b.TempDir()
	country := geotest.WriteCountry(b, filepath.Join(dir, "country.mmdb"), map[string]string{"198.51.100.0/24": "DE"})
	asn := geotest.WriteASN(b, filepath.Join(dir, "asn.mmdb"), map[string]uint32{"198.51.100.0/24": 3320})
	db, err := geo.Open(country, asn)
	if err != nil {
		b.Fatal(err)
	}
	ip := netip.MustParseAddr("198.51.100.7")
	b.ReportAllocs()
	for b.Loop() {
		db.Country(ip)
		db.ASN(ip)
	}
}
