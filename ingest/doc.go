// Package ingest consumes batches from Kafka and inserts them into
// ClickHouse, committing a Kafka offset only after ClickHouse acknowledged
// the rows.
//
// # Exactly-once
//
// Every raw row carries the Kafka stream (cluster and topic), partition and
// offset of the message it came from (src_stream, src_partition,
// src_offset). A materialized view writes, in the same INSERT as the rows,
// one ledger row per insert into ingest_ledger: (src_stream, src_partition,
// min_offset, max_offset, rows). Since the ledger is
// written by the insert itself, it can never disagree with the data.
//
// A worker inserts each partition's messages in offset order, one INSERT
// per batch, and commits offset+1 to the consumer group afterwards. When it
// is assigned a partition it reads max(max_offset) for its stream and that
// partition from the ledger and skips every message at or below it: those were inserted by
// a worker that died (or lost the partition) before it could commit. So a
// crash between insert and commit, a rebalance, or Kafka redelivering a
// range never counts a row twice, and the rollups, fed by the same INSERT,
// never double-count either.
//
// A collector that crashes after Kafka acknowledged a batch but before its
// checkpoint was written sends that batch again after restart, as new Kafka
// messages. It re-cuts the batch at exactly the same file offsets (it
// journals each batch's end offset before producing it) into the same
// messages, and every message carries its source (server, file, file
// identity), that end offset and its sequence number within the batch in
// its headers. Rows carry them too (src_file, src_file_end, src_seq), and a
// second view keeps source_ledger: per source and partition, every message
// inserted. A message of an earlier batch than its source's latest, or of
// the latest batch and already in the ledger, is a re-send and is skipped.
// Together: exactly once from log line to rollup.
//
// "Same INSERT" is not "atomic": ClickHouse 18.16 commits the raw part,
// then each view's part in name order, and a server killed in between
// keeps what it wrote. The ledgers' views run last (schema's
// ledgerlast.go), so a ledger row means every table has the rows; what
// an INSERT cut by a kill left behind is found before the batch is sent
// again and recorded as a bounded double count (partial.go).
//
// # The rollup feed: two INSERTs per batch
//
// Where the database has the rollup feed (schema migration 15, single
// server; see package schema), a batch is two INSERTs: its raw rows, then
// its feed rows (feed.go: the same rows aggregated once in Go at
// traffic_1m's grain plus stream and partition, from which the server
// folds traffic_1m/1h/1d and billing_5m/1d). Each has its own ledger,
// written by a view of the table it goes to: ingest_ledger for the raw
// rows, feed_ledger for the feed rows. The offset is committed after both.
//
// On assignment a worker reads both ledgers. Messages at or below the feed
// ledger's offset (never above the raw ledger's: the feed INSERT follows
// the raw one, and a worker that finds otherwise panics) are skipped as
// before. Messages above it and at or below the raw ledger's have raw rows
// and no feed rows: a worker died between a batch's two INSERTs, or an
// ingest older than the feed inserted them. The worker reads them again
// (from the feed ledger's offset on, even if the group's committed offset
// is past it), keeps of their rows those the raw table holds (by message,
// customer and host, as dropLanded counts them, so dead letters and
// collector re-sends come out as they did the first time) and inserts
// only their feed rows. A feed INSERT that fails is taken as landed when
// the feed ledger has the batch's first offset of every partition, as for
// the raw INSERT. No feed INSERT starts once the partition's generation
// ended, so an old owner overlaps the next one by at most one INSERT, as
// before. TestCrashBetweenRawAndFeedInserts kills a worker between the two
// INSERTs and fails with the feed ledger's reading switched off.
//
// Version skew: ingest reads the schema version at start and refuses a
// schema newer than the migrations it knows (a later migration may feed
// rollups in a way it does not). It learns whether the feed is there at
// start and at each partition assignment. An ingest older than migration
// 15 inserts raw rows only and the five rollups fall behind, but nothing
// is lost while Kafka keeps the messages: the raw ledger runs ahead of the
// feed ledger, and the first current ingest to own the partition inserts
// the missing feed rows (the rollups are late, `schema verify` shows it
// meanwhile). Messages Kafka has deleted by then (retention) have their
// feed rows rebuilt from their raw rows in ClickHouse (feedrepair.go,
// TestFeedRebuiltWhenKafkaDeletedIt), counted in
// edgelog_ingest_feed_rebuilt_offsets_total: nothing is lost.
//
// Limits of the guarantee:
//   - Several topics and Kafka clusters may feed one database: the ledgers
//     are keyed by stream ("<cluster id>/<topic>", stream.go) and
//     partition. Ledger rows from before schema migration 9 have no stream
//     and count only for LedgerLegacyStream (see schema/streams.go).
//   - The source ledger is read back SourceLedgerWindow (7 days): a
//     collector re-sending a batch older than that is not recognised.
//   - An INSERT must be atomic. It is when the ingest process dies
//     (ClickHouse discards a block it did not receive whole). If the
//     ClickHouse server itself crashes half-way through writing a block that
//     spans several day partitions, or between the raw table and its views,
//     part of that block may persist; that is ClickHouse's own limit (on
//     replicated modern servers, insert deduplication covers it).
//   - A worker finishes or abandons its in-flight insert before it gives a
//     partition up (the consumer group waits for it). An insert that takes
//     longer than the group's rebalance timeout could overlap the next
//     owner's; inserts are bounded by InsertTimeout, kept below it.
//
// # Cluster mode
//
// With `schema migrate --cluster`, the raw table is a Distributed table in
// front of replicated tables on every shard. Ingest inserts through it
// synchronously (insert_distributed_sync), so an acknowledged INSERT, and
// so a committed offset, means one replica of every shard has written its
// rows and every view on it its rollup rows (the other replicas copy them
// from there). A failed INSERT is not taken as landed from the ledger
// there (each shard writes its part on its own, so the ledger of one shard
// may show a block another shard lacks): the batch's raw rows are counted
// by partition and offsets, and if any are missing the identical block is
// sent again, which a shard that already has its part drops as a
// duplicate. lab/clustertest runs ingest on a sharded and on a
// replicated cluster of real servers.
//
// A worker killed while its INSERT went to the shards may leave some
// shards with their part and others without: the ledger then shows
// offsets whose rows are not all stored. So on a cluster the next owner
// does not skip the messages the ledger shows: it reads them again and
// inserts the rows whose (message, customer, host) group no shard holds.
// The raw table is sharded by (customer, host), so each such group went to
// one shard whole or not at all, and the re-inserted rows go to the shard
// that lacks them (dropLanded).
//
// # Hostile conditions
//
// A row of impossible time is dead-lettered alone and rows ahead of the
// worker's clock are counted per edge server (timecheck.go); offsets Kafka
// deleted before they were read are detected, stored in offset_gaps,
// counted and logged, never skipped silently (gap.go); an INSERT may wait
// for a quorum of replicas (quorum.go).
//
// # Backpressure
//
// Each partition worker holds at most two batches (BatchRows / BatchBytes
// each): one handed to the inserter and one it reads ahead into while the
// first is inserted (readahead.go; TestReadAheadBound holds it). While
// ClickHouse is down or slow the inserter retries the first with backoff;
// the worker fills the second and then fetches nothing more, so memory
// stays bounded and Kafka holds the backlog.
//
// # Cost
//
// Now (2026-12-07, night, pprof of ingest through the 20M-line `edgelog
// bench --profile`): 0.52 CPU-seconds per million requests. Of its
// samples: the raw INSERT 31% (the dictionary columns, lccol.go, 14%; the
// driver's encoding and sending 9%), wire decoding 26% (zstd 8%, the
// dictionaries 10%), the rollup feed 21% (its grouping 15%), merging the
// partitions' batches into one block 10%, fetching from Kafka 5%, the
// garbage collector most of the rest. The history below is how it got
// there.
//
// CPU seconds per million requests in the 3M-line `edgelog bench`
// (December 2026): 3.66 at the start of issue 14's work, 2.17 after its
// first pass, 1.7-1.8 after the second (in the 20M-line bench 1.1-1.3,
// and 0.93-1.0 since the columns below, 2026-12-05). Where they went then
// (`edgelog bench --profile`, pprof of the ingest process): wire decoding 24% (zstd, and each dictionary
// column expanded into the block's arenas); the driver encoding the native
// block 23% (each string's length and bytes copied into its buffer) and
// LZ4 of it 16%; merging the waiting partitions' batches into one block
// 7%; garbage collection and page faults of fresh buffers the rest.
//
// Why this shape: the INSERT is a loop over the raw table's columns, each
// found by name in record.Block.Columns or the batch's provenance columns,
// whole slices appended (no per-row struct). String columns are not
// appended at all: the driver's String column is pointed at the block's
// arena (strcol.go), which removed the driver's copy of every string into
// fresh, growing buffers (a quarter of ingest's CPU; 2.38 -> 1.83 CPU-s
// per million in the same run). Numeric, DateTime and FixedString(16)
// columns are not appended either (numcol.go): the driver appended them
// element by element into columns it grew from nothing every INSERT. And
// the combiners insert over a pool of their own, a connection each
// (combine.go), so the driver's encode buffer is one that has held a raw
// block before. Together, in the 20M-line bench (pprof of ingest,
// 2026-12-05): 24.2 -> 17.4 sampled CPU-seconds, 1.27 -> 0.94 CPU-s per
// million requests, runtime.growslice 7.3 -> 2.0 s. Now: wire decoding
// 35% (the dictionary columns expanded into the block's arenas 28%), the
// driver encoding the strings 19%, the rollup feed 19% (grouping 13%),
// syscalls 7%; the rest growing the partitions' batches while they are
// new (in a run of 80 seconds a partition's first two batches are a
// large share of its batches) and the garbage collector. The driver's encoding of the native block
// and LZ4 remain: ch-go's own client would write the columns without the
// driver, but cannot talk to ClickHouse 18.16 (its query packet's
// settings are refused: UNKNOWN_SETTING), and an uncompressed INSERT
// would save the LZ4 here at the price of ~6x the network bytes between
// ingest and ClickHouse (not done). Inserts run one at a time
// (InsertConcurrency 1, the default; with 2 a second stream runs only
// while ingest is behind: combine.go) so the partitions' batches that fill
// meanwhile go together into one large block, and they ask the server not to squash
// blocks (workerInsertSettings): see package schema for what a block
// costs ClickHouse.
//
// The heap (2026-12-05, late night): perf of ingest in the 20M-line bench
// put 17-23% of its CPU in the kernel clearing pages it touched for the
// first time (about a million page faults, 4 GB, for a heap that ended at
// 3.7 GB with 2.1 GB live: the partitions' two batches each and the
// combined block). Three changes: columns grow by doubling
// (record.Grow; append's 1.25x for large slices copied and touched
// about five times a column's final size), the feed's string columns
// alias arenas as the raw block's do, and GOGC is 50 unless the
// environment sets one (cmd/edgelog: the heap is mostly pointer-free
// arenas, cheap to collect, and GOGC 100's headroom was fresh memory).
// Allocations 8.7 -> 4.0 GB, page faults 1.09M -> 0.75M, 1.35-1.56 ->
// 1.10-1.17 CPU-s per million requests (heap and CPU profiles of
// `edgelog bench --profile`; README, "Issue 14, the heap"). Then the
// batches stopped expanding dictionary columns: record.StrCol lets values
// share bytes, so the wire decoder stores a dictionary's values once and
// each row as a span of its value (ch-go's String column is the same
// shape, so the driver still encodes every row's bytes), and src_stream
// and a message's src_file are stored once a run. Page faults 0.75M ->
// 0.56M, ingest 1.03-1.07 CPU-s per million (19.8 sampled seconds, 29.1
// at the session's start): the driver encoding the strings 23%, the wire
// decoding 17%, the rollup feed 17%, syscalls 9%. What is left of the
// faults is the heap itself, which a long-running ingest touches once:
// the bench's 80 seconds are all warm-up.
//
// The raw table's order (2026-12-06, order.go): ClickHouse sorts every
// block it writes into a part unless it is in the table's order already,
// and ingest's blocks never were (partitions' batches end to end, each
// message one customer's rows). The inserter now hands the driver the
// rows sorted by schema.RawSortKey (on 18.16; newRowOrder says why not on
// modern servers), as runs of consecutive rows applied
// to the string columns' positions and copied into the numeric ones:
// 19-22 ns a row (BenchmarkRowOrder: 235k rows in 4.5-5.1 ms; a first
// version that sorted every row's key and gathered row by row took 48,
// and 2.2 s of ingest's samples in the 20M-line bench against 1.5 s
// now: the order 0.29, the copies 0.45, the positions 0.3 and the
// driver reading the arenas out of order about 0.5, so 0.075 CPU-s per
// million). The 18.16 server's CPU
// for an INSERT of 328k rows of the 20M-line bench into the raw table
// with its views, merges stopped, six alternations: 650-730 ms in
// pipeline order, 550-600 ms sorted (2.01 -> 1.74 CPU-s per million);
// the raw table alone 220-250 -> 150-160 ms for 235k rows. Sorting the
// feed's rows by traffic_1m's key was measured the same way and saves
// nothing (45k rows: 60-80 ms either way), so they go as they are.
//
// The rollup feed (feed.go) adds, per `edgelog bench --profile` of 20M
// requests: 0.21 CPU-s per million at the default 24h span (grouping the
// block 0.115: one map lookup per row on a byte key of minute, partition
// and the five strings; the driver encoding, LZ4 and sending of the feed
// rows the rest, as a day of requests in 400k rows leaves a large part of
// the rows their own group) and 0.08 at `--span 1m` (few groups). It saved
// ClickHouse 1.52 and 0.47 CPU-s per million in the same runs (package
// schema). Why Go and not more views: a view runs on every raw block and
// reads its columns again; ingest holds the columns already and touches
// each row once for all five rollups. BenchmarkFeedAggregate: 62 ns a row
// when a minute's 400k rows share 600 groups, 462 ns when every row is a
// group of its own (each a map insert and a key string allocated).
//
// The latency rollups' states are not built here: the driver has no
// AggregateFunction column and 18.16 converts nothing it can send into
// one (package schema, "The latency rollups", says what was checked and
// what migrations 17 and 24 did instead: chained views, and histograms
// cheaper to build than the t-digests were).
//
// Reading Kafka costs the broker too: each partition is read with
// kafkaconf.PartitionReader, whose MaxWait of 2 s leaves a busy broker 1 s
// to start answering a fetch. At 200 ms the readers timed out, re-dialled
// and fetched the same offsets again, and the 20M-line bench's broker read
// its log about six times (0.7-1.6 CPU-s per million; 0.31 since).
//
// Where ingest's CPU goes now (2026-12-06, `edgelog bench --lines
// 20000000 --profile`, 0.90-1.02 CPU-s per million requests; the profile
// of the run with GODEBUG=asyncpreemptoff=1, as on this KVM host 10% of
// the samples otherwise land on runtime.asyncPreempt, the preemption
// signal's delivery, spread over every caller): decoding the wire 33%
// (dictionary columns into spans 20%, zstd 6%, the counters 4%), the
// driver encoding the native block 22% (its strings' lengths and bytes
// 21%), the rollup feed 18% (grouping 14%), writing to ClickHouse's
// socket 7%, merging the waiting partitions' batches 7%.
//
// Small dictionaries' indices (2026-12-06, afternoon; package wire,
// decodeSmallDict): a dictionary of at most 128 values, most columns of
// a message, has one-byte indices, now read as a run of bytes rather than
// a varint and a bounds check a row. wire's BenchmarkDecodeGenerated (a
// day of generated edge traffic in 3,846-row customer messages), builds
// alternated three times: 3.95-4.33M -> 6.53-6.89M rows a second; the
// next 20M-line `edgelog bench --profile`: ingest 0.82 CPU-s per million
// (0.90 in the run before it the same afternoon), decoding 18% of it.
//
// The feed's groups (the same afternoon; groupindex.go): at the bench's
// density 0.82 of a batch's rows start a group, and a map[string]int32
// copied each new key into a string and walked its directory and control
// words per lookup. A flat table of int32 slots over one key arena:
// BenchmarkFeedAggregate/generated (a batch decoded from generated
// customer messages), builds alternated three times, 281-312 -> 119-144
// ns a row (day 350-397 -> 163-233, minute unchanged at 70). The next
// 20M-line `edgelog bench --profile`: ingest 0.77 CPU-s per million, the
// feed 15% of it (the five strings' reads a third of that).
//
// Dictionary-coded raw strings (2026-12-06, night; lccol.go): fifteen raw
// string columns (all but customer and x_forwarded_for) are
// LowCardinality(String) on a single 18.16 server since schema migrations
// 22 and 23 (package schema, RawDictMigration and RawDictViewsMigration,
// say which and why), and on modern servers, customer too, from the
// start. clickhouse-go takes such a column as []string and looks every
// row up in a map[any]int, boxing the string: against migration 22's
// seven columns that put ingest at 1.30-1.32 CPU-s per million requests
// in the 20M-line bench, where the String columns aliasing the arena had
// cost 0.76-0.77. lcColumns builds the dictionary
// from what the block knows instead: the rows of one message that share a
// value share its span, so a row's key is found by its span in a table of
// integers, and only a span new to the INSERT is looked up by its bytes.
// Ingest 0.67-0.70 CPU-s per million (three runs; 0.59-0.62 in four once
// migration 23 added eight more columns), and the server gets a
// dictionary and a key of a byte or two a row in place of every row's
// bytes. A profile of the next run (`edgelog bench --lines 20000000
// --profile`, ingest 0.67): the INSERT 35% (the driver encoding the
// String columns left 16%, lcColumns 4.6%, the String columns'
// positions 3.7%), wire decoding 28% (zstd 8%), the rollup feed 18%.
//
// The INSERT cycle (2026-12-07, afternoon). In the 20M-line bench the
// collector ships the file in about 23 s with every core busy, and
// ingest and ClickHouse then drain Kafka alone for 15-18 s on 1.4-1.5 of
// the 2 cores (`edgelog bench`'s e2e_cores_busy_* lines), because a cycle
// is serial: the combiner merges the batches waiting, ingest builds the
// driver's block, the server inserts it with its views on one thread, the
// feed rows are aggregated and inserted, and only then are the partitions
// answered and their read-ahead batches handed over. Timed in one run (a
// scratch build): of 40.4 s of cycles, the raw INSERTs 26.9 s, the feed
// 6.4 (its aggregation 2.2), merging the batches 2.1, the driver's columns
// 3.0, the order 0.7, waiting for batches 1.9. Aggregating the feed rows
// on another goroutine while the raw rows are inserted took its 2.2 s off
// the cycles and nothing the runs could resolve off the rate (five
// alternated pairs, 492-560k against 502-544k requests a second, a mean
// of 524k both), so it was not kept. The larger lever, not built: letting
// a partition hand its read-ahead batch over before the one in flight is
// answered (still inserted after it, on the same stream), so the combiner
// builds the next block while the server inserts; at most the 8 s of
// ingest's share of a cycle, the part of it in the drain (about 3 s of
// 40) being what would show. It changes readahead.go's one-batch-in-flight
// rule, which exactly-once rests on, for a gain within the runs' spread.
//
// # Bounds
//
// Per partition: one batch of BatchRows (500,000) rows or BatchBytes
// (128 MiB) of decoded rows (its columns' capacity up to twice what they
// hold, record.Grow: address space, the part never written is never
// touched); up to 32 MiB per fetch and 16 prefetched
// messages; one message may decode to at most MaxDecodedBytes (128 MiB,
// checked before it is decompressed; see wire.Decoder), a larger one is
// dead-lettered as too_large. An INSERT is at most MaxInsertRows
// (1,000,000) rows and InsertTimeout (20s); between INSERTs the inserter
// keeps the string positions of at most maxKeptPositions (1,048,576) rows
// per string column (16 bytes a row), time and client_ip in the
// driver's layout (numcol.go) and the rows' order with every numeric
// column gathered in it (order.go: about 100 bytes a row on 18.16) and,
// per LowCardinality column a key a row (4 bytes, and 1 or 2 more in the
// driver's width), a span table of 12 bytes a slot (at most four slots a
// distinct span) and the dictionary's values (lccol.go) up to as many
// rows; those of a larger INSERT are dropped. The combiners' pool holds InsertConcurrency connections,
// each with the driver's encode buffer (as large as the largest column it
// has sent).
// The rollup feed keeps one group per distinct key of an INSERT, so at most
// MaxInsertRows groups (feeder).
// A partition remembers at most 1,000 clock-skewed servers between two
// flushes (maxSkewServers).
package ingest
