//go:build chdb

package conformance

import (
	"fmt"
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
	// raw + two ledgers (+mv) + each rollup (+mv) + bill snapshots + field
	// fallbacks + migrations + offset gaps and clock skew + the live counter and
	// ingest_watermark (+mv) + the rollup feed and its ledger (+mv) +
	// partial inserts + the feed's attempts (+mv)
	if want := 1 + 4 + 2*len(schema.Rollups) + 1 + 1 + 1 + 2 + 4 + 3 + 3; n != strconv.Itoa(want) {
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
	// Every view fired on the TSV insert (and the feed rows loadChDB
	// inserted after it): each rollup holds every request.
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

// TestSourceColumnsExpire checks the modern raw table's column TTL: a
// row's Kafka and collector source is blanked once it is older than
// schema.SourceKeepDays, and the rest of the row stays.
func TestSourceColumnsExpire(t *testing.T) {
	const edb = "expire"
	for _, s := range append([]string{"CREATE DATABASE IF NOT EXISTS " + edb}, schema.Migrations[0].SQL(edb, Modern)...) {
		if err := chExec(s); err != nil {
			t.Fatal(err)
		}
	}
	defer chExec("DROP DATABASE " + edb)
	// The same source on two requests: one a day past the window, one an
	// hour old.
	row := func(customer, age string) string {
		return fmt.Sprintf("SELECT now64(3) - %s, '%s', 'www.acme.example', 1000, 3, 77, 'edge-1:/var/log/access.log#1', 4096, 2", age, customer)
	}
	ins := fmt.Sprintf("INSERT INTO %s.requests (time, customer, host, bytes_sent, src_partition, src_offset, src_file, src_file_end, src_seq) %s UNION ALL %s",
		edb, row("old", fmt.Sprintf("toIntervalDay(%d)", schema.SourceKeepDays+1)), row("recent", "toIntervalHour(1)"))
	if err := chExec(ins); err != nil {
		t.Fatal(err)
	}
	if err := chExec("OPTIMIZE TABLE " + edb + ".requests FINAL"); err != nil {
		t.Fatal(err)
	}
	got, err := chQuery("SELECT customer, bytes_sent, src_partition, src_offset, src_file, src_file_end, src_seq FROM "+edb+".requests ORDER BY customer", "TSV")
	if err != nil {
		t.Fatal(err)
	}
	want := "old\t1000\t0\t0\t\t0\t0\nrecent\t1000\t3\t77\tedge-1:/var/log/access.log#1\t4096\t2\n"
	if string(got) != want {
		t.Fatalf("rows after merging:\n%s\nwant\n%s", got, want)
	}
}
