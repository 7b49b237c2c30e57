package main

import (
	"context"
	"flag"

	"github.com/edgelog/edgelog/ingest"
)

func init() {
	register("ingest", "consume Kafka batches and insert them into ClickHouse", runIngest)
}

func runIngest(ctx context.Context, args []string) error {
	// Ingest's heap is mostly the partitions' batches, pointer-free column
	// arenas of tens of MiB that a collection barely scans (setGCPercent).
	setGCPercent(50)
	fs := newFlags("ingest", "[flags]", `Joins the ingest consumer group, decodes batches, inserts them into ClickHouse
with native batches and commits each Kafka offset only after ClickHouse
acknowledged the rows. Run several for more throughput (one per partition at most).`)
	var cfg ingest.Config
	cfg.Kafka.RegisterFlags(fs)
	cfg.CH.RegisterFlags(fs)
	fs.StringVar(&cfg.Topic, "topic", "", "Kafka topic (default edgelog-requests)")
	fs.StringVar(&cfg.GroupID, "group", "", "consumer group (default edgelog-ingest)")
	fs.StringVar(&cfg.DeadLetterTopic, "dead-letter-topic", "", "topic for undecodable messages (default edgelog-deadletter)")
	fs.IntVar(&cfg.BatchRows, "batch-rows", 0, "rows per partition batch (default 500000)")
	fs.DurationVar(&cfg.BatchWait, "batch-wait", 0, "insert a partial batch at most this long after its first row (default 1s; at most 1m)")
	fs.DurationVar(&cfg.BatchWaitMin, "batch-wait-min", 0, "insert a partial batch at least this long after its first row; the wait in between is the last INSERT's duration (default 1s, and at most --batch-wait: equal, a fixed wait; lower is fresher and costs ClickHouse more INSERTs)")
	fs.IntVar(&cfg.BatchBytes, "batch-bytes", 0, "decoded bytes per partition batch (default 128 MiB)")
	fs.IntVar(&cfg.MaxInsertRows, "max-insert-rows", 0, "rows of one INSERT merged from several partitions' batches (default 1,000,000)")
	fs.IntVar(&cfg.InsertConcurrency, "insert-concurrency", 0, "INSERTs running at once: more than one only while ingest is behind (default 1: the partitions' batches that wait go together into larger INSERTs)")
	fs.IntVar(&cfg.MaxDecodedBytes, "max-decoded-bytes", 0, "dead-letter a message that decodes to more (default 128 MiB)")
	fs.StringVar(&cfg.KafkaCluster, "kafka-cluster", "", "name of the Kafka cluster in the ledgers (default the cluster id Kafka reports)")
	fs.StringVar(&cfg.LedgerLegacyStream, "ledger-legacy-stream", "", "cluster/topic whose ledger rows predate schema migration 9 (logged at start as \"ledger stream\")")
	fs.IntVar(&cfg.InsertQuorum, "insert-quorum", 0, "on a replicated cluster, acknowledge (and commit) only once this many replicas of each shard have the rows (insert_quorum; default 0: one)")
	metrics := fs.String("metrics-addr", ingestMetricsAddr, "serve /metrics and /healthz here (off: nowhere)")
	config := fs.String("config", "", "YAML file of the batching and wait settings (batch_wait, batch_rows, ...); flags given override it")
	if err := parseFlags(ctx, fs, args); err != nil {
		return err
	}
	if *config != "" {
		fc, err := ingest.LoadConfigFile(*config)
		if err != nil {
			return err
		}
		// The file's settings, then again every flag given (flags win).
		flagCfg := cfg
		fc.Apply(&cfg)
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "topic":
				cfg.Topic = flagCfg.Topic
			case "group":
				cfg.GroupID = flagCfg.GroupID
			case "dead-letter-topic":
				cfg.DeadLetterTopic = flagCfg.DeadLetterTopic
			case "batch-rows":
				cfg.BatchRows = flagCfg.BatchRows
			case "batch-wait":
				cfg.BatchWait = flagCfg.BatchWait
			case "batch-wait-min":
				cfg.BatchWaitMin = flagCfg.BatchWaitMin
			case "batch-bytes":
				cfg.BatchBytes = flagCfg.BatchBytes
			case "max-insert-rows":
				cfg.MaxInsertRows = flagCfg.MaxInsertRows
			case "insert-concurrency":
				cfg.InsertConcurrency = flagCfg.InsertConcurrency
			case "max-decoded-bytes":
				cfg.MaxDecodedBytes = flagCfg.MaxDecodedBytes
			case "kafka-cluster":
				cfg.KafkaCluster = flagCfg.KafkaCluster
			}
		})
	}
	log := newLogger()
	reg := newRegistry()
	w, err := ingest.New(cfg, reg, log)
	if err != nil {
		return err
	}
	if err := serveOps(ctx, log, *metrics, reg, w.Healthy); err != nil {
		return err
	}
	return w.Run(ctx)
}
