package ingest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/edgelog/edgelog/lab/engines/chtest"
)

// TestClaimsAtAssignment: a worker claims every partition it is assigned
// before inserting (a row of max_time_ms 0, an even stamp), and releases
// at once those with nothing to read (the stamp plus one); a partition
// with messages keeps its claim until its INSERTs' rows supersede it
// (query.Store.Watermark reads them).
func TestClaimsAtAssignment(t *testing.T) {
	b := chtest.Broker(t, 4, topic, "dlq")
	db := chtest.NewDB(t)
	p := produce(t, b.Addr(), 2, 1000, 0) // customers c0 and c1: two partitions at most
	ctx, cancel := context.WithCancel(context.Background())
	_, done := startWorker(t, ctx, b.Addr(), db, nil)
	waitRows(t, db, p.rows, time.Minute)
	cancel()
	<-done

	conn := chtest.Conn(t)
	rows, err := conn.Query(context.Background(), fmt.Sprintf(`SELECT src_partition,
  arraySort(groupArrayIf(rows, max_time_ms = 0)), countIf(max_time_ms > 0), minIf(inserted_at, max_time_ms = 0), minIf(inserted_at, max_time_ms > 0)
FROM %s.ingest_watermark GROUP BY src_partition ORDER BY src_partition`, db))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen, busy := 0, 0
	for rows.Next() {
		var part uint16
		var claims []uint64
		var inserts uint64
		var claimedAt, insertedAt time.Time
		if err := rows.Scan(&part, &claims, &inserts, &claimedAt, &insertedAt); err != nil {
			t.Fatal(err)
		}
		seen++
		if len(claims) == 0 || claims[0]%2 != 0 {
			t.Errorf("partition %d: claim rows %v, want a claim (an even stamp) first", part, claims)
			continue
		}
		switch {
		case inserts == 0 && (len(claims) != 2 || claims[1] != claims[0]+1):
			t.Errorf("partition %d had nothing to read: claim rows %v, want its claim and release (stamp+1)", part, claims)
		case inserts > 0 && len(claims) != 1:
			t.Errorf("partition %d had messages: claim rows %v, want its claim alone", part, claims)
		case inserts > 0 && insertedAt.Before(claimedAt):
			t.Errorf("partition %d: first INSERT at %s, before its claim at %s", part, insertedAt, claimedAt)
		}
		if inserts > 0 {
			busy++
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if seen != 4 || busy == 0 || busy == 4 {
		t.Errorf("%d partitions claimed, %d with INSERTs; want 4 claimed, some idle, some not", seen, busy)
	}
}
