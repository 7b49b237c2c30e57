// Package wire is the versioned batch format the collector produces to Kafka
// and ingest consumes: one Kafka message carries one record.Block.
//
// Layout of version 1 (all integers little-endian unless "uvarint"):
//
//	magic     4 bytes  "ELGB"
//	version   1 byte   1
//	codec     1 byte   0 = none, 1 = zstd
//	rows      uvarint  number of rows (<= MaxRows)
//	rawLen    uvarint  length of the uncompressed payload (<= MaxPayload)
//	payload   rest     the columns, compressed with codec
//
// The uncompressed payload holds the columns in record order:
//
//	time_ms         zigzag varint of the first value, then zigzag deltas
//	client_ip       rows x 16 bytes
//	asn, status, bytes_sent, bytes_received, request_time_us, ttfb_us
//	                uvarint per row, one column after the other
//	string columns  record.NumStr of them, in record.Str order; each is
//	                rows uvarint lengths followed by the concatenated bytes
//
// Column-major order puts similar values next to each other, so zstd sees
// long repeats (user agents, hosts, paths) and small deltas (timestamps).
// A newer version may append string columns; a decoder rejects versions it
// does not know with ErrVersion so ingest can dead-letter the message.
//
// Decode never panics on hostile input: every length is checked against the
// bytes that remain and against MaxRows/MaxPayload before it is used.
package wire
