package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/edgelog/edgelog/schema"
)

// SourceLedgerWindow is how far back ingest reads the source ledger: a
// collector that re-sends a batch does so within minutes of the original,
// so older sources need not be held in memory.
const SourceLedgerWindow = 7 * 24 * time.Hour

// sourceLedger knows, per collector source, which messages of its latest
// batch are in ClickHouse. A collector ships batch after batch, each only
// once the previous one is wholly acknowledged, so on one partition every
// message of an earlier batch precedes every message of a later one. Within
// a batch, retried messages may land out of order, so the batch's
// messages are tracked one by one.
type sourceLedger map[string]*sourcePos

// sourcePos is a source's latest batch on a partition: where it ends in the
// file and which of its messages, by sequence number, were inserted.
type sourcePos struct {
	end  uint64
	seqs map[uint32]struct{}
}

// inserted reports whether message seq of the batch ending at end has
// been inserted already: it belongs to an earlier batch, or it is in the
// latest one.
func (l sourceLedger) inserted(src string, end uint64, seq uint32) bool {
	p := l[src]
	if p == nil {
		return false
	}
	if end != p.end {
		return end < p.end
	}
	_, ok := p.seqs[seq]
	return ok
}

// add records message seq of the batch ending at end as inserted.
func (l sourceLedger) add(src string, end uint64, seq uint32) {
	p := l[src]
	if p == nil || end > p.end {
		p = &sourcePos{end: end, seqs: map[uint32]struct{}{}}
		l[src] = p
	}
	if end == p.end {
		p.seqs[seq] = struct{}{}
	}
}

// sourceLedger reads, for each collector source that wrote to partition
// within SourceLedgerWindow, its latest batch and the messages of it that
// were inserted.
//
// GLOBAL IN: on a cluster the table is Distributed, and ClickHouse refuses
// a subquery over a Distributed table run again on every shard
// (distributed_product_mode = 'deny'); GLOBAL runs it once, over every
// shard, and ships its result to them, which is also the right answer: a
// source's latest batch is the latest on any shard. On one server it is a
// plain IN.
func (w *Worker) sourceLedger(ctx context.Context, partition int) (sourceLedger, error) {
	table := w.cfg.CH.Database + "." + schema.SourceLedgerTable
	q := fmt.Sprintf(`SELECT src_file, batch_end, groupUniqArray(seq) FROM %s
WHERE src_partition = ? AND src_stream IN (?, ?) AND inserted_at > now() - ?
  AND (src_file, batch_end) GLOBAL IN (
    SELECT src_file, max(batch_end) FROM %s
    WHERE src_partition = ? AND src_stream IN (?, ?) AND inserted_at > now() - ?
    GROUP BY src_file)
GROUP BY src_file, batch_end`, table, table)
	window := uint32(SourceLedgerWindow / time.Second)
	st := w.streamArgs()
	rows, err := w.conn.Query(ctx, q, uint16(partition), st[0], st[1], window, uint16(partition), st[0], st[1], window) // #nosec G115 -- Kafka partition ids are < 2^16 (the schema's src_partition is UInt16)
	if err != nil {
		return nil, fmt.Errorf("cannot read source ledger: %w", err)
	}
	defer rows.Close()
	l := sourceLedger{}
	for rows.Next() {
		var src string
		var end uint64
		var seqs []uint32
		if err := rows.Scan(&src, &end, &seqs); err != nil {
			return nil, err
		}
		for _, s := range seqs {
			l.add(src, end, s)
		}
	}
	return l, rows.Err()
}
