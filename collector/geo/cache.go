package geo

import "net/netip"

// Cache answers repeated lookups of one goroutine without walking the
// databases: clients of an edge come from a few thousand networks, and a
// search-tree walk per database per line was a tenth of the collector's
// read loop. It is not safe for concurrent use; each read loop has its own.
//
// Entries are keyed by the client's /24 (IPv4) or /48 (IPv6) and kept only
// when both databases answer with a network at least that wide, so every
// address of the key's network has the same answer and a hit is exact. A
// key of a narrower network (a /32 in a database) is never cached.
type Cache struct {
	db        *DB
	ents      []cacheEnt // direct-mapped, cacheSize entries
	countries [][]byte   // distinct country codes seen, shared with db
}

// cacheSize entries of 16 bytes: 256 KiB, enough for the networks of a
// busy edge while staying in a core's L2 cache.
const cacheSize = 1 << 14

type cacheEnt struct {
	key     uint64 // the network, tagged by family; 0 = empty
	asn     uint32
	country uint16 // index into countries + 1; 0 = none
}

// Lookup returns ip's country and ASN from db (see Country and ASN). A
// different db than the previous call's (a reload) empties the cache.
func (c *Cache) Lookup(db *DB, ip netip.Addr) (country []byte, asn uint32) {
	if db != c.db || c.ents == nil {
		c.ents = make([]cacheEnt, cacheSize)
		c.countries = c.countries[:0]
		c.db = db
	}
	if db == nil {
		return nil, 0
	}
	key, keyBits := cacheKey(ip)
	e := &c.ents[(key*0x9E3779B97F4A7C15)>>(64-14)]
	if e.key == key {
		if e.country == 0 {
			return nil, e.asn
		}
		return c.countries[e.country-1], e.asn
	}
	cbits, abits := 0, 0
	if db.country != nil {
		country, cbits = db.countryBits(ip)
	}
	if db.asn != nil {
		asn, abits = db.asnBits(ip)
	}
	if cbits <= keyBits && abits <= keyBits {
		if ix, ok := c.countryIndex(country); ok {
			*e = cacheEnt{key: key, asn: asn, country: ix}
		}
	}
	return country, asn
}

// countryIndex interns code (ISO codes: a few hundred at most).
func (c *Cache) countryIndex(code []byte) (uint16, bool) {
	if len(code) == 0 {
		return 0, true
	}
	for i, have := range c.countries {
		if string(have) == string(code) {
			return uint16(i + 1), true
		}
	}
	if len(c.countries) == 1<<16-1 {
		return 0, false
	}
	c.countries = append(c.countries, code)
	return uint16(len(c.countries)), true // #nosec G115 -- len(c.countries) < 2^16-1, checked above
}

// cacheKey returns ip's network as a non-zero key, and that network's
// length in ip's own family (what Result.Prefix reports).
func cacheKey(ip netip.Addr) (key uint64, bits int) {
	if ip.Is4() {
		a := ip.As4()
		return 1<<63 | uint64(a[0])<<16 | uint64(a[1])<<8 | uint64(a[2]), 24
	}
	a := ip.As16()
	return 1<<62 | uint64(a[0])<<40 | uint64(a[1])<<32 | uint64(a[2])<<24 | uint64(a[3])<<16 | uint64(a[4])<<8 | uint64(a[5]), 48
}
