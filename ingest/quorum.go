package ingest

import (
	"maps"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// Insert quorum (Config.InsertQuorum, `ingest --insert-quorum N`). On a
// replicated cluster an acknowledged INSERT (insert_distributed_sync)
// means one replica of every shard has the rows; the shard's other
// replicas copy them later, and a committed offset whose only replica then
// loses its disk loses rows. With a quorum of N, ClickHouse acknowledges
// only once N replicas of each shard have written the block
// (ReplicatedMergeTree's insert_quorum; 18.16 has it), so a committed
// offset means N copies. With fewer than N replicas alive the INSERT fails
// before writing anything ("Number of alive replicas ... is less than
// requested quorum"): the worker retries, holds the offset and reports
// unhealthy until the replica is back (lab/clustertest TestQuorumHolds
// Offsets: one of two replicas stopped mid-run, exact on both after its
// restart).
//
// Limits, why it is off by default:
//   - 18.16 allows one unsatisfied quorum INSERT per table at a time:
//     several ingest processes writing one shard fail each other's
//     INSERTs ("Quorum for previous write has not been satisfied yet")
//     and only retry their way through; use one ingest process per
//     shard's writes, and InsertConcurrency 1 (the default).
//   - A replica that dies *during* a quorum INSERT (after the receiving
//     replica wrote the raw block, before the other fetched it) makes the
//     INSERT time out (insert_quorum_timeout, set to InsertTimeout).
//     18.16 writes the views after the quorum wait, so that block's
//     rollup rows are then missing, and a re-send cannot add them: the
//     raw block is a duplicate and its views are skipped with it (the
//     reason workerInsertSettings had no quorum). `schema verify` shows
//     such a difference. Stopping a replica between INSERTs (a restart, a
//     crash noticed by ZooKeeper) is the tested case and loses nothing.

// quorumSettings returns the worker's INSERT settings with a quorum of n
// replicas (n < 2: the settings unchanged).
func quorumSettings(base clickhouse.Settings, n int, timeout time.Duration) clickhouse.Settings {
	if n < 2 {
		return base
	}
	s := maps.Clone(base)
	s["insert_quorum"] = n
	s["insert_quorum_timeout"] = int(timeout.Milliseconds()) // clickhouse-go takes int, not int64, settings
	return s
}
