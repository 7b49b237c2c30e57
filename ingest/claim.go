package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/segmentio/kafka-go"

	"github.com/edgelog/edgelog/schema"
)

// Claims on the live counter's watermark.
//
// The watermark (query.Store.Watermark) is the least, over Kafka
// partitions, of the latest row time each partition's INSERTs landed, read
// from the ingest_watermark table. A partition absent from that table
// cannot hold it back: after an assignment, while one partition's owner is
// still reading its ledgers (several ClickHouse queries, seconds on a busy
// server) another may have inserted twice, and the watermark would call
// complete a second whose rows of the late partition are not in yet. CI
// saw that once: a second 16% short at a stack's start, its partitions
// assigned with a backlog.
//
// So a worker claims each partition it is assigned before it does
// anything else with it: a row with max_time_ms 0 (no real row time is 0:
// ingest dead-letters times before 1970, timecheck.go) and, in rows, a
// stamp: the assignment's time in Unix milliseconds times two. While a
// claim is a partition's newest claim-or-release row and the partition
// has no real row in the window, the watermark holds where it was. The
// partition's first INSERT ends the hold (its second makes it count like
// any other, the cold rule). A partition with nothing to read when its
// reader starts is released at once (stamp plus one), or an idle
// partition would hold the live counter for the watermark's window (a
// minute) after every rebalance. Stamps order claims and releases of
// successive assignments, whatever owner wrote them.
//
// Stated limit: a claimed partition whose messages are all in ClickHouse
// already (skipped by the ledger) and that then stays idle inserts
// nothing and holds the live counter until its claim leaves the window.

// claimsFrom is the schema version that created the watermark table.
const claimsFrom = 13

// claimTableIn is where claims go in db: the watermark table, or on a
// cluster its shard table on the server ingest is connected to (a
// Distributed table without a sharding key takes no INSERT over several
// shards; the query reads every shard's through the Distributed one).
func claimTableIn(ctx context.Context, conn driver.Conn, db string) (string, error) {
	dist, err := rawIsDistributed(ctx, conn, db)
	if err != nil {
		return "", err
	}
	if dist {
		return schema.ShardTable(schema.WatermarkTable), nil
	}
	return schema.WatermarkTable, nil
}

// claim writes partition's claim (release false) or release (true) for
// the assignment stamped stamp, retrying until it is written or gctx ends.
// It reports whether it was written.
func (w *Worker) claim(gctx context.Context, partition int, stamp int64, release bool) bool {
	if !w.claims.Load() {
		return true
	}
	v := uint64(stamp) * 2 // #nosec G115 -- a Unix time in ms, > 0
	if release {
		v++
	}
	q := fmt.Sprintf("INSERT INTO %s.%s (src_stream, src_partition, max_time_ms, rows)", w.cfg.CH.Database, w.claimTable)
	return w.retry(gctx, w.log.Warn, "cannot write the partition's watermark claim, retrying", func() error {
		return w.insertRow(gctx, q, w.streamName(), uint16(partition), uint64(0), v) // #nosec G115 -- Kafka partition ids are < 2^16 (src_partition is UInt16)
	}, "partition", partition, "release", release) == nil
}

// releaseIfIdle releases partition's claim when its reader, about to
// start, has nothing to read. A failed look leaves the claim: it holds the
// live counter at worst for the watermark's window.
func (w *Worker) releaseIfIdle(gctx context.Context, r *kafka.Reader, partition int, stamp int64) {
	if !w.claims.Load() {
		return
	}
	ctx, cancel := context.WithTimeout(gctx, 10*time.Second)
	lag, err := r.ReadLag(ctx)
	cancel()
	if err != nil {
		w.log.Warn("cannot read the partition's lag: its watermark claim stays until its first INSERT", "partition", partition, "err", err)
		return
	}
	if lag == 0 {
		w.claim(gctx, partition, stamp, true)
	}
}
