package kafkaconf

import (
	"time"

	"github.com/segmentio/kafka-go"
)

// ReaderMaxWait bounds a partition reader's idle fetch. It costs no
// latency: with MinBytes 1 the broker answers as soon as a message is
// there. It matters for what else kafka-go makes of it: the fetch's answer
// must start arriving within MaxWait (the connection's read deadline),
// while the broker is asked to hold an idle fetch for MaxWait less a
// round-trip allowance of min(1 s, MaxWait/4). That allowance is all the
// time a busy broker has to start answering a fetch with data; past it
// the reader drops the connection and fetches the same offset again over
// a new one, so the broker reads and sends the same batches again (up to
// MaxBytes), and again if it is still busy.
//
// At 200 ms the allowance was 50 ms. In the 20M-line bench, the broker
// sharing two cores with ClickHouse, readers timed out and re-dialled
// every few fetches, the broker read about six times the log (heap
// profile: 3 GB of batches for 0.5 GB of messages) and cost 0.7-1.6 CPU-s
// per million requests; at 2 s (allowance 1 s) it costs 0.31 (README,
// "The reader's fetch deadline"). With a backlog every answer is large
// and every one can miss the allowance, so the partition stops moving: a
// 10-minute `edgelog bench --rate 175670` at 200 ms never drained (the
// broker at 175% CPU, ClickHouse gaining no rows). The live tail's 1 s
// left 250 ms. An idle partition is now polled every second.
const ReaderMaxWait = 2 * time.Second

// PartitionReader is how ingest and the live tail read one partition:
// QueueCapacity bounds the messages read ahead (16: memory stays flat
// while an INSERT retries), MaxBytes one fetch's answer (32 MiB).
func PartitionReader(brokers []string, dialer *kafka.Dialer, topic string, partition int) kafka.ReaderConfig {
	return kafka.ReaderConfig{
		Brokers:       brokers,
		Dialer:        dialer,
		Topic:         topic,
		Partition:     partition,
		MinBytes:      1,
		MaxBytes:      32 << 20,
		MaxWait:       ReaderMaxWait,
		QueueCapacity: 16,
	}
}
