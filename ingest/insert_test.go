package ingest

import (
	"testing"
	"time"

	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/schema"
)

// TestEveryRawColumnHasASource checks, without a server, that the insert
// loop finds data of the right length for every raw column in both
// dialects: a field added to the schema but not to the record's column list
// (or the batch's provenance) fails here rather than at the first insert.
func TestEveryRawColumnHasASource(t *testing.T) {
	b := &batch{partition: 3}
	b.reset()
	var r record.Record
	r.Str[record.Customer] = []byte("c")
	for i := range 5 {
		r.TimeMs = int64(1_700_000_000_123 + i)
		b.block.Append(&r)
		b.srcOffset = append(b.srcOffset, uint64(i))
		b.srcFile = append(b.srcFile, "f")
		b.srcEnd = append(b.srcEnd, 9)
		b.srcSeq = append(b.srcSeq, 0)
	}
	b.first = 0
	for _, d := range []schema.Dialect{{}, {Modern: true}} {
		ins := newInserter(nil, "db", d)
		ins.sources(b)
		for _, c := range ins.cols {
			v, ok := ins.data[c.Name]
			if !ok {
				t.Errorf("modern=%v: raw column %s has no source", d.Modern, c.Name)
				continue
			}
			if n := rowsOf(t, ins.forDriver(c.Name, v)); n != 5 {
				t.Errorf("modern=%v: column %s has %d rows, want 5", d.Modern, c.Name, n)
			}
		}
		if !d.Modern {
			if got := ins.data["time_ms"].([]uint16)[0]; got != 123 {
				t.Errorf("time_ms = %d, want 123", got)
			}
			if got := ins.forDriver("time", ins.data["time"]).([]int64)[0]; got != 1_700_000_000 {
				t.Errorf("time = %d, want 1700000000", got)
			}
		}
	}
}

func rowsOf(t *testing.T, v any) int {
	switch v := v.(type) {
	case []int64:
		return len(v)
	case [][16]byte:
		return len(v)
	case [][]byte:
		return len(v)
	case []uint16:
		return len(v)
	case []uint32:
		return len(v)
	case []uint64:
		return len(v)
	case []string:
		return len(v)
	}
	t.Fatalf("driver data of type %T", v)
	return 0
}

// TestWorkerSettingsTurnOffOptimizeOnInsert checks that the worker's
// INSERTs carry optimize_on_insert = 0 and max_partitions_per_insert_block
// = 0 only to servers that have the setting (18.16 and early modern
// servers refuse an unknown one), with the quorum on top and the shared
// base settings untouched.
func TestWorkerSettingsTurnOffOptimizeOnInsert(t *testing.T) {
	for _, c := range []struct {
		version string
		ooi     bool
	}{{"18.16.1", false}, {"20.8.3.18", false}, {"21.1.2.15", true}, {"26.5.1.1", true}} {
		d, err := schema.DialectFor(c.version)
		if err != nil {
			t.Fatal(err)
		}
		s := workerSettings(d, 2, time.Second)
		v, ok := s["optimize_on_insert"]
		if ok != c.ooi || (ok && v != 0) {
			t.Errorf("%s: optimize_on_insert %v (set %v), want set %v to 0", c.version, v, ok, c.ooi)
		}
		if v, ok := s["max_partitions_per_insert_block"]; ok != d.Modern || (ok && v != 0) {
			t.Errorf("%s: max_partitions_per_insert_block %v (set %v), want set %v to 0", c.version, v, ok, d.Modern)
		}
		if s["insert_quorum"] != 2 || s["insert_distributed_sync"] != 1 {
			t.Errorf("%s: settings %v lack the quorum or the base settings", c.version, s)
		}
	}
	for _, k := range []string{"optimize_on_insert", "max_partitions_per_insert_block"} {
		if _, ok := workerInsertSettings[k]; ok {
			t.Errorf("workerSettings set %s in the shared base settings", k)
		}
	}
}
