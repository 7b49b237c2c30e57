// Package broker runs an embedded Kafka-protocol broker for local runs and
// tests. No Kafka package is installable on the project's machines, so the
// demo, the tests and CI use franz-go's kfake (the broker Grafana Mimir tests
// against). Everything else in edgelog talks to it over TCP with
// segmentio/kafka-go, exactly as it would to a real Kafka cluster; nothing
// outside this package knows it is not Kafka.
package broker

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Config configures the embedded broker.
type Config struct {
	// Port to listen on at 127.0.0.1; 0 picks a free port.
	Port int
	// Partitions is the partition count of topics created automatically or
	// seeded. Default 8.
	Partitions int
	// Topics are created at start.
	Topics []string
	// ClusterID is the cluster id the broker reports. Default "kfake".
	ClusterID string
	// DataDir persists the log and committed offsets across restarts; empty
	// keeps everything in memory.
	DataDir string
	// Logger receives the broker's own warnings; nil discards them.
	Logger *slog.Logger
}

// Broker is a running embedded broker.
type Broker struct {
	c *kfake.Cluster
}

// Start starts a broker.
func Start(cfg Config) (*Broker, error) {
	if cfg.Partitions <= 0 {
		cfg.Partitions = 8
	}
	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.Ports(cfg.Port),
		kfake.AllowAutoTopicCreation(),
		kfake.DefaultNumPartitions(cfg.Partitions),
	}
	if len(cfg.Topics) > 0 {
		opts = append(opts, kfake.SeedTopics(int32(cfg.Partitions), cfg.Topics...)) // #nosec G115 -- a partition count, small and positive
	}
	if cfg.ClusterID != "" {
		opts = append(opts, kfake.ClusterID(cfg.ClusterID))
	}
	if cfg.DataDir != "" {
		opts = append(opts, kfake.DataDir(cfg.DataDir))
	}
	if cfg.Logger != nil {
		opts = append(opts, kfake.WithLogger(slogAdapter{cfg.Logger}))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("cannot start embedded broker: %w", err)
	}
	return &Broker{c: c}, nil
}

// Addr returns the broker's bootstrap address, host:port.
func (b *Broker) Addr() string { return b.c.ListenAddrs()[0] }

// Close stops the broker (and persists its state when it has a data dir).
func (b *Broker) Close() { b.c.Close() }

type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Logf(level kfake.LogLevel, msg string, args ...any) {
	text := fmt.Sprintf(msg, args...)
	switch level {
	case kfake.LogLevelError:
		a.l.Error(text)
	case kfake.LogLevelWarn:
		a.l.Warn(text)
	case kfake.LogLevelInfo:
		a.l.Info(text)
	default:
		a.l.Debug(text)
	}
}

// DeleteRecords moves a partition's log start to before, deleting every
// earlier record, as Kafka's retention does when it deletes old segments
// (the Kafka DeleteRecords request, sent over the wire like any client's).
func (b *Broker) DeleteRecords(ctx context.Context, topic string, partition int32, before int64) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addr()))
	if err != nil {
		return fmt.Errorf("cannot delete records: %w", err)
	}
	defer cl.Close()
	req := kmsg.NewPtrDeleteRecordsRequest()
	rt := kmsg.NewDeleteRecordsRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewDeleteRecordsRequestTopicPartition()
	rp.Partition, rp.Offset = partition, before
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	req.TimeoutMillis = 10_000
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return fmt.Errorf("cannot delete records: %w", err)
	}
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
				return fmt.Errorf("cannot delete records of %s/%d: %w", t.Topic, p.Partition, err)
			}
		}
	}
	return nil
}
