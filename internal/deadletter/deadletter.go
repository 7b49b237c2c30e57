// Package deadletter keeps what the pipeline could not process — an
// unparseable log line, an undecodable Kafka message — with the reason and
// where it came from, so the stream goes on and nothing vanishes silently.
// Letters go to a Kafka topic (headers carry the metadata, the value is the
// original bytes) or to a local JSON-lines file.
package deadletter

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
)

// Letter is one rejected input.
type Letter struct {
	Stage     string    `json:"stage"`  // "collector" or "ingest"
	Reason    string    `json:"reason"` // why it was rejected
	Source    string    `json:"source"` // file path, or topic
	Partition int       `json:"partition,omitempty"`
	Offset    int64     `json:"offset"` // byte offset in the file, or Kafka offset
	Time      time.Time `json:"time"`
	Data      []byte    `json:"data"` // the rejected bytes (JSON: base64)
}

// MaxData caps the bytes kept of one rejected input (a 1 GB "line" is
// still one dead letter, not one gigabyte of dead letter).
const MaxData = 64 << 10

// Sink stores letters. Write returns only after the letter is durable
// enough that the caller may advance past the input (file written, Kafka
// acknowledged).
type Sink interface {
	Write(ctx context.Context, letters []Letter) error
	Close() error
}

func clip(b []byte) []byte {
	if len(b) > MaxData {
		return b[:MaxData]
	}
	return b
}

// FileSink appends letters as JSON lines to a file.
type FileSink struct {
	mu sync.Mutex
	f  *os.File
}

// FileMode is the dead-letter file's mode: letters hold client addresses
// and whole log lines, so owner and group only (like the checkpoints,
// which are 0600).
const FileMode = 0o640

// NewFileSink opens (appends to) path, created with FileMode; an existing
// file that others may read is narrowed to FileMode.
func NewFileSink(path string) (*FileSink, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, FileMode) // #nosec G302 G304 -- path from the operator's config; 0640: the log-reading group may read dead letters (SECURITY.md)
	if err != nil {
		return nil, fmt.Errorf("cannot open dead-letter file: %w", err)
	}
	st, err := f.Stat()
	if err == nil && st.Mode().Perm()&^FileMode != 0 {
		err = f.Chmod(st.Mode().Perm() & FileMode)
	}
	if err != nil {
		f.Close() // #nosec G104 -- already failing; the chmod error is returned
		return nil, fmt.Errorf("cannot restrict the dead-letter file to mode %o: %w", FileMode, err)
	}
	return &FileSink{f: f}, nil
}

// Write appends letters and syncs the file.
func (s *FileSink) Write(_ context.Context, letters []Letter) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var buf []byte
	for _, l := range letters {
		l.Data = clip(l.Data)
		b, err := json.Marshal(l)
		if err != nil {
			return err
		}
		buf = append(append(buf, b...), '\n')
	}
	if _, err := s.f.Write(buf); err != nil {
		return fmt.Errorf("cannot write dead letters: %w", err)
	}
	return s.f.Sync()
}

// Close closes the file.
func (s *FileSink) Close() error { return s.f.Close() }

// KafkaSink produces letters to a topic with RequiredAcks=all.
type KafkaSink struct {
	w *kafka.Writer
}

// NewKafkaSink writes to topic through transport.
func NewKafkaSink(brokers []string, topic string, transport *kafka.Transport) *KafkaSink {
	return &KafkaSink{w: &kafka.Writer{
		Addr:                   kafka.TCP(brokers...),
		Topic:                  topic,
		Balancer:               &kafka.Hash{},
		RequiredAcks:           kafka.RequireAll,
		AllowAutoTopicCreation: true,
		Transport:              transport,
		BatchTimeout:           10 * time.Millisecond,
	}}
}

// Write produces letters and waits for the acknowledgement.
func (s *KafkaSink) Write(ctx context.Context, letters []Letter) error {
	msgs := make([]kafka.Message, len(letters))
	for i, l := range letters {
		msgs[i] = kafka.Message{
			Key:   []byte(l.Source),
			Value: clip(l.Data),
			Headers: []kafka.Header{
				{Key: "stage", Value: []byte(l.Stage)},
				{Key: "reason", Value: []byte(l.Reason)},
				{Key: "source", Value: []byte(l.Source)},
				{Key: "partition", Value: strconv.AppendInt(nil, int64(l.Partition), 10)},
				{Key: "offset", Value: strconv.AppendInt(nil, l.Offset, 10)},
			},
			Time: l.Time,
		}
	}
	if err := s.w.WriteMessages(ctx, msgs...); err != nil {
		return fmt.Errorf("cannot produce dead letters: %w", err)
	}
	return nil
}

// Close flushes and closes the writer.
func (s *KafkaSink) Close() error { return s.w.Close() }
