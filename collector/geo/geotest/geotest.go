// Package geotest writes small MaxMind-format databases for tests, with
// MaxMind's own writer (github.com/maxmind/mmdbwriter), so the collector is
// tested against real .mmdb files in the layout of GeoLite2 Country and ASN.
package geotest

import (
	"net"
	"os"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// WriteCountry writes a GeoLite2-Country-shaped database mapping each CIDR
// to an ISO country code, and returns its path.
func WriteCountry(t testing.TB, path string, networks map[string]string) string {
	t.Helper()
	return write(t, path, "GeoLite2-Country", networks, func(iso string) mmdbtype.DataType {
		return mmdbtype.Map{"country": mmdbtype.Map{"iso_code": mmdbtype.String(iso), "names": mmdbtype.Map{"en": mmdbtype.String(iso)}}}
	})
}

// WriteASN writes a GeoLite2-ASN-shaped database mapping each CIDR to an
// AS number, and returns its path.
func WriteASN(t testing.TB, path string, networks map[string]uint32) string {
	t.Helper()
	return write(t, path, "GeoLite2-ASN", networks, func(asn uint32) mmdbtype.DataType {
		return mmdbtype.Map{"autonomous_system_number": mmdbtype.Uint32(asn), "autonomous_system_organization": mmdbtype.String("AS test")}
	})
}

func write[V any](t testing.TB, path, dbType string, networks map[string]V, value func(V) mmdbtype.DataType) string {
	t.Helper()
	// Test networks are documentation ranges (RFC 5737), which MaxMind's
	// writer refuses unless reserved networks are allowed.
	tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: dbType, IncludeReservedNetworks: true, RecordSize: 24})
	if err != nil {
		t.Fatal(err)
	}
	for cidr, v := range networks {
		_, n, err := net.ParseCIDR(cidr)
		if err != nil {
			t.Fatal(err)
		}
		if err := tree.Insert(n, value(v)); err != nil {
			t.Fatalf("insert %s: %v", cidr, err)
		}
	}
	f, err := os.Create(path) // #nosec G304 -- test helper: a path in the test's temporary directory
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tree.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}
