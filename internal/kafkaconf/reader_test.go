package kafkaconf

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestReaderWaitsForABusyBroker reads a partition from a broker (kfake)
// that starts answering every fetch 300 ms after it arrives, as a broker
// sharing its cores with ClickHouse can: PartitionReader's fetch deadline
// leaves it that long, so every message arrives over the one
// connection, without a timed-out fetch or a second dial. With the
// earlier MaxWait of 200 ms (50 ms for the broker to answer) no fetch
// with data arrives in time and the reader reads nothing.
func TestReaderWaitsForABusyBroker(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "busy"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	addr := c.ListenAddrs()[0]
	w := &kafka.Writer{Addr: kafka.TCP(addr), Topic: "busy", BatchSize: 1, RequiredAcks: kafka.RequireAll}
	const n = 20
	val := make([]byte, 200_000)
	for range n {
		_, _ = rand.Read(val)
		if err := w.WriteMessages(context.Background(), kafka.Message{Value: val}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	// The hook runs in the broker's one request loop: every request after
	// it waits too, as on a broker short of CPU.
	c.ControlKey(int16(kmsg.Fetch), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		time.Sleep(300 * time.Millisecond)
		return nil, nil, false
	})
	r := kafka.NewReader(PartitionReader([]string{addr}, nil, "busy", 0))
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for i := range n {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			t.Fatalf("message %d of %d: %v (reader: %+v)", i, n, err, r.Stats())
		}
		if m.Offset != int64(i) {
			t.Fatalf("message at offset %d, want %d", m.Offset, i)
		}
	}
	if st := r.Stats(); st.Errors != 0 || st.Dials != 1 {
		t.Errorf("reader: %d errors, %d dials; want 0 and 1 (a fetch timed out and was sent again)", st.Errors, st.Dials)
	}
}
