package ingest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"
)

// A worker's stream names what it consumes, "<Kafka cluster id>/<topic>".
// Every row it inserts carries it (src_stream), and both ledgers are read
// back for it alone, so ingests of several topics, or of two Kafka
// clusters with the same topic name, can feed one database: the offsets
// and batches of one never make another skip a message (see schema's
// streams.go). The cluster id is the one Kafka reports (Config.KafkaCluster
// overrides it).

// resolveStream sets the worker's stream once, asking Kafka for its
// cluster id unless the configuration names the cluster. A partition calls
// it before it reads the ledgers (Kafka answered its group, so it is
// reachable); it waits, with rate-limited warnings, while Kafka does not
// answer, and returns an error only when ctx ends.
func (w *Worker) resolveStream(ctx context.Context) error {
	w.streamMu.Lock()
	defer w.streamMu.Unlock()
	if w.stream != "" {
		return nil
	}
	cluster := w.cfg.KafkaCluster
	if cluster == "" {
		if err := w.retry(ctx, w.kafkaWarn.Fail, "cannot learn the Kafka cluster id, retrying", func() error {
			c := &kafka.Client{Addr: kafka.TCP(w.cfg.Kafka.Brokers...), Transport: w.transport, Timeout: 10 * time.Second}
			res, err := c.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{w.cfg.Topic}})
			switch {
			case err != nil:
				return err
			case res.ClusterID == "":
				return errors.New("no cluster id in Kafka's metadata: name the cluster with --kafka-cluster")
			}
			cluster = res.ClusterID
			return nil
		}); err != nil {
			return fmt.Errorf("cannot learn the Kafka cluster id: %w", ctx.Err())
		}
	}
	w.stream = cluster + "/" + w.cfg.Topic
	w.streams = []string{w.stream}
	if w.cfg.LedgerLegacyStream == w.stream {
		w.streams = append(w.streams, "") // rows written before migration 9 are this stream's
	}
	w.log.Info("ledger stream", "stream", w.stream, "reads_legacy_rows", len(w.streams) > 1)
	return nil
}

// streamName is the worker's stream ("" before resolveStream).
func (w *Worker) streamName() string {
	w.streamMu.Lock()
	defer w.streamMu.Unlock()
	return w.stream
}

// streamArgs are the two bound values of a `src_stream IN (?, ?)` that
// selects the worker's ledger rows.
func (w *Worker) streamArgs() []any {
	w.streamMu.Lock()
	defer w.streamMu.Unlock()
	if len(w.streams) == 0 {
		panic("BUG: ledger read before the stream is known")
	}
	return []any{w.streams[0], w.streams[len(w.streams)-1]}
}
