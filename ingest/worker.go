package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/edgelog/edgelog/internal/chconn"
	"github.com/edgelog/edgelog/internal/deadletter"
	"github.com/edgelog/edgelog/internal/retrylog"
	"github.com/edgelog/edgelog/schema"
)

// Worker is one member of the ingest consumer group.
type Worker struct {
	cfg  Config
	log  *slog.Logger
	m    *metrics
	conn driver.Conn
	// insertConn is the combiners' own pool (combine.go): InsertConcurrency
	// connections, so every INSERT reuses a warm encode buffer.
	insertConn driver.Conn
	dialect    schema.Dialect
	dlq        deadletter.Sink
	dialer     *kafka.Dialer
	// transport reaches Kafka for metadata (the cluster id).
	transport *kafka.Transport
	// stream is "<cluster>/<topic>"; streams the src_stream values whose
	// ledger rows are this worker's (stream, and '' with
	// LedgerLegacyStream). See stream.go.
	streamMu sync.Mutex
	stream   string
	streams  []string

	// feed: the database has the rollup feed (feed.go); read at start and
	// at each partition assignment.
	feed atomic.Bool
	// claims: the database has the watermark table, where a partition's
	// owner claims it on assignment (claim.go), in claimTable (set before
	// any partition is consumed).
	claims     atomic.Bool
	claimTable string
	// afterRaw, when set (tests), runs between a batch's raw and feed
	// INSERTs; an error abandons the batch there, as a crash would.
	afterRaw atomic.Pointer[func() error]

	failingSince atomic.Int64     // unix nanos of the first failed insert in a row; 0 = healthy
	inserts      []chan insertReq // one a combiner (InsertConcurrency)
	behindUntil  atomic.Int64     // unix ns: extra INSERT streams take batches until then (combine.go)

	// waits is the adaptive batch wait, stages the per-stage timings
	// (wait.go).
	waits  *batchWaits
	stages *stageMetrics

	// kafkaWarn and chWarn rate-limit the warnings of the retry loops
	// while Kafka or ClickHouse is away.
	kafkaWarn, chWarn *retrylog.Warner
}

// New validates cfg and builds a worker. Metrics go to reg.
func New(cfg Config, reg prometheus.Registerer, log *slog.Logger) (*Worker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if !schema.ValidIdent(cfg.CH.Database) {
		return nil, fmt.Errorf("invalid database name %q", cfg.CH.Database)
	}
	dialer, err := cfg.Kafka.Dialer()
	if err != nil {
		return nil, err
	}
	transport, err := cfg.Kafka.Transport()
	if err != nil {
		return nil, err
	}
	stages := newStageMetrics(reg)
	return &Worker{
		waits:     newBatchWaits(cfg.BatchWaitMin, cfg.BatchWait, stages.wait),
		stages:    stages,
		cfg:       cfg,
		log:       log,
		kafkaWarn: &retrylog.Warner{Log: log, What: "Kafka"},
		chWarn:    &retrylog.Warner{Log: log, What: "ClickHouse"},
		m:         newMetrics(reg),
		dlq:       deadletter.NewKafkaSink(cfg.Kafka.Brokers, cfg.DeadLetterTopic, transport),
		dialer:    dialer,
		transport: transport,
	}, nil
}

// Healthy returns an error while inserts are failing.
func (w *Worker) Healthy() error {
	if since := w.failingSince.Load(); since != 0 {
		return fmt.Errorf("inserts failing since %s", time.Unix(0, since).UTC().Format(time.RFC3339))
	}
	if w.conn == nil {
		return errors.New("not connected to ClickHouse yet")
	}
	return nil
}

// Run consumes until ctx is cancelled. A cancelled ctx abandons in-flight
// batches (they are re-read by whoever owns the partition next), so
// shutdown never loses or duplicates rows.
func (w *Worker) Run(ctx context.Context) error {
	defer w.dlq.Close()
	if err := w.connect(ctx); err != nil {
		if ctx.Err() != nil {
			w.log.Info("stopped before ClickHouse was reachable: nothing consumed, nothing committed")
			return nil
		}
		return err
	}
	if err := w.checkSchema(ctx); err != nil {
		w.conn.Close()       // #nosec G104 -- giving up; a close error loses nothing
		w.insertConn.Close() // #nosec G104 -- giving up; a close error loses nothing
		return err
	}
	defer w.log.Info("stopped: every batch ClickHouse acknowledged has its offset committed; batches in flight were abandoned and are read again from the committed offsets by the partition's next owner (the ledgers skip what was inserted)")
	defer w.conn.Close()
	defer w.insertConn.Close()
	w.inserts = make([]chan insertReq, w.cfg.InsertConcurrency)
	for i := range w.inserts {
		w.inserts[i] = make(chan insertReq)
		go w.combine(ctx, w.inserts[i])
	}
	group, err := kafka.NewConsumerGroup(kafka.ConsumerGroupConfig{
		ID:                w.cfg.GroupID,
		Brokers:           w.cfg.Kafka.Brokers,
		Dialer:            w.dialer,
		Topics:            []string{w.cfg.Topic},
		StartOffset:       kafka.FirstOffset,
		HeartbeatInterval: time.Second,
		SessionTimeout:    10 * time.Second,
		RebalanceTimeout:  30 * time.Second,
		// kafka-go gives a JoinGroup Timeout+RebalanceTimeout to answer.
		// A coordinator may hold the answer for a whole RebalanceTimeout
		// while it waits for dead members; with the default 5s Timeout a
		// join could time out client-side just before the answer and
		// rejoin as a new member, leaving the first one registered. The
		// embedded broker (kfake) never expires such a member, so the
		// partitions it is given stay unread. A Timeout as long as the
		// rebalance keeps the client waiting for its answer.
		Timeout:          30 * time.Second,
		JoinGroupBackoff: time.Second,
		ErrorLogger:      kafka.LoggerFunc(func(f string, a ...any) { w.kafkaWarn.Fail("kafka: " + fmt.Sprintf(f, a...)) }),
	})
	if err != nil {
		return fmt.Errorf("cannot join consumer group: %w", err)
	}
	defer group.Close()
	for {
		gen, err := group.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			w.kafkaWarn.Fail("consumer group", "err", err)
			if !sleepCtx(ctx, time.Second) {
				return nil
			}
			continue
		}
		var parts []int
		for _, a := range gen.Assignments[w.cfg.Topic] {
			a := a
			parts = append(parts, a.ID)
			gen.Start(func(gctx context.Context) {
				w.consume(ctx, gctx, gen, a.ID, a.Offset)
			})
		}
		w.kafkaWarn.OK()
		w.log.Info("assigned partitions", "generation", gen.ID, "partitions", parts)
	}
}

