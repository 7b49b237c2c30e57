package main

import (
	"context"

	"github.com/edgelog/edgelog/collector"
)

func init() {
	register("collector", "tail an access log and ship it to Kafka", runCollector)
}

func runCollector(ctx context.Context, args []string) error {
	fs := newFlags("collector", "--file PATH --edge-config edge.yaml [flags]", `Tails an access log, parses and enriches each line, batches rows per customer
into zstd-compressed columnar messages and produces them to Kafka with acks=all.
The file checkpoint advances only after Kafka acknowledged a batch.`)
	var cfg collector.Config
	cfg.Kafka.RegisterFlags(fs)
	fs.StringVar(&cfg.File, "file", "", "access log to tail")
	fs.StringVar(&cfg.FormatKind, "format", "nginx", "log family: nginx, apache, w3c, cloudfront, jsonl, caddy")
	fs.StringVar(&cfg.Format, "log-format", "", "the family's format: an nginx log_format (default: combined + edgelog CDN fields), an Apache LogFormat (default: combined), W3C field names, or jsonl field=key overrides")
	fs.StringVar(&cfg.EdgeConfig, "edge-config", "", "edge mapping file: customer per host, region per PoP")
	fs.StringVar(&cfg.Topic, "topic", "", "Kafka topic (default edgelog-requests)")
	fs.StringVar(&cfg.Checkpoint, "checkpoint", "", "checkpoint file (default FILE.checkpoint)")
	fs.StringVar(&cfg.DeadLetterFile, "dead-letter-file", "", "write rejected lines here as JSON lines (default: the dead-letter topic)")
	fs.StringVar(&cfg.DeadLetterTopic, "dead-letter-topic", "", "dead-letter topic (default edgelog-deadletter)")
	fs.IntVar(&cfg.BatchRows, "batch-rows", 0, "rows per batch (default 50000)")
	fs.DurationVar(&cfg.BatchWait, "batch-wait", 0, "flush a batch this long after its first row (default 500ms)")
	fs.BoolVar(&cfg.Follow, "follow", true, "keep tailing at end of file (false: exit once shipped)")
	metrics := fs.String("metrics-addr", "", "serve /metrics and /healthz here, e.g. 127.0.0.1:9101")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := newLogger()
	reg := newRegistry()
	c, err := collector.New(cfg, reg, log)
	if err != nil {
		return err
	}
	if err := serveOps(ctx, log, *metrics, reg, nil); err != nil {
		return err
	}
	return c.Run(ctx)
}
