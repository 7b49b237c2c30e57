package query_test

import (
	"context"
	"testing"
	"time"

	"github.com/edgelog/edgelog/lab/engines/chtest"
	"github.com/edgelog/edgelog/query/api"
)

// TestOverviewHostileFigures: the wall counts the edge servers ingest saw
// with a clock ahead in the hour before `at` and every Kafka offset lost to
// retention, each gap once though ingest may record it twice (a crash
// before its commit), and the requests partial INSERTs counted twice;
// customers get 0 for all (fleet figures).
func TestOverviewHostileFigures(t *testing.T) {
	db := chtest.NewDB(t)
	conn := chtest.Conn(t)
	at := time.Date(2026, 10, 2, 13, 37, 0, 0, time.UTC)
	ctx := context.Background()
	for _, s := range []struct {
		t      time.Time
		server string
	}{
		{at.Add(-30 * time.Minute), "edge-a"},
		{at.Add(-30 * time.Minute), "edge-b"},
		{at.Add(-10 * time.Minute), "edge-a"},
		{at.Add(-2 * time.Hour), "edge-c"},  // before the hour
		{at.Add(5 * time.Minute), "edge-d"}, // after at
	} {
		if err := conn.Exec(ctx, "INSERT INTO "+db+".clock_skew (t, server, rows, max_ahead_s) SELECT toDateTime(?), ?, 3, 10800", uint32(s.t.Unix()), s.server); err != nil {
			t.Fatal(err)
		}
	}
	for _, g := range [][3]uint64{{10, 15, 0}, {10, 15, 0}, {100, 103, 1}} {
		if err := conn.Exec(ctx, "INSERT INTO "+db+".offset_gaps (src_stream, src_partition, from_offset, to_offset, lost, detected_at) SELECT 'k/requests', ?, ?, ?, ?, now()",
			uint16(g[2]), g[0], g[1], g[1]-g[0]); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range [][2]uint64{{1200, 0}, {0, 500}} {
		if err := conn.Exec(ctx, "INSERT INTO "+db+".partial_inserts (src_stream, src_partition, min_offset, max_offset, raw_rows, feed_requests, detected_at) SELECT 'k/requests', 0, 7, 9, ?, ?, now()", p[0], p[1]); err != nil {
			t.Fatal(err)
		}
	}
	hs := newServer(t, db, nil)
	for _, tc := range []struct {
		token               string
		skewed, lost, twice uint64
	}{{tokEng, 2, 8, 1700}, {tokAcme, 0, 0, 0}} {
		var o api.Overview
		if code := get(t, hs, tc.token, "/api/v1/ops/overview?at="+at.Format(time.RFC3339), &o); code != 200 {
			t.Fatalf("overview: %d", code)
		}
		if o.ServersClockSkewed != tc.skewed || o.KafkaOffsetsLost != tc.lost || o.RequestsCountedTwice != tc.twice {
			t.Errorf("%s: %d servers skewed, %d offsets lost, %d requests counted twice; want %d, %d, %d", tc.token, o.ServersClockSkewed, o.KafkaOffsetsLost, o.RequestsCountedTwice, tc.skewed, tc.lost, tc.twice)
		}
	}
}
