package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"gopkg.in/yaml.v3"
)

// FileConfig is ingest's YAML config file (`edgelog ingest --config`):
// the batching and waiting settings, each a field of Config with the same
// default. Kafka and ClickHouse connections stay on flags and EDGELOG_*
// variables, shared with the other commands. Flags given override the file.
type FileConfig struct {
	Topic             string        `yaml:"topic"`
	GroupID           string        `yaml:"group"`
	DeadLetterTopic   string        `yaml:"dead_letter_topic"`
	KafkaCluster      string        `yaml:"kafka_cluster"`
	BatchRows         int           `yaml:"batch_rows"`
	BatchBytes        int           `yaml:"batch_bytes"`
	BatchWait         time.Duration `yaml:"batch_wait"`
	BatchWaitMin      time.Duration `yaml:"batch_wait_min"`
	MaxDecodedBytes   int           `yaml:"max_decoded_bytes"`
	MaxInsertRows     int           `yaml:"max_insert_rows"`
	InsertConcurrency int           `yaml:"insert_concurrency"`
	InsertTimeout     time.Duration `yaml:"insert_timeout"`
	RetryMax          time.Duration `yaml:"retry_max"`
}

// LoadConfigFile reads path. Unknown keys and a second document are
// errors (a typo must not fall back to a default silently).
func LoadConfigFile(path string) (FileConfig, error) {
	var fc FileConfig
	b, err := os.ReadFile(path) // #nosec G304 -- path from the operator's command line
	if err != nil {
		return fc, fmt.Errorf("cannot read config: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&fc); err != nil && !errors.Is(err, io.EOF) {
		return fc, fmt.Errorf("cannot parse config %s: %w", path, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return fc, fmt.Errorf("cannot parse config %s: more than one YAML document", path)
	}
	if fc.BatchWait < 0 || fc.BatchWaitMin < 0 || fc.InsertTimeout < 0 || fc.RetryMax < 0 {
		return fc, fmt.Errorf("config %s: a wait or timeout is negative", path)
	}
	return fc, nil
}

// Apply sets c's fields from the file's non-zero settings.
func (fc FileConfig) Apply(c *Config) {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	setInt := func(dst *int, v int) {
		if v != 0 {
			*dst = v
		}
	}
	setDur := func(dst *time.Duration, v time.Duration) {
		if v != 0 {
			*dst = v
		}
	}
	set(&c.Topic, fc.Topic)
	set(&c.GroupID, fc.GroupID)
	set(&c.DeadLetterTopic, fc.DeadLetterTopic)
	set(&c.KafkaCluster, fc.KafkaCluster)
	setInt(&c.BatchRows, fc.BatchRows)
	setInt(&c.BatchBytes, fc.BatchBytes)
	setDur(&c.BatchWait, fc.BatchWait)
	setDur(&c.BatchWaitMin, fc.BatchWaitMin)
	setInt(&c.MaxDecodedBytes, fc.MaxDecodedBytes)
	setInt(&c.MaxInsertRows, fc.MaxInsertRows)
	setInt(&c.InsertConcurrency, fc.InsertConcurrency)
	setDur(&c.InsertTimeout, fc.InsertTimeout)
	setDur(&c.RetryMax, fc.RetryMax)
}
