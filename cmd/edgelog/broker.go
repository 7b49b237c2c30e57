package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/edgelog/edgelog/internal/kafkaconf"
	"github.com/edgelog/edgelog/lab/engines/broker"
)

func init() {
	register("broker", "run an embedded Kafka-protocol broker (kfake) for local runs", runBroker)
}

func runBroker(ctx context.Context, args []string) error {
	fs := newFlags("broker", "[flags]", `Runs a single-node Kafka-protocol broker on 127.0.0.1 (github.com/twmb/franz-go/pkg/kfake).
The other subcommands reach it with segmentio/kafka-go over TCP, exactly as they
reach a real Kafka cluster. Use a real Kafka in production.`)
	port := fs.Int("port", 9092, "port on 127.0.0.1")
	partitions := fs.Int("partitions", 8, "partitions of each topic")
	topics := fs.String("topics", kafkaconf.DefaultTopic+","+kafkaconf.DefaultDeadLetterTopic, "comma-separated topics to create at start (others are created on first use)")
	dataDir := fs.String("data-dir", "", "persist the log and committed offsets here (default: memory only)")
	if err := parseFlags(ctx, fs, args); err != nil {
		return err
	}
	// kfake copies every fetch response into fresh memory (perf of the
	// broker in the 20M-line bench: a quarter of its CPU in page faults
	// under those copies); the log it keeps is few, large buffers.
	setGCPercent(50)
	log := newLogger()
	b, err := broker.Start(broker.Config{Port: *port, Partitions: *partitions, Topics: strings.Split(*topics, ","), DataDir: *dataDir, Logger: log})
	if err != nil {
		return err
	}
	fmt.Printf("broker listening on %s\n", b.Addr())
	<-ctx.Done()
	b.Close()
	return nil
}
