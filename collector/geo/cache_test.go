package geo_test

import (
	"net/netip"
	"path/filepath"
	"testing"

	"github.com/edgelog/edgelog/collector/geo"
	"github.com/edgelog/edgelog/collector/geo/geotest"
)

// The cache must answer exactly as the databases do, also for networks
// narrower than its /24 and /48 keys (a /25 of one country next to an
// unknown /25; a /32 with its own ASN inside a /24), and must forget
// everything when handed another database (a reload).
func TestCacheAgreesWithDB(t *testing.T) {
	dir := t.TempDir()
	openDB := func(name string, countries map[string]string, asns map[string]uint32) *geo.DB {
		t.Helper()
		db, err := geo.Open(geotest.WriteCountry(t, filepath.Join(dir, name+"-country.mmdb"), countries),
			geotest.WriteASN(t, filepath.Join(dir, name+"-asn.mmdb"), asns))
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	db := openDB("a", map[string]string{"198.51.100.0/24": "DE", "203.0.113.0/25": "JP", "2001:db8::/32": "FR", "10.0.0.0/8": "US"},
		map[string]uint32{"198.51.100.0/24": 3320, "198.51.100.77/32": 64500, "2001:db8::/32": 12322, "10.0.0.0/8": 7018})
	reloaded := openDB("b", map[string]string{"198.51.100.0/24": "AT"}, map[string]uint32{"198.51.100.0/24": 8447})

	var c geo.Cache
	check := func(db *geo.DB, ip string) {
		t.Helper()
		a := netip.MustParseAddr(ip)
		for range 2 { // a miss, then (where cacheable) a hit
			country, asn := c.Lookup(db, a)
			if string(country) != string(db.Country(a)) || asn != db.ASN(a) {
				t.Fatalf("Lookup(%s) = %q %d, the databases say %q %d", ip, country, asn, db.Country(a), db.ASN(a))
			}
		}
	}
	for _, ip := range []string{"198.51.100.7", "198.51.100.77", "198.51.100.78", "198.51.100.77",
		"203.0.113.5", "203.0.113.200", "203.0.113.5", "10.1.2.3", "10.1.2.4", "10.200.0.1",
		"2001:db8::1", "2001:db8:0:1::1", "2001:db9::1", "192.0.2.1"} {
		check(db, ip)
	}
	check(reloaded, "198.51.100.7")
	check(reloaded, "10.1.2.3")
	if country, asn := c.Lookup(nil, netip.MustParseAddr("198.51.100.7")); country != nil || asn != 0 {
		t.Fatal("a nil DB must find nothing")
	}
}

func BenchmarkCacheLookup(b *testing.B) {
	dir := b.TempDir()
	country := geotest.WriteCountry(b, filepath.Join(dir, "country.mmdb"), map[string]string{"198.51.0.0/16": "DE"})
	asn := geotest.WriteASN(b, filepath.Join(dir, "asn.mmdb"), map[string]uint32{"198.51.0.0/16": 3320})
	db, err := geo.Open(country, asn)
	if err != nil {
		b.Fatal(err)
	}
	var c geo.Cache
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		c.Lookup(db, netip.AddrFrom4([4]byte{198, 51, byte(i), byte(i >> 8)}))
	}
}
