// Package geo looks up a client's country and autonomous system in
// MaxMind-format databases (.mmdb: GeoLite2/GeoIP2 Country and ASN, or any
// database with the same fields, such as DB-IP's).
//
// A lookup walks the database's search tree without allocating; the record
// it lands on is decoded once and remembered by its offset, because a busy
// edge sees the same few thousand networks over and over.
package geo

import (
	"fmt"
	"net/netip"
	"os"
	"sync"

	"github.com/oschwald/maxminddb-golang/v2"
)

// DB is a pair of optional databases. It is safe for concurrent use.
type DB struct {
	country *maxminddb.Reader
	asn     *maxminddb.Reader

	mu        sync.RWMutex
	countries map[uintptr][]byte // record offset -> ISO code
	asns      map[uintptr]uint32 // record offset -> ASN
}

// maxCached bounds each cache; past it lookups still work, uncached.
const maxCached = 1 << 16

// Open loads the country and ASN databases; either path may be empty. The
// files are read into memory rather than mapped: a reload can then drop the
// old DB while other goroutines still hold it, and the GC frees it.
func Open(countryPath, asnPath string) (*DB, error) {
	d := &DB{countries: map[uintptr][]byte{}, asns: map[uintptr]uint32{}}
	var err error
	if d.country, err = open(countryPath); err != nil {
		return nil, err
	}
	if d.asn, err = open(asnPath); err != nil {
		return nil, err
	}
	return d, nil
}

func open(path string) (*maxminddb.Reader, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path) // #nosec G304 -- path from the operator's config
	if err != nil {
		return nil, fmt.Errorf("cannot read mmdb: %w", err)
	}
	r, err := maxminddb.OpenBytes(b)
	if err != nil {
		return nil, fmt.Errorf("cannot open mmdb %s: %w", path, err)
	}
	return r, nil
}

// Country returns the ISO 3166 alpha-2 code of ip's country (GeoIP2's
// country.iso_code, falling back to registered_country), or nil. The
// returned slice is shared: callers must not modify it.
func (d *DB) Country(ip netip.Addr) []byte {
	if d == nil || d.country == nil {
		return nil
	}
	code, _ := d.countryBits(ip)
	return code
}

// countryBits is Country that also returns the prefix length of the
// network the answer holds for.
func (d *DB) countryBits(ip netip.Addr) ([]byte, int) {
	res := d.country.Lookup(ip)
	if !res.Found() {
		return nil, res.Prefix().Bits()
	}
	code := d.countryOf(res)
	return code, res.Prefix().Bits()
}

func (d *DB) countryOf(res maxminddb.Result) []byte {
	off := res.Offset()
	d.mu.RLock()
	code, ok := d.countries[off]
	d.mu.RUnlock()
	if ok {
		return code
	}
	var rec struct {
		Country struct {
			ISOCode string `maxminddb:"iso_code"`
		} `maxminddb:"country"`
		Registered struct {
			ISOCode string `maxminddb:"iso_code"`
		} `maxminddb:"registered_country"`
	}
	if err := res.Decode(&rec); err != nil {
		return nil
	}
	iso := rec.Country.ISOCode
	if iso == "" {
		iso = rec.Registered.ISOCode
	}
	if len(iso) != 2 {
		iso = ""
	}
	code = []byte(iso)
	d.remember(func() {
		if len(d.countries) < maxCached {
			d.countries[off] = code
		}
	})
	return code
}

// ASN returns ip's autonomous system number (autonomous_system_number), or 0.
func (d *DB) ASN(ip netip.Addr) uint32 {
	if d == nil || d.asn == nil {
		return 0
	}
	asn, _ := d.asnBits(ip)
	return asn
}

// asnBits is ASN that also returns the prefix length of the network the
// answer holds for.
func (d *DB) asnBits(ip netip.Addr) (uint32, int) {
	res := d.asn.Lookup(ip)
	if !res.Found() {
		return 0, res.Prefix().Bits()
	}
	return d.asnOf(res), res.Prefix().Bits()
}

func (d *DB) asnOf(res maxminddb.Result) uint32 {
	off := res.Offset()
	d.mu.RLock()
	asn, ok := d.asns[off]
	d.mu.RUnlock()
	if ok {
		return asn
	}
	var rec struct {
		ASN uint32 `maxminddb:"autonomous_system_number"`
	}
	if err := res.Decode(&rec); err != nil {
		return 0
	}
	d.remember(func() {
		if len(d.asns) < maxCached {
			d.asns[off] = rec.ASN
		}
	})
	return rec.ASN
}

func (d *DB) remember(f func()) {
	d.mu.Lock()
	f()
	d.mu.Unlock()
}