// connect opens ClickHouse, waiting for it if it is not up yet.
func (w *Worker) connect(ctx context.Context) error {
	if err := w.retry(ctx, w.chWarn.Fail, "waiting for ClickHouse", func() error {
		conn, err := chconn.Open(ctx, w.cfg.CH)
		if err != nil {
			return err
		}
		d, err := schema.ServerDialect(ctx, conn)
		if err != nil {
			conn.Close() // #nosec G104 -- connection given up on; a close error loses nothing
			return err
		}
		// The combiners' INSERTs get a pool of their own, one connection
		// a combiner (combine.go says why).
		ic := w.cfg.CH
		ic.MaxOpenConns = w.cfg.InsertConcurrency
		insertConn, err := chconn.Open(ctx, ic)
		if err != nil {
			conn.Close() // #nosec G104 -- connection given up on; a close error loses nothing
			return err
		}
		w.conn, w.insertConn, w.dialect = conn, insertConn, d
		return nil
	}); err != nil {
		return ctx.Err()
	}
	w.chWarn.OK()
	return nil
}

// checkSchema refuses a schema newer than this ingest knows (a later
// migration may feed rollups in a way it does not: inserting raw rows only
// would silently starve them) and learns whether the feed is there.
func (w *Worker) checkSchema(ctx context.Context) error {
	v, err := schemaVersion(ctx, w.conn, w.cfg.CH.Database)
	if err != nil {
		return err
	}
	if known := schema.Migrations[len(schema.Migrations)-1].Version; v > known {
		return fmt.Errorf("cannot ingest into schema version %d: this ingest knows versions up to %d (upgrade ingest)", v, known)
	}
	feed, err := hasFeed(ctx, w.conn, w.cfg.CH.Database)
	if err != nil {
		return err
	}
	w.feed.Store(feed)
	if v >= claimsFrom {
		if w.claimTable, err = claimTableIn(ctx, w.conn, w.cfg.CH.Database); err != nil {
			return err
		}
		w.claims.Store(true)
	}
	w.log.Info("schema", "version", v, "rollup_feed", feed)
	return nil
}

// rawIsDistributed reports whether db's raw table is a Distributed table
// (cluster mode).
func rawIsDistributed(ctx context.Context, conn driver.Conn, db string) (bool, error) {
	var n uint64
	err := conn.QueryRow(ctx, "SELECT count() FROM system.tables WHERE database = ? AND name = ? AND engine = 'Distributed'", db, schema.RawTable).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("cannot read the raw table's engine: %w", err)
	}
	return n > 0, nil
}

// ledgerMax returns the highest Kafka offset of partition already in
// ClickHouse's raw table, or -1.
func (w *Worker) ledgerMax(ctx context.Context, partition int) (int64, error) {
	return w.ledgerMaxOf(ctx, schema.LedgerTable, partition)
}

// feedLedgerMax returns the highest Kafka offset of partition whose rows
// are in the rollup feed, or -1.
func (w *Worker) feedLedgerMax(ctx context.Context, partition int) (int64, error) {
	return w.ledgerMaxOf(ctx, schema.FeedLedgerTable, partition)
}

func (w *Worker) ledgerMaxOf(ctx context.Context, table string, partition int) (int64, error) {
	var n uint64
	var max uint64
	q := fmt.Sprintf("SELECT count(), max(max_offset) FROM %s.%s WHERE src_partition = ? AND src_stream IN (?, ?)", w.cfg.CH.Database, table)
	if err := w.conn.QueryRow(ctx, q, append([]any{uint16(partition)}, w.streamArgs()...)...).Scan(&n, &max); err != nil { // #nosec G115 -- Kafka partition ids are < 2^16 (the schema's src_partition is UInt16)
		return 0, fmt.Errorf("cannot read offsets ledger: %w", err)
	}
	if n == 0 {
		return -1, nil
	}
	return int64(max), nil
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
