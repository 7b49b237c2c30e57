package broker

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

// TestKcatInterop checks the embedded broker against an independent Kafka
// client (kcat, librdkafka): what kcat produces kafka-go consumes, and what
// kafka-go produces kcat consumes. kcat is installed by deploy/setup.sh.
func TestKcatInterop(t *testing.T) {
	kcat, err := exec.LookPath("kcat")
	if err != nil {
		t.Fatal("kcat not found: run `make setup` (deploy/setup.sh)")
	}
	b, err := Start(Config{Partitions: 1, Topics: []string{"interop"}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	cmd := exec.Command(kcat, "-b", b.Addr(), "-t", "interop", "-P", "-K:", "-X", "acks=all")
	cmd.Stdin = strings.NewReader("k1:from kcat 1\nk2:from kcat 2\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kcat produce: %v\n%s", err, out)
	}
	w := &kafka.Writer{Addr: kafka.TCP(b.Addr()), Topic: "interop", RequiredAcks: kafka.RequireAll, BatchTimeout: time.Millisecond}
	if err := w.WriteMessages(context.Background(), kafka.Message{Key: []byte("k3"), Value: []byte("from kafka-go")}); err != nil {
		t.Fatal(err)
	}
	w.Close()

	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{b.Addr()}, Topic: "interop", Partition: 0, MaxWait: 100 * time.Millisecond})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var got []string
	for i := 0; i < 3; i++ {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(m.Key)+"="+string(m.Value))
	}
	if want := "k1=from kcat 1,k2=from kcat 2,k3=from kafka-go"; strings.Join(got, ",") != want {
		t.Fatalf("kafka-go read %v, want %s", got, want)
	}

	out, err := exec.Command(kcat, "-b", b.Addr(), "-t", "interop", "-C", "-e", "-q", "-f", "%k=%s\n").CombinedOutput()
	if err != nil {
		t.Fatalf("kcat consume: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "k3=from kafka-go") {
		t.Fatalf("kcat read:\n%s", out)
	}
}
