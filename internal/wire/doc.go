// Package wire is the versioned batch format the collector produces to Kafka
// and ingest consumes: one Kafka message carries one record.Block.
//
// Every version starts with the same header:
//
//	magic     4 bytes  "ELGB"
//	version   1 byte   3 (Encode writes 3; Decode reads 1, 2 and 3)
//	codec     1 byte   0 = none, 1 = zstd
//	rows      uvarint  number of rows (<= MaxRows)
//	rawLen    uvarint  length of the uncompressed payload (<= MaxPayload)
//	payload   rest     the columns, compressed with codec
//
// The uncompressed payload of version 3 holds the columns in record order:
//
//	time_ms         zigzag varint of the first value, then zigzag deltas
//	client_ip       per row a kind byte: 0 = unknown (nothing follows),
//	                4 = IPv4 (4 bytes follow), 16 = IPv6 (16 bytes follow)
//	asn, status, bytes_sent, bytes_received, request_time_us, ttfb_us
//	                uvarint per row, one column after the other
//	bytes_total     headers and body the edge wrote (the log's
//	                $bytes_sent, sc-bytes or %O, else bytes_sent): a mode
//	                byte, 0 when every row's total is its bytes_sent
//	                (nothing follows), 1 when a zigzag varint per row of
//	                bytes_total - bytes_sent (wrapping) follows
//	string columns  record.NumStr of them, in record.Str order; each is a
//	                mode byte and then
//	                  0 (plain): rows uvarint lengths, the concatenated bytes
//	                  1 (dictionary): uvarint n (<= rows), n uvarint lengths,
//	                    the n values' bytes, then rows uvarint indices < n
//
// Versions 1 to 3 have no x_forwarded_for column (their string columns end
// at referer): a decoder gives their rows an empty list.
// Version 2 has no bytes_total column: a decoder gives its rows the total
// bytes_sent, as for a log without a total (old rows: total = body).
// Version 1 differs from version 2 in two places: client_ip is 16 bytes per row, and every
// string column is plain without a mode byte.
//
// Column-major order puts similar values next to each other, so zstd sees
// long repeats and small deltas. The dictionaries (values in order of first
// appearance, so the same rows always encode to the same bytes) shrink what
// zstd must compress several times over: most columns of CDN traffic hold a
// handful of values and even paths repeat. The encoder writes a column plain
// when it holds more than one distinct value per two rows. zstd runs at its
// fastest level: on dictionary-coded nginx combined lines it gave 12.64
// wire bytes per line against the default level's 12.43, and the collector
// 9% more lines per CPU-second (collector's BenchmarkPipeline).
//
// A newer version may append string columns; a decoder rejects versions it
// does not know with ErrVersion so ingest can dead-letter the message.
//
// The Kafka headers around the payload (which input and which cut of it a
// message is, so that ingest can skip a re-sent batch) are defined in
// headers.go; the collector writes and ingest reads them only through it.
//
// Decode never panics on hostile input: every length is checked against the
// bytes that remain and against MaxRows/MaxPayload before it is used.
// What one message may cost is bounded before it is allocated (see
// Decoder): a row takes at least 8+NumStr payload bytes, so the row count
// is checked against the declared payload length; the payload plus the
// decoded rows (and dictionary columns once expanded) may not pass
// Decoder.MaxDecodedBytes (default 128 MiB), else ErrTooLarge; zstd stops
// at the declared payload length. A 18 KB message that claimed 4M rows
// decoded to 2.8 GB before these checks.
package wire
