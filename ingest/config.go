package ingest

import (
	"errors"
	"fmt"
	"time"

	"github.com/edgelog/edgelog/internal/chconn"
	"github.com/edgelog/edgelog/internal/kafkaconf"
	"github.com/edgelog/edgelog/internal/wire"
)

// Config configures an ingest worker. Zero values take the defaults named
// in each field's comment.
type Config struct {
	Kafka kafkaconf.Config
	CH    chconn.Config
	// Topic to consume. Default kafkaconf.DefaultTopic.
	Topic string
	// KafkaCluster names the Kafka cluster in the ledgers' stream
	// ("<cluster>/<topic>"). Default: the cluster id Kafka reports. Set it
	// for a cluster that reports none, or to keep the name when a cluster
	// is rebuilt with the same data.
	KafkaCluster string
	// LedgerLegacyStream is the stream ("<cluster>/<topic>", as the worker
	// logs it at start) that wrote the ledger rows from before schema
	// migration 9, which carry no stream; the worker of that stream reads
	// them as its own. Default none: see schema/streams.go.
	LedgerLegacyStream string
	// GroupID of the consumer group. Default "edgelog-ingest".
	GroupID string
	// DeadLetterTopic receives undecodable messages. Default
	// kafkaconf.DefaultDeadLetterTopic.
	DeadLetterTopic string
	// BatchRows flushes a partition's batch at this many rows. Default
	// 500,000. A partition holds at most two batches: one inserting, one
	// read ahead (readahead.go).
	BatchRows int
	// BatchBytes flushes at this many bytes of decoded rows. Default 128
	// MiB. Only a worker that is behind fills a batch (one that keeps up
	// sends its batches at their wait), and then the larger the batches,
	// the larger its INSERTs and the less ClickHouse pays a row: with 64
	// MiB and 200,000 rows a 20M-line `edgelog bench` (about 210 decoded
	// bytes a row) cut its batches at about 320k rows, and 128 MiB and
	// 500,000 made its INSERTs about 820k rows; ClickHouse 2.06 -> 1.78
	// CPU-s per million in alternated runs (one INSERT stream both), ingest
	// 0.45 -> 0.52 and its peak RSS 2.05 -> 2.89 GB (README, "Latest").
	BatchBytes int
	// BatchWait is the longest a non-empty batch is held after its first
	// row; BatchWaitMin the shortest. The wait in between adapts to load:
	// the last INSERT's duration (wait.go). Defaults 1s and 1s (a fixed
	// wait: see wait.go for what 200ms costs); both at most MaxBatchWait,
	// BatchWaitMin at most BatchWait.
	BatchWait    time.Duration
	BatchWaitMin time.Duration
	// MaxDecodedBytes bounds what one Kafka message may decode to
	// (payload and rows); a larger one is dead-lettered as too_large.
	// Default wire.DefaultMaxDecodedBytes (128 MiB).
	MaxDecodedBytes int
	// MaxInsertRows caps an INSERT merged from several partitions' waiting
	// batches (see combine.go). Default 1,000,000.
	MaxInsertRows int
	// InsertConcurrency is how many INSERTs may run at once. Default 1:
	// one stream, during which the partitions' batches fill (read-ahead)
	// and go together into the next INSERT, so a worker that is behind
	// sends fewer and larger blocks. 2 or more adds streams only while
	// ingest is behind, so that ClickHouse 18.16, which runs an INSERT
	// and its views on one thread, uses more than one core to catch up
	// (combine.go, behindHold); that was the default until 2026-12-07,
	// when one stream drained as fast and cost the server less (combine.go
	// says what was measured). A partition has at most one batch in
	// flight, so its rows land in order either way. (Two streams at all
	// times, measured in 2026-11 on a 3M-line bench: twice the parts for
	// the same rows, end-to-end rate the same within noise.)
	InsertConcurrency int
	// InsertTimeout bounds one INSERT attempt. Default 20s (below the
	// group's 30s rebalance timeout).
	InsertTimeout time.Duration
	// RetryMax is the longest backoff between insert attempts. Default 10s.
	RetryMax time.Duration
	// InsertQuorum, when 2 or more, makes an INSERT (and so a committed
	// offset) wait until that many replicas of each shard have the rows
	// (ClickHouse's insert_quorum, replicated tables only). Default 0:
	// one replica. See quorum.go for its limits on 18.16.
	InsertQuorum int
}

func (c *Config) setDefaults() {
	if c.Topic == "" {
		c.Topic = kafkaconf.DefaultTopic
	}
	if c.GroupID == "" {
		c.GroupID = "edgelog-ingest"
	}
	if c.DeadLetterTopic == "" {
		c.DeadLetterTopic = kafkaconf.DefaultDeadLetterTopic
	}
	if c.BatchRows == 0 {
		c.BatchRows = 500_000
	}
	if c.BatchBytes == 0 {
		c.BatchBytes = 128 << 20
	}
	if c.InsertConcurrency == 0 {
		c.InsertConcurrency = 1
	}
	if c.MaxInsertRows == 0 {
		c.MaxInsertRows = 1_000_000
	}
	if c.BatchWait == 0 {
		c.BatchWait = DefaultBatchWait
	}
	if c.BatchWaitMin == 0 {
		c.BatchWaitMin = min(DefaultBatchWaitMin, c.BatchWait)
	}
	if c.MaxDecodedBytes == 0 {
		c.MaxDecodedBytes = wire.DefaultMaxDecodedBytes
	}
	if c.InsertTimeout == 0 {
		c.InsertTimeout = 20 * time.Second
	}
	if c.RetryMax == 0 {
		c.RetryMax = 10 * time.Second
	}
	if c.CH.Database == "" {
		c.CH.Database = "edgelog"
	}
}

// Validate checks the configuration after defaults.
func (c *Config) Validate() error {
	c.setDefaults()
	if err := c.Kafka.Validate(); err != nil {
		return err
	}
	if c.BatchRows < 1 || c.BatchRows > 4_000_000 {
		return errors.New("batch rows must be between 1 and 4,000,000")
	}
	if c.BatchWait < 0 || c.BatchWait > MaxBatchWait || c.BatchWaitMin < 0 || c.BatchWaitMin > c.BatchWait {
		return fmt.Errorf("batch waits: need 0 < batch_wait_min (%s) <= batch_wait (%s) <= %s", c.BatchWaitMin, c.BatchWait, MaxBatchWait)
	}
	return nil
}
