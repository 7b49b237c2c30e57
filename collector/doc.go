// Package collector ships one edge server's access logs to Kafka. Its
// inputs are files (paths or globs, each followed through rotation with its
// own checkpoint; new files matching a glob are found by polling), stdin,
// syslog over UDP and TCP (see package syslog) and whole historical files
// (import: plain, gzip, zstd). Each line is parsed, enriched (customer from
// the host, region from the PoP, country and ASN from .mmdb files), batched
// per customer into the columnar wire format (zstd), and produced with
// acknowledgement from all in-sync replicas.
//
// Configuration is a YAML file (LoadConfig: strict, defaults first, then
// Validate), overridden by EDGELOG_* variables (ApplyEnv) and flags. Reload
// (SIGHUP in the command) swaps the host mapping and GeoIP databases.
//
// # Delivery guarantees, per input
//
// Files: at-least-once into Kafka, exactly-once into ClickHouse. A file's
// checkpoint moves only after Kafka acknowledged every line before it. A
// crash after Kafka acknowledged a batch but before the checkpoint was
// written re-sends that batch on restart, cut at the same journaled offsets
// into the same messages, and ingest's source ledger skips them (see package
// ingest).
//
// Import: no checkpoint; an interrupted import is run again. Its batches
// are cut by row count only, so a re-run sends the same messages and ingest
// skips those it has.
//
// Stdin and syslog: nothing can be re-read, so what the collector holds in
// memory when it crashes (the batch being filled, at most BatchRows lines
// or BatchWait of traffic, plus the two batches in flight) is lost; with a
// spool (fsync on, the default) a batch is safe once spooled. UDP syslog
// also loses what the kernel drops when its socket buffer is full (the
// collector stops reading when its inputs are paused). Batches carry a
// source id unique to the run, so a spooled batch re-sent after a crash is
// still recognised by ingest.
//
// # Backpressure and the spool
//
// At most two batches are in flight. Without a spool, while Kafka is down
// the collector retries and the inputs wait. With a spool (Spool.Dir), a
// batch Kafka does not take within Spool.After goes to disk, later batches
// queue behind it in order, and a drain loop produces them oldest first when
// Kafka is back. When the spool reaches Spool.MaxBytes the inputs pause.
// Checkpoints still move only at Kafka's acknowledgement; on start, batches
// a previous run spooled are delivered before files are read again.
//
// # Files, globs and rotation
//
// A file is read by one Tailer at a time whatever name reaches it: a glob
// such as access.log* matches the file again as access.log.1 after rename
// rotation, and the Tailer started for that name waits until the Tailer of
// access.log has drained the file, then reads on from where it stopped
// (tail.Registry; identity = inode and first-line fingerprint). After a
// restart, a checkpoint's file is finished by the path that checkpointed it.
// A Tailer whose file is deleted stops once it has read it to the end; its
// path is matched again for a new file, and its checkpoint entry is dropped
// ForgetDeleted later. A file read from its middle (from a checkpoint, or
// taken over after rotation) first gives its parser the directive lines of
// its first 4 KiB: a W3C file's columns are named by its #Fields line.
//
// Copytruncate rotation into a name the glob matches (access.log copied to
// access.log.1, a new inode, then emptied) reads each line once: a file not
// seen before whose first 4 KiB agree with those of a file the collector
// reads, over whole lines that include a request line (W3C directives, the
// same in every file of a layout, do not count), is its copy. A copy of a
// file truncated or deleted lately is read from where that file's reader
// stopped, so lines written just before the copy come from the copy, and
// the rest of it is not read again; a copy found before the truncation, or
// before its reader noticed it, waits for it. The checkpoint keeps the sum
// of each file's head: when a checkpoint's file was copied and truncated
// while the collector was down, its path's Tailer finishes the copy from
// the checkpoint, cutting and naming batches as before the stop (after a
// crash, batches sent again are identical and ingest skips them), unless
// the copy has a checkpoint of its own. A copy whose original is still in
// place 5 s after the copy was last written (cp access.log other.log) is
// no rotation: it is read as a file of its own, from its start, and its
// lines are shipped twice; a file that merely starts like another is never
// skipped.
//
// The Tailer of a rotated file's new name that took it over (by rename or
// as a copy) checkpoints that position once the lines before it are
// acknowledged, even when nothing is left to read there, so a restart does
// not read the file again. Its batches of the file are journaled from that
// position on, after the old name's batches of the lines before it: the
// first line it takes over waits (at most BatchWait and a second) until
// those are journaled. So after kill -9 in the moments after a rotation
// (the old name's last batches in the spool or in flight, the new name's
// first ones journaled), the spool delivers the old name's batches and the
// new name re-cuts its own from the hand-over position: each line is kept
// once by ingest. When several checkpoints name one file on start, the path
// whose journal reaches furthest into it goes on with it. Files that no
// discovery scan finds any more and no Tailer holds are forgotten after
// three rounds, so the registry stays bounded however many files are
// rotated and deleted.
//
// Limits: lines logrotate's copytruncate writes between its copy and its
// truncation are lost (they are in neither file); that is copytruncate's
// own race, which rename rotation (create) does not have. When the old
// name's last lines of a rotated file leave no batch (W3C directives), the
// new name journals the file from its start after that wait, and a kill -9
// before its first batch is acknowledged sends the file's lines twice under
// a source id ingest cannot match. If the old name's reader stalled longer
// than the wait with its last batch of the file not cut (never seen: a
// blocked send keeps its place in the ship channel), a kill -9 after the new
// name's first batch was acknowledged would lose that last batch.
//
// Bad lines never stop the collector: each is counted and written to the
// dead-letter sink with its reason, source and offset; so is a line whose
// row would not fit in one Kafka message.
//
// # Bounds
//
// Every input is bounded whatever its sender does (defaults in
// parentheses; each is tested):
//   - a line: max_line_bytes (1 MiB) in files, stdin, imports and every
//     syslog framing; a longer one is skipped to its newline (or frame end)
//     and dead-lettered once as oversize.
//   - syslog over TCP: max_connections (256) concurrent connections,
//     idle_timeout (5m) without a message started, read_timeout (30s) for
//     one message; allow limits the source networks (any; a warning is
//     logged when the input listens beyond loopback without it).
//   - imports: a zstd file's window at most 128 MiB (MaxImportZstdWindow,
//     as a Kafka message's decoded size); gzip's is 32 KiB by design.
//   - the spool: spool.max_bytes (1 GiB); a Kafka message:
//     max_message_bytes (1,000,000).
//
// # Layout
//
// This package is the collector's wiring, about 2,000 lines: config and its
// file (config.go, configfile.go), the inputs (inputs.go, import.go), the
// read loop (read.go) and the ship loop with checkpoints and spool
// (ship.go). They share the Collector's state (in-flight batches, pause,
// metrics), so they stay in one package; every part that is pure or has its
// own state machine is a sub-package: tail, checkpoint, format/*, enrich,
// geo, batch (per-customer batching and message cutting), spool, syslog.
package collector
