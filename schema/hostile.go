package schema

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Two small tables ingest writes directly (not through views), each held in
// full by every server of a cluster (engineEverywhere), so the server
// ingest is connected to takes the INSERT and any server answers for all
// of it.
const (
	// OffsetGapsTable records Kafka offsets ingest never read because the
	// partition's log start had moved past them (retention deleted them
	// while ingest was down longer than the retention): a loss that is
	// detected and counted, never a silent jump. One row per detection;
	// a gap detected again after a crash is the same (stream, partition,
	// from_offset), so readers group by those.
	OffsetGapsTable = "offset_gaps"
	// ClockSkewTable records, per edge server and minute, rows whose time
	// was ahead of the ingest worker's clock when it read them (see
	// ingest's SkewTolerance): the server's clock is skewed.
	ClockSkewTable = "clock_skew"
)

func createOffsetGaps(db string, d Dialect) string {
	return fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s.%s%s (
    src_stream String,
    src_partition UInt16,
    from_offset UInt64,
    to_offset UInt64,
    lost UInt64,
    detected_at DateTime
) ENGINE = %s
ORDER BY (src_stream, src_partition, from_offset)`, db, OffsetGapsTable, onCluster(d), engineEverywhere(d, db, OffsetGapsTable))
}

func createClockSkew(db string, d Dialect) string {
	return fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s.%s%s (
    t DateTime,
    server String,
    rows UInt64,
    max_ahead_s Int64
) ENGINE = %s
PARTITION BY toYYYYMM(t)
ORDER BY (t, server)`, db, ClockSkewTable, onCluster(d), engineEverywhere(d, db, ClockSkewTable))
}

// Gap is one range of Kafka offsets ingest never read (OffsetGapsTable).
type Gap struct {
	Stream     string
	Partition  uint16
	From, To   uint64 // [From, To)
	DetectedAt time.Time
}

func (g Gap) String() string {
	return fmt.Sprintf("%s partition %d offsets [%d, %d): %d messages lost to Kafka retention, detected %s",
		g.Stream, g.Partition, g.From, g.To, g.To-g.From, g.DetectedAt.UTC().Format(time.RFC3339))
}

// OffsetGaps returns every recorded range of lost Kafka offsets, each
// once (a gap detected again after a crash is one gap).
func OffsetGaps(ctx context.Context, conn driver.Conn, db string) ([]Gap, error) {
	if !ValidIdent(db) {
		return nil, fmt.Errorf("invalid database name %q", db)
	}
	rows, err := conn.Query(ctx, fmt.Sprintf(`SELECT src_stream, src_partition, from_offset, max(to_offset), min(detected_at)
FROM %s.%s
GROUP BY src_stream, src_partition, from_offset
ORDER BY src_stream, src_partition, from_offset`, db, OffsetGapsTable))
	if err != nil {
		return nil, fmt.Errorf("cannot read offset gaps: %w", err)
	}
	defer rows.Close()
	var gaps []Gap
	for rows.Next() {
		var g Gap
		if err := rows.Scan(&g.Stream, &g.Partition, &g.From, &g.To, &g.DetectedAt); err != nil {
			return nil, fmt.Errorf("cannot read offset gaps: %w", err)
		}
		gaps = append(gaps, g)
	}
	return gaps, rows.Err()
}
