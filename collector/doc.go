// Package collector ships one edge server's access logs to Kafka: it tails
// a log file, parses and enriches each line, batches rows per customer into
// the columnar wire format (zstd), produces them with acknowledgement from
// all in-sync replicas, and only then advances its file checkpoint.
//
// Delivery: at-least-once into Kafka. A crash after Kafka acknowledged a
// batch but before the checkpoint was written re-sends that batch on
// restart. Ingest's offsets ledger makes ingest itself exactly-once, but a
// batch the collector re-sent is a new Kafka message; see package ingest for
// what removes such duplicates.
//
// Bad lines never stop the collector: each is counted and written to the
// dead-letter sink with its reason, file and offset.
package collector
