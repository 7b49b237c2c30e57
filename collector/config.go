package collector

import (
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/edgelog/edgelog/internal/kafkaconf"
)

// Config configures a collector. Zero values take the defaults in the
// field comments.
type Config struct {
	Kafka kafkaconf.Config
	// Topic to produce to. Default kafkaconf.DefaultTopic.
	Topic string
	// File is the log file to tail.
	File string
	// FormatKind is the log family: nginx (default), apache, w3c,
	// cloudfront, jsonl or caddy; see NewParser.
	FormatKind string
	// Format is the family's format text (an nginx log_format, an Apache
	// LogFormat, W3C field names, JSON key overrides). Default: the
	// family's standard one (for nginx, nginx.Edge).
	Format string
	// EdgeConfig is the edge mapping file (customer per host, region per
	// PoP); see package enrich.
	EdgeConfig string
	// Checkpoint file. Default File + ".checkpoint".
	Checkpoint string
	// DeadLetterFile receives rejected lines as JSON lines; when empty they
	// go to DeadLetterTopic.
	DeadLetterFile string
	// DeadLetterTopic default kafkaconf.DefaultDeadLetterTopic.
	DeadLetterTopic string
	// BatchRows flushes when this many rows are pending. Default 50,000.
	BatchRows int
	// BatchWait flushes pending rows this long after the first. Default 500ms.
	BatchWait time.Duration
	// Follow keeps tailing at EOF. When false the collector exits once the
	// file is shipped (backfill).
	Follow bool
	// MaxLineBytes caps a line; longer ones are dead-lettered. Default 1 MiB.
	MaxLineBytes int
	// MaxMessageBytes caps one Kafka message (and one produce batch);
	// larger customer batches are split. Kafka's default message.max.bytes
	// is 1 MiB. Default 1,000,000.
	MaxMessageBytes int
	// SourceID names this collector's file in the source ledger. Default
	// "<hostname>:<absolute path>". It must be unique per file across the
	// fleet and stable across restarts.
	SourceID string
}

func (c *Config) setDefaults() {
	if c.Topic == "" {
		c.Topic = kafkaconf.DefaultTopic
	}
	if c.DeadLetterTopic == "" {
		c.DeadLetterTopic = kafkaconf.DefaultDeadLetterTopic
	}
	if c.Checkpoint == "" {
		c.Checkpoint = c.File + ".checkpoint"
	}
	if c.BatchRows == 0 {
		c.BatchRows = 50_000
	}
	if c.BatchWait == 0 {
		c.BatchWait = 500 * time.Millisecond
	}
	if c.MaxLineBytes == 0 {
		c.MaxLineBytes = 1 << 20
	}
	if c.MaxMessageBytes == 0 {
		c.MaxMessageBytes = 1_000_000
	}
	if c.SourceID == "" {
		host, _ := os.Hostname()
		path, err := filepath.Abs(c.File)
		if err != nil {
			path = c.File
		}
		c.SourceID = host + ":" + path
	}
}

// Validate fills defaults and checks the configuration.
func (c *Config) Validate() error {
	c.setDefaults()
	if c.File == "" {
		return errors.New("no log file to collect")
	}
	if c.EdgeConfig == "" {
		return errors.New("no edge mapping file (--edge-config)")
	}
	return c.Kafka.Validate()
}
