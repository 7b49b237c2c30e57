//go:build chdb

package conformance

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/edgelog/edgelog/lab/gen"
	"github.com/edgelog/edgelog/lab/traffic"
	"github.com/edgelog/edgelog/schema"
)

// TestPlainKeysMigration runs migration 19 on modern ClickHouse over
// rollups that hold rows: their LowCardinality keys become String, every
// row and state stays as it was, the raw table keeps LowCardinality, and
// the views and the feed go on filling the altered tables.
func TestPlainKeysMigration(t *testing.T) {
	const pdb = "plainkeys"
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	migrate := func(keep func(v int) bool) {
		t.Helper()
		for _, m := range schema.Migrations {
			if keep(m.Version) {
				for _, s := range m.SQL(pdb, Modern) {
					if err := chExec(s); err != nil {
						t.Fatalf("migration %d: %v\n%s", m.Version, err, s)
					}
				}
			}
		}
	}
	must(chExec("CREATE DATABASE IF NOT EXISTS " + pdb))
	defer chExec("DROP DATABASE " + pdb)
	migrate(func(v int) bool { return v < schema.PlainKeysMigration })

	dir := t.TempDir()
	// Two loads of the same size, a day apart, each with its feed rows.
	o := gen.Options{Lines: 20_000, Seed: 3, Start: gen.DefaultStart, Duration: 6 * time.Hour, Customers: 4}
	load := func(o gen.Options) int {
		t.Helper()
		blk, err := traffic.All(o)
		must(err)
		must(insertTSV(dir, pdb, schema.RawTable, blk))
		day := o.Start.Format("2006-01-02")
		must(chExec(schema.FeedFromRaw(pdb, Modern, "toDate(time) = '"+day+"'")))
		return blk.Len()
	}
	rows := load(o)

	tables := append(slices.Clone(schema.Rollups), schema.LiveAt(schema.PlainKeysMigration))
	keyTypes := func() map[string]string {
		t.Helper()
		// Tables only: a view's columns are its SELECT's as it was
		// created, whatever the tables it reads and writes are now.
		got, err := chQuery(fmt.Sprintf(`SELECT table, name, type FROM system.columns
WHERE database = '%s' AND type LIKE '%%String%%'
  AND table IN (SELECT name FROM system.tables WHERE database = '%s' AND engine != 'MaterializedView')
ORDER BY table, name`, pdb, pdb), "TSV")
		must(err)
		m := map[string]string{}
		for _, l := range strings.Split(strings.TrimSpace(string(got)), "\n") {
			f := strings.Split(l, "\t")
			m[f[0]+"."+f[1]] = f[2]
		}
		return m
	}
	// snapshot is every row of every rollup, merged to one row a key, as
	// TSV (states as their bytes).
	snapshot := func() map[string]string {
		t.Helper()
		m := map[string]string{}
		for _, r := range tables {
			must(chExec(fmt.Sprintf("OPTIMIZE TABLE %s.%s FINAL", pdb, r.Name)))
			var keys []string
			for _, f := range r.Dims {
				keys = append(keys, f.Name)
			}
			got, err := chQuery(fmt.Sprintf("SELECT * FROM %s.%s ORDER BY %s", pdb, r.Name, strings.Join(keys, ", ")), "TSV")
			must(err)
			m[r.Name] = string(got)
		}
		return m
	}
	before, beforeTypes := snapshot(), keyTypes()
	for name, got := range before {
		if got == "" {
			t.Fatalf("%s holds no rows before migration 19", name)
		}
	}
	lowCard := 0
	for col, typ := range beforeTypes {
		if typ == "LowCardinality(String)" && !strings.HasPrefix(col, schema.RawTable+".") {
			lowCard++
		}
	}
	if lowCard == 0 {
		t.Fatal("no LowCardinality key before migration 19: nothing to test")
	}

	migrate(func(v int) bool { return v == schema.PlainKeysMigration })
	after := keyTypes()
	for col, typ := range after {
		table, _, _ := strings.Cut(col, ".")
		switch {
		case table == schema.RawTable:
			if typ != beforeTypes[col] {
				t.Errorf("raw column %s: %s, was %s", col, typ, beforeTypes[col])
			}
		case strings.Contains(typ, "LowCardinality"):
			t.Errorf("%s is still %s after migration 19", col, typ)
		}
	}
	rowsAfter := snapshot()
	for name, rowsBefore := range before {
		if got := rowsAfter[name]; got != rowsBefore {
			t.Errorf("%s changed under migration 19:\n%.400s\nwas\n%.400s", name, got, rowsBefore)
		}
	}
	// Run again: nothing changes, nothing fails.
	migrate(func(v int) bool { return v == schema.PlainKeysMigration })

	// The views and the feed fill the altered tables.
	o.Start = o.Start.Add(24 * time.Hour)
	rows += load(o)
	for _, r := range tables {
		if !r.Complete() {
			continue
		}
		got, err := chScalar(fmt.Sprintf("SELECT sum(requests) FROM %s.%s", pdb, r.Name))
		must(err)
		if got != strconv.Itoa(rows) {
			t.Errorf("%s: %s requests after migration 19, want %d", r.Name, got, rows)
		}
	}
	if t.Failed() {
		fmt.Fprintln(os.Stderr, "plain keys: column types after migration 19:", after)
	}
}
