//go:build chdb

package conformance

import (
	"strconv"
	"strings"
	"testing"

	"github.com/edgelog/edgelog/schema"
)

// TestModernDDL checks that the modern statements (all run by loaded) made
// what the dialect promises: codecs, LowCardinality, DateTime64(3), TTL,
// and every table with its view.
func TestModernDDL(t *testing.T) {
	blk := loaded(t)
	n, err := chScalar("SELECT count() FROM system.tables WHERE database = '" + db + "'")
	if err != nil {
		t.Fatal(err)
	}
	// raw + two ledgers (+mv) + each rollup (+mv) + bill snapshots + migrations
	if want := 1 + 4 + 2*len(schema.Rollups) + 1 + 1; n != strconv.Itoa(want) {
		t.Fatalf("%s tables on chDB, want %d", n, want)
	}
	for _, c := range schema.RawColumns(Modern) {
		got, err := chScalar("SELECT type, compression_codec FROM system.columns WHERE database = '" + db + "' AND table = 'requests' AND name = '" + c.Name + "'")
		if err != nil {
			t.Fatal(err)
		}
		typ, codec, _ := strings.Cut(got, "\t")
		if typ != c.TypeFor(Modern) {
			t.Errorf("column %s: type %q, want %q", c.Name, typ, c.TypeFor(Modern))
		}
		if c.Codec != "" && !strings.HasPrefix(codec, "CODEC(") {
			t.Errorf("column %s: codec %q, want %s", c.Name, codec, c.Codec)
		}
	}
	ddl, err := chScalar("SELECT create_table_query FROM system.tables WHERE database = '" + db + "' AND name = 'requests'")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ddl, "TTL ") {
		t.Errorf("raw table has no TTL: %s", ddl)
	}
	// Every view fired on the TSV insert: each rollup holds every request.
	for _, r := range schema.Rollups {
		got, err := chScalar("SELECT sum(requests) FROM " + db + "." + r.Name)
		if err != nil {
			t.Fatal(err)
		}
		if got != strconv.Itoa(blk.Len()) {
			t.Errorf("%s: %s requests on chDB, want %d", r.Name, got, blk.Len())
		}
	}
}
