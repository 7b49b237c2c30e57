// Package schema owns edgelog's ClickHouse tables: the raw requests table,
// the rollups fed from it by materialized views, the ingest offsets ledger,
// and the versioned migrations that create them.
//
// Column definitions exist once (columns.go, rollups.go) and are rendered
// per Dialect: the ClickHouse 18.16 that Debian ships gets compatible types,
// modern servers get codecs, LowCardinality, DateTime64(3) and TTL. Nothing
// else in edgelog spells a column type.
//
// In cluster mode (Dialect.Cluster) every data table is a Replicated*
// "_local" table created ON CLUSTER, with a Distributed table of the plain
// name in front; raw rows are sharded by RawShardingKey, a function of the
// row, so a re-sent block deduplicates on its shard. Migrations' ALTERs of
// those tables go to one replica of each shard, which replicates them,
// not ON CLUSTER: 18.16's DDL worker can race on a replicated ALTER ON
// CLUSTER and stop for good (EachShard; Migrator.Dial reaches the shards
// as system.clusters lists them). lab/clustertest runs
// this on two real 18.16 servers and ZooKeeper; schema/conformance runs the
// modern DDL and the query layer's SQL on chDB (ClickHouse 26.x).
//
// Verify reconciles the rollups with the raw rows per customer-day
// (`edgelog schema verify`).
//
// # Where each CPU-second goes now (2026-12-07, night, migration 24)
//
// The 20M-line `edgelog bench` (a day of traffic in its lines, 231
// requests a second of log time; a journaled ext4; `--profile`): 543,709
// requests a second end to end, CPU-seconds per million requests
// collector 0.75, broker 0.13, ingest 0.52 and ClickHouse 1.58, 2.97 in
// all (issue 14 asks 4). ClickHouse's 1.58: its background merges 0.49
// (1.35 rows merged a request), the INSERTs the rest (the kernel's share
// of the whole 0.28). ClickHouse alone on the same density (`make
// bench-schema-cost`, 10M rows, INSERTs then one merge pass, the same
// night): the INSERTs 1.06, of which the raw table alone 0.22 and the
// views with their tables, the feed and the ledgers 0.84; the merge pass
// 0.59, of which the raw table 0.25. So the views are now two thirds of
// the server's work and the raw rows a third. At the goal's density
// (`--span 1m`): 1.46. Modern servers (chDB 26.5, the modern dialect)
// 2.45 and 1.73, their raw table alone 1.04, twice 18.16's (the codecs
// chosen for bytes on disk about 0.1 of it; the sort key without host
// and other merge settings nothing), and no one view a lever by itself
// there (README, performance: dropping any one moved the whole by less
// than the runs' spread).
//
// Why this shape: raw rows and every view in one INSERT with the ledgers
// last (exactly-once, ledgerlast.go); the traffic and billing rollups
// pre-aggregated by ingest and inserted as the feed (migration 15), so
// their five views group a batch's feed rows, not its raw rows; the latency
// rollups chained from two views over raw rows (chain.go) and holding
// log-coded histograms (sketch.go); the raw strings as dictionaries
// (rawdict.go); few large INSERTs, as a part per table and partition is
// written and merged per INSERT. The sections below are how each choice
// was measured, oldest first; their figures are of their day.
//
// # Cost in ClickHouse
//
// Where the server's CPU goes while ingest inserts (perf record of the
// ClickHouse 18.16 of a 3M-line `edgelog bench`, December 2026, after
// ingest stopped the server's block squashing): the views' GROUP BYs about
// a quarter (string keys serialized into arenas and hashed), writing each
// INSERT's parts about a quarter (sorting by each table's key, LZ4; one part
// per table and day partition, so 16 parts and hundreds of files per
// INSERT), serializing the seven latency rollups' t-digest states 8%,
// background merges 12%, reading the native block 6%. The raw table alone
// costs 1.7 CPU-s per million rows (clickhouse-client, same rows, no
// views; `BENCH e2e_vs_raw_only_load` and, in Native blocks,
// `e2e_vs_native_raw_only_load` compare the pipeline with it). With
// every view: 4.6 on 1M-row blocks, 4.8 on 250k-row blocks, 6.2 on
// 100k-row blocks (time-ordered rows as the pipeline sends them), which
// is why ingest sends few large blocks. traffic_1m keeps 38% as many rows
// as the raw table (minute x customer x host x region x PoP x country),
// so it is the costliest view, writing almost as many rows as the raw
// table.
//
// What each view costs (issue 14, December 2026; clickhouse-client
// loading the 3M rows of a bench run as time-ordered Native blocks of 1M
// rows into a fresh schema, every view but one dropped, server CPU per
// million rows, merges included): raw table and the two ledgers 1.92;
// each view adds traffic_1m 1.28, perf_1m 0.51, traffic_1h 0.33,
// path_hits_1h 0.26, perf_1h, perf_all_1m and perf_geo_1d 0.23 each,
// traffic_1d 0.21, perf_geo_all_1d 0.20, perf_geo_1h 0.18, billing_1d
// 0.11, perf_all_1h 0.10, edge_servers_1m 0.06, billing_5m 0.05; all of
// them together 4.7. A view's cost follows the rows it writes, and those
// follow how dense the requests are in time: the bench's default puts a
// day of traffic into its lines (35 req/s of log time in 3M lines, where
// traffic_1m keeps 0.4 rows per request); the same rows in 2 minutes cost
// 3.3 with every view, and the goal's 506k req/s is denser still
// (`edgelog bench --span` sets it). Background merges were under 1% of
// these loads.
//
// # The rollup feed (migration 15)
//
// The five sum rollups of traffic and billing (traffic_1m, traffic_1h,
// traffic_1d, billing_5m, billing_1d) are no longer views over the raw
// table on a single server: ingest aggregates each block once at
// traffic_1m's grain and INSERTs the groups into rollup_feed, a Null
// table whose views fold them into the five and into feed_ledger (feed.go
// says why this shape and how it stays exact; package ingest, how a crash
// between the two INSERTs is repaired). The views over raw rows that stay
// are the ledgers, the watermark, live_1s, edge_servers_1m, path_hits_1h
// (its top-N is per raw block) and the seven latency rollups (t-digest
// states, which Go cannot write in 18.16's format without reimplementing
// it). In cluster mode the feed is not created and the five stay views
// over raw rows: a feed there would need a Distributed feed table sharded
// like the raw rows and the cluster's replay path (dropLanded re-inserts
// the groups a shard lacks) taught about feed rows, which was left for
// later; the cluster keeps the cost of the views over raw rows.
//
// What it saved (`edgelog bench --lines 20000000 --skip goaccess,kcat`,
// before and after in the same session on the shared box, December 2026;
// README, performance): ClickHouse 7.99 -> 6.47 CPU-s per million requests
// at the default 24h span, 5.28 -> 4.81 at `--span 1m`; ingest pays 0.21
// and 0.08 for it (feed.go in package ingest). Less than the 2.0 the five
// views cost on their own: the five tables' rows are still written (their
// parts and sorting, the part of a view's cost that follows the rows it
// writes), traffic_1m's view still groups the feed's rows (one per group
// and Kafka partition of the INSERT), and the raw table, its ledgers and
// the ten rollup views left on it (seven latency, path_hits_1h,
// edge_servers_1m, live_1s) are untouched. At dense spans the views over
// raw rows were cheaper already (few groups), so the feed saves less there.
//
// # The latency rollups (migration 17)
//
// Measured again on the rows of a 20M-line bench (`edgelog bench --lines
// 20000000`, 24h span: the first 3.46M rows, loaded time-ordered as
// 392k-row Native INSERTs, the feed's rows for them as 45k-row INSERTs,
// server process CPU per million requests, merges included, views added
// one set at a time, the box shared): the raw table alone 2.9-3.2; the ledgers add 0.38,
// path_hits_1h 0.31, live_1s 0.35-0.5, edge_servers_1m 0.04; the seven
// latency views 3.0-3.7 together, the largest cost left; the feed with its
// five views and ledgers 0.76-0.94. A latency view writes few rows
// (perf_1m: 57k for 3.46M requests) but builds two t-digests from every
// raw row of the block, and that is its cost (a GROUP BY of 3M synthetic
// rows at perf_1m's grain into a table: 19.8 CPU-s with the two states,
// 7.1 with sums in their place, 3.8 to load the same states ready-made
// as Native). ClickHouse keeps every value of
// a digest of fewer than a few hundred as its own centroid (epsilon 0.01),
// so merging small states costs per value too.
//
// Migration 17 (chain.go) feeds the five coarse latency rollups from
// their finer rollup's view output, so only perf_1m and perf_geo_1h group
// the raw block, and drops the GROUP BY of traffic_1m's view over the
// feed. Measured pair by pair (the same rows in nine time-ordered chunks,
// each INSERTed, raw rows then feed rows, into a database at migration 16
// and one at 17 in turn, background merges stopped, CPU of the INSERT
// queries from query_log; three runs): after/before 0.90, 0.91, 0.92 (the
// raw INSERT with its views 0.93-0.94, the feed INSERT 0.64-0.77); in the
// fastest run 3.27 -> 2.94 CPU-s per million (raw 2.89 -> 2.69, feed 0.39
// -> 0.25). The box's speed drifted 1.7x between those runs (the same
// work took 3.27, 4.62 and 5.65), so whole-pipeline runs, one before and
// one after, cannot resolve a 10% change; README has the 20M-line pair.
// The chained five still cost most of what they did: their digests'
// merges, per value like the digests themselves.
//
// The larger lever, not taken: ingest building the digests in Go, so that
// ClickHouse only stores them. The state format is simple and was checked
// on 18.16: a varuint centroid count, then (mean Float32, count Float32)
// pairs sorted by mean (three values 0, 1, 2 serialize as 03, then
// 0.0 1.0, 1.0 1.0, 2.0 1.0); loading ready states costs ClickHouse a
// fifth of building them (above). What stops it is getting states in: the
// clickhouse-go driver (v2.50) has no AggregateFunction column, so a batch
// for a table with one fails on the server's header ("unsupported column
// type"), and so does an INSERT with inline TSV data sent with Exec (over
// the native protocol 18.16 answers it with the header and waits for
// blocks); ch-go cannot talk to 18.16 (package ingest); and 18.16 cannot
// turn anything the driver can send into a quantilesTDigest state: CAST
// from String is not supported (code 70), quantilesTDigestWeighted exists
// but its state is another type (a view writing it gets "Type mismatch",
// CAST between the two is not supported, and quantilesTDigestMergeState
// over it builds quantilesTDigest with both arguments: "require single
// argument").
//
// The HTTP way was then built and measured, and not merged (branch
// `digest`, 2026-12-05): a Go port of 18.16's QuantileTDigest giving the
// server's state byte for byte (its arithmetic and stable radix sort;
// checked against quantilesTDigestState for 1 to 100k values), sent as
// RowBinary over the HTTP interface into a Null digest feed whose views
// only copy rows into the seven tables, under its own ledger, attempts
// table and Kafka-loss rebuild, every latency view over raw rows dropped;
// all seven rollups equal, state for state, to the views' over raw rows.
// Measured on one server, the same 1.6M rows into migration 18 and into
// the branch's, merges stopped: ClickHouse 2.59 -> 2.31 CPU-s per
// million, and ingest pays 0.79 to build the states (240 ns a row with
// large groups, 800 with a group a row): a net loss of about 0.5. After
// migration 17's chains the latency views no longer cost enough to pay
// for building their states in Go. Option (b) of issue 14, a mergeable
// log-bucketed histogram (sums of bucket counts, exact merges, a stated
// relative error) would make both sides cheap (no centroid compression)
// but rewrites the perf tables and every latency query; not started.
//
// The histogram's server side, measured on 18.16 (2026-12-05, late
// night; the 4.7M raw rows of a `bench --fresh` run, dense as real
// traffic, grouped at perf_1m's grain into 1,040 groups, two states a
// row, one thread, wall seconds of the INSERT ... SELECT; the grouping
// alone 0.28): quantilesTDigestState 0.54-0.60, sumMapState of a 2%-wide
// log bucket ([bucket], [1]) 1.42; merging 10 overlapping parts of 10,260
// rows into 1,040 (OPTIMIZE FINAL): t-digest 0.140, sumMap 0.362 (its
// parts half the size). 18.16's sumMap state is a map of Fields, so a
// log-bucketed histogram the server builds or merges costs 2.6-3.5 times
// the t-digest; quantilesTimingState (a fixed histogram: absolute error,
// values clamped at 30,000 units) builds 25% and merges 30% cheaper but
// stores 2.2 times the bytes. None is the cheaper state; a histogram pays
// only if ingest builds it and the server merges it cheaply, which
// 18.16's sumMap does not.
//
// Option (b) was then taken in another form (migration 24, sketch.go):
// not a sumMap the server builds, but ClickHouse's own fixed histogram,
// quantileTiming, of a logarithm of the latency: a 1.2% bound on the
// value, exact merges, and cheaper than the t-digest to build from raw
// rows on both engines (18.16's sumMap figures above do not apply to it).
//
// Where ClickHouse's CPU goes now, by the figures above: the raw table
// and its ledgers, the latency views (two over raw rows, five chained),
// path_hits_1h and live_1s over raw rows, the feed's five tables. The
// levers left: a cheaper latency sketch (above), live_1s and path_hits_1h
// onto the feed (rows of another grain in it), and the feed on a
// cluster.
//
// # Measured again at migration 18 (2026-12-05, afternoon)
//
// The raw rows of a 3M-line `edgelog bench` (24h span: 13 customers, 40
// hosts, 76 servers, 8,160 paths), exported time-ordered and loaded by
// `INSERT ... SELECT` in eight 375k-row chunks into fresh databases on one
// 18.16 server, server process CPU per million rows, merges included
// (single runs; the box drifts by up to 10% between loads):
//
//   - raw table alone 2.2-2.3 (the chunks' SELECT included), its two
//     ledgers +0.12;
//   - live_1s +0.76, the largest single view at this span: 2.07M rows for
//     3M requests (35 requests a second of log time spread over customer
//     and region), so it writes almost a second raw table. At the goal's
//     density (506k/s) it keeps 78 rows a second and costs next to
//     nothing; the bench's default span is a catch-up of a small fleet;
//   - perf_1m and perf_geo_1h, the two latency views over raw rows,
//     +0.93 together (their five chained views come on top);
//   - path_hits_1h +0.17, edge_servers_1m +0.09.
//
// Two levers measured (the second taken later):
//
//   - LowCardinality(String) for the twelve low-cardinality string
//     columns of every table (18.16 needs allow_experimental_low_cardinality_type):
//     the whole load -0.32 CPU-s per million (-6%), the raw table
//     58 -> 44 bytes a request on disk. Not taken: 18.16 cannot ALTER a
//     key column's type (customer is in every ORDER BY), so it means new
//     tables and a copy; a view writing LowCardinality into a String
//     column fails ("Type mismatch ... while pushing to view"), so every
//     view would be rewritten with it; and ingest's String fast path
//     (package ingest, strcol.go) does not apply to LowCardinality.
//   - Blocks sorted by the raw table's key (customer, time) before the
//     INSERT: the raw-only load 2.24 -> 2.02 CPU-s per million (-10% of
//     the raw table, the server's sort skipped or cheap). Not taken then,
//     as ingest would have paid a permutation of every column; taken
//     since (2026-12-06): the permutation is applied where ingest fills
//     the driver's columns, string columns by their positions, for
//     about 20 ns a row, and the server, which checks a block's order before sorting
//     it, skips the sort (package ingest, order.go; 2.01 -> 1.74 CPU-s
//     per million for the raw INSERT with its views).
//
// And the digest branch again, at the goal's density (`edgelog bench
// --lines 3000000 --span 1m`, main and the branch alternated, two runs
// each): ClickHouse 2.76/3.79 (main) against 3.67/4.17 (branch), ingest
// 1.41/1.56 against 2.10/2.05, e2e 251k/211k against 192k/179k requests
// a second: a loss at dense traffic too.
//
// # Merges (2026-12-05, evening)
//
// The loads above measured INSERTs; in the 20M-line `edgelog bench` the
// server's background merges are a third of its CPU (its BackgrProcPool
// threads: 34.8 of 93 CPU-seconds in one run; `edgelog bench` now prints
// cpu_seconds_per_million_clickhouse_merges, 1.4-1.9, and
// clickhouse_merged_rows_per_request, 1.7-2.2). system.part_log of that
// run (51 INSERTs, merge seconds by table): the raw table 16.4 (18.7M rows
// in 6 merges: almost every row merged once, at about what writing it
// cost), traffic_1m 8.0, perf_1m 5.7, perf_all_1m 4.1, live_1s 3.3,
// perf_geo_1h 2.3, perf_geo_1d 1.2, perf_1h 1.1, path_hits_1h 0.8, the
// rest under 0.8 each. The seven latency tables' merges (15 s) cost as
// much as the raw table's: an AggregatingMergeTree merge rebuilds every
// t-digest state it reads, also for keys that meet no other (at the
// bench's 24h span an INSERT's rows are half an hour of log time, so
// parts hold disjoint minutes), 10-200 µs a row against 0.9 for a raw
// row. A cheaper latency state (the levers above) would take from merges
// as much as from INSERTs.
//
// # Where the server's CPU goes now (2026-12-05, night)
//
// perf of the 18.16 server for 45 s while ingest drained a 20M-line bench
// (after ingest's column changes; package ingest): LZ4 of every written
// part's columns 12-18%, the kernel about 30% (copying the written data
// into the page cache 3-17%, varying between runs; ext4 allocating inodes
// up to 12% when the run followed the deletion of a previous run's files,
// which `edgelog bench` no longer does; page clearing 3%), CityHash
// checksums of the compressed blocks 4-5%, writing String columns 2-4%.
// The server's own code (41-45%) spreads over many functions, most
// without symbols in Debian's build and none above 3.5%; the named
// aggregate functions are below 1% each. So a view's cost is now much
// in the part it writes, a file pair per column for each of about twenty
// tables on every INSERT, compressed and checksummed, and in the merges
// that rewrite them. Larger INSERTs (192 MiB
// partition batches: 28-30 INSERTs of 670k rows instead of 50-100 of
// 200-350k) halved the merges within the run (1.1 against 1.8-2.6 CPU-s
// per million) but mostly defer them: a larger part is merged later, not
// never. Fewer tables, or fewer columns per table, is what would cut both
// the writes and the merges.
//
// # Where it goes after the raw table's order (2026-12-06)
//
// Ingest now sends raw rows in the raw table's order (package ingest,
// order.go). Measured on the 18.16 server of a 20M-line bench (its rows of
// 06:00-06:28, 328,437, sorted, INSERT ... SELECT from a Memory table,
// background merges stopped, four INSERTs a step, views detached one set
// at a time), CPU-s per million requests: the raw INSERT with every view
// 1.55, of which the raw table 0.67, live_1s 0.21, path_hits_1h 0.09,
// edge_servers_1m under 0.03, the five chained latency views 0.18, the
// two latency views over raw rows 0.30, the three ledgers 0.09; the feed's
// INSERT about 0.2 more. Background merges (2.0-2.3 in the 20M-line runs)
// are now the larger half. What a merge costs a row, by OPTIMIZE FINAL of
// each table of that database (server CPU over the rows merged): the raw
// table 0.50 µs (29M rows, 14.5 s), live_1s 0.32, traffic_1m 0.81,
// path_hits_1h and edge_servers_1m 0.26, traffic_1h 1.2, and the latency
// tables 5.8 (perf_1m) to 28 (perf_geo_1d) µs, t-digest states merged and
// rewritten. With how often the bench's merges rewrote each table's rows
// (system.parts levels: the raw table 1.75 times, live_1s 3.8, traffic_1m
// 1.6), that is about 0.9 CPU-s per million for the raw table, 0.3 for
// live_1s, 0.15 for traffic_1m and 0.4-0.5 for the seven latency tables. The
// raw table's is the merge tree's own work on 376 uncompressed bytes a
// row; live_1s's is the bench's sparse log time (0.28 rows a request at
// a day in 20M lines); the latency tables' is the t-digest, again.
//
// # On both engines (2026-12-06)
//
// schema/conformance's BenchmarkSchemaCost (`make bench-schema-cost`)
// loads the same 10M generated requests into this schema on 18.16 and, in
// the modern dialect, on chDB (ClickHouse 26.5), merges stopped during the
// INSERTs and then done as one pass (every table's parts into one per
// partition: a fixed amount of work, where background merges measured as
// they happen varied by half from run to run). CPU-s per million
// requests, INSERTs + one merge pass, two runs: 18.16 2.7-3.1 at
// `edgelog bench`'s default density and 2.1-2.4 at `--span 1m`; modern
// 4.4-4.6 and 2.9-3.1. The raw table alone costs 0.5-0.7 to insert and
// 0.55-0.7 a rewrite on either engine, so with the 1.75 rewrites of a
// 20M-line bench it is about 1.5 by itself: issue 14's 2 for all of
// ClickHouse leaves the rollups half a CPU-second at that volume, less at
// a production day's. The modern dialect's rollups (LowCardinality keys,
// codecs) are what costs more there: the INSERTs 1.45-1.7 times 18.16's,
// the raw table alone only 1.2 times. README, performance, has the table.
//
// # Modern servers' rollups (migration 19, 2026-12-06)
//
// Two changes took most of that difference away, each measured apart on
// chDB with BenchmarkSchemaCost's knobs (EDGELOG_COST_ENGINE=modern,
// EDGELOG_COST_MODERN_SETTINGS; 3-6M rows, runs alternated): the rollups'
// string keys as String instead of LowCardinality(String) (migration 19,
// plainkeys.go: the merge pass 1.66-1.86 -> 1.29-1.44 CPU-s per million
// in every pair of runs), and ingest's INSERTs with optimize_on_insert = 0
// (package ingest, workerInsertSettings: the INSERTs 3.00-3.60 ->
// 2.35-2.71). Both together, against the schema before them, alternated
// twice at 6M rows: 4.58/5.06 -> 3.34/3.41 at edgelog bench's default
// density, and at `--span 1m` 2.80/2.88 against 2.91/3.09 (no difference
// there within the runs' spread: few rollup rows to write). In
// `make bench-schema-cost` (10M rows, one run, both engines): modern 3.52
// and 2.61 against 18.16's 3.37 and 2.18, where it was 4.42-4.62 and
// 2.90-3.10. The raw table keeps LowCardinality (plainkeys.go says why);
// compress_marks, compress_primary_key and sparse serialization turned off
// measured within the spread.
//
// # On a journaled file system (2026-12-07)
//
// The figures above were measured with both engines' data on this
// project's VMs' ext4 without a journal, where each file created searches
// past the inodes freed in the last minutes ("The server's CPU by
// function, and the file system under it", below), and the benchmark
// removes a database between each load and the next. With TMPDIR on a
// journaled ext4 (lab/bench/journaled-fs.sh; 10M rows, two runs): 18.16
// 1.79-1.89 at the bench's default density and 1.39-1.59 at `--span 1m`,
// modern 2.58-2.67 and 1.77-2.01 (the raw table alone 0.45-0.54 on 18.16,
// 0.90-1.03 on modern); at 3M rows and `--span 1m` modern measured
// 2.29-2.92 in three runs on the VM's ext4 and 1.69-1.83 in four on the
// journaled one. So on a server's file system ClickHouse is within issue
// 14's 2 with one merge pass (modern servers at `--span 1m` at the edge of
// it), except modern servers at the bench's sparse default, where the
// latency views' many small t-digest states are the largest share left
// (0.65-0.95 of about 2.5).
//
// # Vertical merges (2026-12-06, afternoon)
//
// The raw table's merges are 18.16's vertical ones (the key columns
// merged first, then each other column gathered alone), which its
// defaults choose for a merge of 131,072 rows and 11 columns or more; the
// Summing and Aggregating rollups cannot merge that way. Measured with
// enable_vertical_merge_algorithm = 0 in the server's config
// (BenchmarkSchemaCost, 18.16, 3M rows at the default density, alternated
// twice with the defaults): the raw table's merge pass 0.55/0.57 ->
// 0.93/1.03 CPU-s per million, the whole schema's 1.06/1.29 ->
// 1.53/1.68. The default is the cheaper; nothing to set.
//
// # The live counter by hour (migrations 20-21, 2026-12-06, evening)
//
// system.part_log of a 20M-line `edgelog bench` (part_log switched on in
// the server's config for the run; wall seconds of the merges, rows they
// read): the raw table 32.5 s (1.34 rows merged a request), traffic_1m
// 11.5, perf_1m 9.6, perf_all_1m 6.5 (128k rows: 50 µs a row, t-digest
// states), live_1s 6.0 (9.1M rows, 0.46 a request, more than any rollup).
// live_1s wrote a small part on every INSERT into one day partition, and
// 18.16's merge selector merges small parts with a low fan-in, so its
// rows were rewritten 3.8 times. In hour partitions (Live, partition id
// YYYYMMDDhh) a partition stops receiving parts once its hour is past:
// its two to four parts merge once or twice and rest. Measured: live's
// merges 2.3-2.7 s, 0.20-0.24 rows merged a request. Four runs of each,
// alternated (the first two pairs with part_log on in both): ClickHouse
// 4.25 / 4.07 / 3.90 / 4.59 -> 3.78 / 4.00 / 3.85 / 3.77 CPU-s per
// million requests (means 4.20 -> 3.85), its merges 1.88 / 1.75 / 1.87 /
// 2.05 -> 1.53 / 1.53 / 1.84 / 1.84, end to end 291k / 295k / 314k / 274k
// -> 309k / 296k / 302k / 314k requests a second. The runs spread by
// ±0.3 CPU-s per million, so the gain is the means' 0.35 at most, about
// what live_1s's merges cost. At the goal's density the table keeps
// about 78 rows a second against 506k raw rows, so the change matters
// where traffic is sparse (a small fleet, a catch-up), not at volume. The
// live counter reads the last seconds, which the hour partitions prune to
// one or two; retention drops an hour once it is a day old. Modern
// servers refuse a block that writes over 100 partitions of a table (100
// hours here), so ingest sends max_partitions_per_insert_block = 0 to
// them (package ingest, workerInsertSettings).
//
// Measured and not taken: a smaller merge pool (background_pool_size in
// the server's profile; 16 by default), one 20M-line run each: with 4
// threads the merges 1.43-1.55 CPU-s per million against 1.90-1.91 and
// fewer rows merged (1.9-2.1 a request against 2.5-2.7), but the raw
// table was left in 10 parts of level 0-1 where the default left 4-5 of
// levels up to 3: merges put off past the end of the run, not saved;
// with 2 threads the raw table was not merged at all (59 parts).
// Nor the minute rollups by hour (traffic_1m, perf_1m, perf_all_1m and
// edge_servers_1m; a build of it against main, two 20M-line runs
// alternated): ClickHouse 3.67 / 4.25 against 3.65 / 4.16 CPU-s per
// million, merges 1.66 / 1.58 against 1.68 / 1.72, 486 active parts at the
// end against 155-164: within the runs' spread, for three times the parts
// (an INSERT's rows span one or two hours, so it writes more parts), and
// 35 days of hours would be 840 partitions a table. Nor merges with
// direct I/O (min_merge_bytes_to_use_direct_io = 1 in the server's
// merge_tree settings, so merges bypass the page cache the kernel copies
// through; one pair of runs): ClickHouse 3.75, merges 1.80, against 3.60
// and 1.59.
//
// # Dictionary-coded raw strings (migration 22, 2026-12-06, night)
//
// perf of the 18.16 server for 40 s of a 20M-line `edgelog bench`: LZ4
// compressing the parts written and merged 16.4% of its samples (9.2 in
// the merge threads, 7.2 in the INSERT's), copies 8.3%, String columns'
// serialization 3.5%, the compressed blocks' checksums 2.9%, the kernel
// 15.7%. The raw table is most of those bytes (377 uncompressed a
// request; every other table together under 80), and seven of its String
// columns that no view reads hold few distinct values: user_agent (82
// bytes a request), referer 17, content_type 14, protocol 9, scheme 6,
// cache_status 4.5, method 4. Migration 22 (RawDictMigration) makes them
// LowCardinality(String) on single 18.16 servers, as modern servers have
// had them from the start; ingest sends each as a dictionary and a key a
// row, built from the wire's own dictionaries (package ingest, lccol.go).
//
// Measured, `edgelog bench --lines 20000000 --skip
// goaccess,kcat,clickhouse-client`, CPU-s per million requests:
//
//   - The server converting String columns to LowCardinality (ingest
//     unchanged, low_cardinality_allow_in_native_format = 0), two runs:
//     ClickHouse 3.78 / 4.08, merges 1.52 / 1.60: the merges shrink, the
//     INSERTs pay the conversion; no gain.
//   - clickhouse-go's own LowCardinality column, two runs: ClickHouse
//     3.33 / 3.50 (merges 1.49 / 1.53), but ingest 1.32 / 1.30, its
//     Append boxing every row into a map[any]int.
//   - This change (ingest's lcColumns), three runs alternated with the
//     build before: ClickHouse 3.67 / 3.30 / 3.59 (merges 1.55 / 1.53 /
//     1.46) against 4.08 / 4.35 (1.78 / 1.80), and 3.50-4.38 in five more
//     runs of the build before the same evening (mean of its seven 3.99,
//     merges 1.76); ingest 0.67-0.70 against 0.76-0.77; end to end 326k /
//     352k / 327k requests a second against 296k / 288k. The raw table on
//     disk 56.9 -> 49.3 bytes a request, every table 72.8 -> 65.1.
//   - At `--span 1m`, two pairs: ClickHouse 2.32 / 2.56 (merges 0.97 /
//     0.95) against 2.45 / 3.33 (1.13 / 1.25), ingest 0.60 / 0.61 against
//     0.68 / 0.69, 430k / 416k requests a second against 424k / 347k.
//
// The runs spread by about ±0.4 CPU-s per million (the build before ran
// 3.50-4.38 in seven runs, this one 4.17 in a fourth run with every
// baseline), so the gain is read from the merges, lower in every run, and
// the means: about 0.4 for ClickHouse and 0.08 for ingest. The ALTER
// itself rewrote the 20M rows of a bench (7.5 GB uncompressed) in 13.8 s,
// about 1.45M rows a second, INSERTs waiting meanwhile; `schema verify`
// was clean after it.
//
// What stayed String on 18.16 then: the columns views read (a view
// reading a LowCardinality column into a String one fails there) and
// customer, which is in the sorting key (18.16 cannot ALTER its type).
//
// # The raw strings views read (migration 23, 2026-12-06, night)
//
// Migration 23 (RawDictViewsMigration) makes those eight LowCardinality
// too (host, pop, region, server, country, path, src_file, src_stream)
// on a single 18.16 server: it makes the seven views over the raw table
// again, reading them through CAST(c AS String), then ALTERs the columns.
// customer stays String. After it the raw table is 106 uncompressed bytes
// a request (247 after migration 22, 377 before it; system.parts of a
// 20M-line bench's server before and after `edgelog schema migrate`).
//
// Measured, `edgelog bench --lines 20000000 --skip
// goaccess,kcat,clickhouse-client`, this change and the build before
// alternated (four runs and five), CPU-s per million requests:
// ClickHouse 3.12 / 3.32 / 2.83 / 3.67 (mean 3.24; merges 1.26-1.48, mean
// 1.39) against 3.16 / 3.53 / 3.18 / 3.35 / 3.80 (mean 3.40; merges mean
// 1.49); ingest 0.59-0.62 against 0.65-0.70 (lccol.go fills the eight
// from the wire's dictionaries as it does the seven); end to end 328k-386k
// requests a second against 310k-359k. The raw table on disk 49.3 -> 35.8
// bytes a request, every table 65.1 -> 51.6. As with migration 22, the
// runs spread by about ±0.4, so the means and the merges carry the
// ClickHouse figure: about -0.17.
//
// The migration's ALTER rewrote the 20M rows of a bench in 15.4 s (about
// 1.3M rows a second, the views' DDL included), INSERTs waiting;
// `edgelog schema verify` was clean after it, and new rows reach every
// view (TestRawDictViewsMigration, which fails without the casts: "Type
// mismatch for column region ... while pushing to view").
//
// Queries that read these columns where a String is wanted go through a
// cast on 18.16: VerifyLive's UNION ALL with the live counter (toString
// of a LowCardinality column stays LowCardinality there) and FeedFromRaw
// (Dialect.readRaw). Filters, GROUP BY and the API's reads of raw rows
// need none (the query and ingest tests run over the migrated table).
//
// # Where the server's CPU goes after migration 23 (2026-12-06, late night)
//
// A 20M-line `edgelog bench` with part_log and query_log switched on in
// the server's config for the run (ClickHouse 3.37 CPU-s per million
// requests, merges 1.53): the raw INSERTs with their views took 30.4
// CPU-seconds (1.52 per million; query_log's OSCPUVirtualTimeMicroseconds),
// the feed's INSERTs 5.3 (0.27: 2.58M feed rows, 0.13 a request at the
// bench's density), the merges the rest. The merges' wall seconds by
// table (part_log; merges share two cores, so only the shares mean
// anything): the raw table 25.7 (28.6M rows merged, 1.43 a request),
// the seven latency tables 31.9 together (perf_1m 12.7, perf_all_1m 7.6,
// perf_geo_1h 4.4, perf_1h 2.8, perf_geo_1d 2.5, perf_all_1h 1.1,
// perf_geo_all_1d 0.8), traffic_1m 12.6, live 2.8, traffic_1h 2.4,
// path_hits_1h 2.2, edge_servers_1m 1.2, every other table under 1.
//
// The views over raw rows, on one hour of that run's rows (980,662,
// ordered as ingest sends them, `INSERT ... SELECT` from a Memory table,
// merges stopped, CPU of each INSERT from query_log; CPU-seconds for
// those rows, about the same per million): with every view 1.36-1.42, the
// raw table alone 0.29-0.40, so the views are about three quarters of
// the raw INSERT. Their GROUP BYs alone (the same
// SELECTs over the same rows into FORMAT Null, three runs each): the live
// counter 0.17-0.25 (238k groups, a fourth of the rows at this density),
// path_hits_1h 0.10-0.13, the source ledger 0.10, edge_servers_1m 0.08,
// the raw ledger 0.05; writing the live counter's 238k rows 0.12 more.
// The two latency chains, views attached one at a time: perf_1m's four
// +0.25-0.40, perf_geo_1h's three +0.10-0.20 (single INSERTs vary by
// 0.1 here).
//
// Measured and not taken: grouping by the dictionary columns and casting
// the few result rows afterwards (no difference in any of the five
// views: 18.16 serializes multi-column keys either way);
// group_by_two_level_threshold raised above the live counter's groups
// (no difference); the two ledgers grouped by partition and offset, the
// rest taken with any() (source ledger 0.10 -> 0.07, raw ledger 0.05 ->
// 0.03: 0.05 CPU-s per million, not worth redefining the ledgers
// exactly-once rests on). What moving the live counter, path_hits_1h
// and edge_servers_1m onto the feed (rows of other grains in it) could
// save is at most their GROUP BYs, 0.37 per million at the bench's
// density, less what ingest would pay for three more groupings (about
// 0.1, by the feed's own cost a row) and the server for a quarter more
// feed rows a request: about 0.2, and next to nothing at the goal's
// density, where the live counter keeps 78 rows a second. Not taken.
// Where the rest is: the raw table (0.3 to write, about 0.5 to merge),
// the t-digest states (about 0.35 to build, 0.6 to merge), the feed and
// its five tables (0.27 to insert, 0.3 to merge).
//
// # The server's CPU by function, and the file system under it
//
// perf of the 18.16 server through 20M-line `edgelog bench` runs
// (2026-12-06 and -07, 99-299 Hz): LZ4_compress_fast_extState 9-13% of
// its samples (every part written, by INSERTs and merges, is compressed
// once per merge level), the kernel copying written pages 4.5-5%,
// memmove 3.3-5.3%, CityHash64 3.2-4% (the views' GROUP BYs), the
// serialization of multi-column string keys 2%, the compressed blocks'
// checksums (CityHash128) 1.2-1.9%. And in runs started right after
// another run's data had been removed, 25-31% in ext4's inode allocator
// (find_get_block_common, recently_deleted, find_inode_bit): without a
// journal, as on this project's VMs, ext4 walks past every inode freed in
// the last 60-360 seconds for each file created, and a 20M-line run's
// data is tens of thousands of files. With nothing removed in the minutes
// before, 0.1-0.2%; the server's CPU at the goal's density fell with it
// (2.59-2.88 CPU-s per million right after a removal, 1.82-2.09 without;
// lab/bench's settle.go, where `edgelog bench` now waits such removals
// out). A journaled ext4 or XFS, a server's usual file system, has no
// such walk.
// On a journaled ext4 (lab/bench/journaled-fs.sh, 2026-12-07) two whole
// 20M-line `edgelog bench` runs went at 504,482-526,692 requests a second
// with ClickHouse at 1.68-1.75 CPU-s per million (the kernel 0.16-0.19),
// against 491,206-519,807 and 1.78-1.91 (0.19-0.24) on the VM's ext4,
// alternated: the bench's own settling leaves little of the walk in it.
//
// Measured and not taken: writing young parts uncompressed (the
// server's <compression> cases: method none, lz4 once a merge's sources
// reach 256 MiB or half the table; 18.16 accepts both, checked part by
// part). Four runs against main's three, alternated on a noisy box and
// each right after a removal (both sides paid the walk above):
// ClickHouse 3.42 / 4.33 / 4.39 / 3.98 CPU-s per million against 3.71 /
// 4.28 / 3.49, with every table 66.6-90.8 bytes a request on disk at the
// end of a run against 51.5: the LZ4 it saves goes back into copying and
// checksumming four times the bytes, and more merges of larger parts.
//
// # Fewer, larger INSERTs (2026-12-07)
//
// What a block costs the server follows how many blocks there are: every
// INSERT writes a part per table and partition and runs every view, and
// every part is merged later. In the 20M-line bench ingest's two INSERT
// streams and 64 MiB batches sent 62-85 INSERTs of about 320k rows; one
// stream with 128 MiB / 500,000-row batches (ingest's new defaults, its
// combine.go and config.go) sends 23-27 of about 800k. ClickHouse at
// the bench's density 2.26-2.36 -> 1.74-1.94 CPU-s per million, its
// merges 1.00-1.11 -> 0.56-0.66 and rows merged a request 2.2-2.3 ->
// 1.3; at the goal's density with one stream 1.34 -> 1.07. The merges
// were the part that moved: the raw INSERTs and their views cost about
// the same per row in larger blocks.
package schema
