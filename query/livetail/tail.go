// Package livetail counts the live counter's seconds straight from the
// Kafka topic the collectors write, as their messages arrive, so the
// operations wall need not wait for ingest's batch and its INSERT (issue
// 23: a live p99 of 1 s at 80% of the maximum load).
//
// Why a reader of its own rather than figures from ClickHouse: a second
// reaches ClickHouse's live counter table after the collector's batch wait, ingest's
// (1 s by default, which keeps ClickHouse's cost per request down: fewer,
// larger INSERTs) and the INSERT; measured at 80% of the maximum the
// ClickHouse path shows a second 2.5-3.1 s after it ended (README,
// "Freshness"). Read from Kafka, the same second is countable after the
// collector's wait, the produce and the fetch (tens of milliseconds) and
// the lateness. ClickHouse stays the record: query.Store.Live answers every
// second up to ClickHouse's own watermark from schema.Live and the rollups,
// and only the seconds past it from here, so a figure shown from Kafka is
// replaced by ClickHouse's a few seconds later.
//
// What it counts is what ingest inserts: rows of valid time
// (record.ValidTime; ingest dead-letters the others), once per collector
// batch (a batch the collector sent twice, found by its source, offset and
// sequence headers as ingest's source ledger finds it, is counted once),
// nothing of a message that does not decode (ingest dead-letters it).
//
// When a second is complete: as in ClickHouse (query.Store.Watermark),
// rows of one partition arrive in offset order and run back in time by at
// most Lateness, so once every partition that delivered a message within
// Window has delivered a row Lateness past a second's end, nothing of that
// second can still come. A partition silent for longer than Window stops
// holding the watermark back; one that ClickHouse saw inserting within its
// window and the tail has not read yet holds the tail's answer back
// (State's need). The tail also knows where its own counting
// starts: it reads each partition from its end when it starts, and a row
// in a message before that may be up to Lateness past the first row it
// read, so it vouches only for seconds after every partition's first row
// plus the lateness (Coverage).
//
// Bounds: at most MaxKeys (second, customer, region) figures are kept
// (default 1M, about 100 MB at most); past it the oldest seconds are
// dropped and the coverage moves past them; seconds older than Keep
// behind the watermark (default 10 minutes) are dropped as it advances,
// the coverage moving past them too (a ClickHouse watermark stalled
// further back than that gets ClickHouse's answer, not a sum missing them).
// Each partition's reader prefetches at most 16 messages (kafka-go's
// queue), a message decodes to at most MaxDecodedBytes (wire.Decoder), and
// the collector batches remembered per partition for deduplication are
// at most DedupBatches (default 4096; the oldest forgotten first).
package livetail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/edgelog/edgelog/internal/kafkaconf"
	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/internal/wire"
)

// Defaults of Config.
const (
	DefaultWindow       = time.Minute
	DefaultKeep         = 10 * time.Minute
	DefaultMaxKeys      = 1 << 20
	DefaultDedupBatches = 4096
	// maxAhead is how far past the clock a row's time may be and still
	// move its partition's watermark: a server whose clock runs ahead
	// must not make the wall call seconds complete that have not
	// happened. Its rows are still counted, in their own second.
	maxAhead = time.Minute
	// rediscover is how often the topic's partitions are looked up again
	// (a topic grown by partitions is read in full within it).
	rediscover = 30 * time.Second
)

// Config configures a Tail.
type Config struct {
	Brokers []string
	Dialer  *kafka.Dialer
	Topic   string
	// Lateness is how far a partition's rows run back in time (the
	// collectors' batch wait and a margin), as query.Store.Lateness.
	Lateness time.Duration
	// Window: a partition with no message for this long does not hold
	// the watermark back (default DefaultWindow).
	Window time.Duration
	// Keep is how long behind the watermark seconds are kept (default
	// DefaultKeep).
	Keep time.Duration
	// MaxKeys bounds the (second, customer, region) figures kept
	// (default DefaultMaxKeys).
	MaxKeys int
	// DedupBatches bounds the collector batches remembered per partition
	// (default DefaultDedupBatches).
	DedupBatches int
	// MaxDecodedBytes bounds one message decoded (wire.Decoder; 0: its
	// default).
	MaxDecodedBytes int
	Log             *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
	// fromStart reads partitions from their first offset (tests).
	fromStart bool
}

// Scope is what a figure counts: the fleet (both empty), a customer, a
// region, or a customer in a region.
type Scope struct{ Customer, Region string }

type fig struct{ requests, bytes uint64 }

// figures are one second's, by customer, then region: nested maps so that
// a row's lookup by its bytes (m[string(b)]) copies nothing.
type figures map[string]map[string]*fig

// count is the (customer, region) figures held.
func (f figures) count() (n int) {
	for _, byRegion := range f {
		n += len(byRegion)
	}
	return n
}

// Tail counts per second, customer and region from the topic.
type Tail struct {
	cfg Config

	mu      sync.Mutex
	parts   map[int]*partState
	secs    map[int64]figures // unix second -> figures
	keys    int               // entries in secs
	dropped int64             // seconds before this were dropped by MaxKeys (unix s)
	kept    int64             // seconds before this were dropped by Keep (unix s)
}

// partState is what the tail knows of one partition.
type partState struct {
	// firstMs is the earliest valid row time of the first message read:
	// rows of earlier messages are at most Lateness past it.
	firstMs int64
	maxMs   int64     // the newest row read (within maxAhead of the clock; see Add)
	last    time.Time // when its last message was read
	seen    bool      // a message was read
	dedup   dedup
}

// New returns a Tail; Run reads the topic.
func New(cfg Config) *Tail {
	if cfg.Window <= 0 {
		cfg.Window = DefaultWindow
	}
	if cfg.Keep <= 0 {
		cfg.Keep = DefaultKeep
	}
	if cfg.MaxKeys <= 0 {
		cfg.MaxKeys = DefaultMaxKeys
	}
	if cfg.DedupBatches <= 0 {
		cfg.DedupBatches = DefaultDedupBatches
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Tail{cfg: cfg, parts: map[int]*partState{}, secs: map[int64]figures{}}
}

// Run reads every partition of the topic from its end until ctx ends,
// looking the partitions up again every 30 s.
func (t *Tail) Run(ctx context.Context) error {
	reading := map[int]bool{}
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		parts, err := t.partitions(ctx)
		if err != nil {
			t.cfg.Log.Warn("live tail: cannot look up the topic's partitions, retrying", "topic", t.cfg.Topic, "err", err)
		}
		for _, p := range parts {
			if reading[p] {
				continue
			}
			reading[p] = true
			wg.Add(1)
			go func() {
				defer wg.Done()
				t.read(ctx, p)
			}()
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(rediscover):
		}
	}
}

func (t *Tail) partitions(ctx context.Context) ([]int, error) {
	d := t.cfg.Dialer
	if d == nil {
		d = kafka.DefaultDialer
	}
	var errs []error
	for _, b := range t.cfg.Brokers {
		ps, err := d.LookupPartitions(ctx, "tcp", b, t.cfg.Topic)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out := make([]int, 0, len(ps))
		for _, p := range ps {
			out = append(out, p.ID)
		}
		return out, nil
	}
	return nil, errors.Join(errs...)
}

// read counts partition p's messages from its end when first read.
func (t *Tail) read(ctx context.Context, p int) {
	r := kafka.NewReader(kafkaconf.PartitionReader(t.cfg.Brokers, t.cfg.Dialer, t.cfg.Topic, p))
	defer r.Close()
	if !t.cfg.fromStart {
		// A reader without a group starts at the first offset
		// (ReaderConfig.StartOffset is for groups): the end, as said.
		if err := r.SetOffset(kafka.LastOffset); err != nil {
			t.cfg.Log.Warn("live tail: cannot seek to the end", "partition", p, "err", err)
			return
		}
	}
	// The customer and region columns only: paths, user agents and the
	// rest are read past, not copied.
	dec := wire.Decoder{MaxDecodedBytes: t.cfg.MaxDecodedBytes, OnlyStrings: 1<<record.Customer | 1<<record.Region}
	var blk record.Block
	for {
		msg, err := r.FetchMessage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			t.cfg.Log.Warn("live tail: fetch failed, retrying", "partition", p, "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(500 * time.Millisecond):
			}
			continue
		}
		blk.Reset()
		if err := dec.Decode(&blk, msg.Value); err != nil {
			continue // ingest dead-letters it: nothing of it is counted there either
		}
		src, end, seq := wire.SourceOf(msg.Headers)
		t.Add(p, &blk, src, end, seq)
	}
}

// Add counts one decoded message's rows for partition p; src, end and
// seq are its collector batch (wire.SourceOf; "" for none). Run calls it
// for every message it reads.
func (t *Tail) Add(p int, blk *record.Block, src string, end uint64, seq uint32) {
	now := t.cfg.Now()
	ahead := now.Add(maxAhead).UnixMilli()
	t.mu.Lock()
	defer t.mu.Unlock()
	ps := t.parts[p]
	if ps == nil {
		ps = &partState{dedup: newDedup(t.cfg.DedupBatches)}
		t.parts[p] = ps
	}
	ps.last = now
	if src != "" && !ps.dedup.add(src, end, seq) {
		return // a collector's batch sent again: counted the first time
	}
	customers, regions := &blk.Str[record.Customer], &blk.Str[record.Region]
	first, latest := int64(-1), int64(-1)
	var sec int64 = -1
	var cur figures
	var lastFig *fig
	var lastCust, lastRegion []byte
	for i, ms := range blk.TimeMs {
		if !record.ValidTime(ms) {
			continue
		}
		if first < 0 || ms < first {
			first = ms
		}
		if ms <= ahead && ms > latest {
			latest = ms
		}
		if s := ms / 1000; s != sec {
			sec, cur, lastFig = s, nil, nil
			if sec >= t.dropped {
				cur = t.second(sec)
			}
		}
		if cur == nil {
			continue // a second dropped by MaxKeys: the coverage is past it
		}
		cust, region := customers.Bytes(i), regions.Bytes(i)
		if lastFig == nil || !bytes.Equal(cust, lastCust) || !bytes.Equal(region, lastRegion) {
			byRegion := cur[string(cust)]
			if byRegion == nil {
				byRegion = map[string]*fig{}
				cur[string(cust)] = byRegion
			}
			f := byRegion[string(region)]
			if f == nil {
				f = &fig{}
				byRegion[string(region)] = f
				t.keys++
			}
			lastFig, lastCust, lastRegion = f, cust, region
		}
		lastFig.requests++
		lastFig.bytes += blk.BytesSent[i]
	}
	if !ps.seen && first >= 0 {
		ps.seen, ps.firstMs = true, first
	}
	if latest > ps.maxMs || (latest >= 0 && latest < ps.maxMs-t.cfg.Lateness.Milliseconds()) {
		// The newest row read; but rows that jump back further than the
		// lateness (a backlog, a clock set back) move the watermark back
		// with them, as ClickHouse's rule reading the latest INSERT does.
		ps.maxMs = latest
	}
	t.prune()
}

// second returns second s's figures, creating them.
func (t *Tail) second(s int64) figures {
	m := t.secs[s]
	if m == nil {
		m = figures{}
		t.secs[s] = m
	}
	return m
}

// prune drops seconds older than Keep behind the watermark (walking the
// seconds only when that cut has moved: once a second, not per message)
// and, past MaxKeys, the oldest seconds (moving the coverage past them).
func (t *Tail) prune() {
	if t.keys <= t.cfg.MaxKeys {
		if w, ok := t.watermarkLocked(); ok {
			if cut := w.Add(-t.cfg.Keep).Unix(); cut > t.kept {
				for s, m := range t.secs {
					if s < cut {
						t.keys -= m.count()
						delete(t.secs, s)
					}
				}
				t.kept = cut
			}
		}
		return
	}
	secs := slices.Sorted(maps.Keys(t.secs))
	for _, s := range secs {
		if t.keys <= t.cfg.MaxKeys*3/4 {
			break
		}
		t.keys -= t.secs[s].count()
		delete(t.secs, s)
		t.dropped = max(t.dropped, s+1)
	}
}

// State is what the tail can vouch for now.
type State struct {
	// At is the watermark: every second before it is complete here.
	At time.Time
	// From is where the tail's counting starts: seconds at or after it
	// and before At are counted whole.
	From time.Time
}

// State returns the tail's watermark and coverage. ok is false while no
// partition has delivered a message within the window, or while one of
// need has not: the partitions ClickHouse saw inserting within its own
// window (query.Store passes them), whose rows may be in flight here
// though the tail has read none of them yet (at its start, or when a
// partition wakes).
func (t *Tail) State(need []int) (State, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.cfg.Now()
	for _, p := range need {
		if ps := t.parts[p]; ps == nil || !ps.seen || now.Sub(ps.last) > t.cfg.Window {
			return State{}, false
		}
	}
	at, ok := t.watermarkLocked()
	if !ok {
		return State{}, false
	}
	// Seconds dropped by either bound are not counted any more.
	from := time.Unix(max(t.dropped, t.kept), 0)
	for _, ps := range t.parts {
		if !ps.seen {
			continue
		}
		// Rows before the first read are at most Lateness past its
		// earliest row: from the next whole second after that.
		c := time.UnixMilli(ps.firstMs).Add(t.cfg.Lateness).Truncate(time.Second).Add(time.Second)
		if c.After(from) {
			from = c
		}
	}
	return State{At: at.UTC(), From: from.UTC()}, true
}

func (t *Tail) watermarkLocked() (time.Time, bool) {
	now := t.cfg.Now()
	var minMs int64 = -1
	for _, ps := range t.parts {
		if !ps.seen || now.Sub(ps.last) > t.cfg.Window {
			continue
		}
		if minMs < 0 || ps.maxMs < minMs {
			minMs = ps.maxMs
		}
	}
	if minMs < 0 {
		return time.Time{}, false
	}
	return time.UnixMilli(minMs).Add(-t.cfg.Lateness).Truncate(time.Second), true
}

// Sum returns the requests and bytes of scope in the seconds [from, to).
// The caller asks only for seconds State vouches for.
func (t *Tail) Sum(sc Scope, from, to time.Time) (requests, bytesOut uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	add := func(byRegion map[string]*fig) {
		for region, f := range byRegion {
			if sc.Region == "" || region == sc.Region {
				requests += f.requests
				bytesOut += f.bytes
			}
		}
	}
	for s := from.Unix(); s < to.Unix(); s++ {
		if sc.Customer != "" {
			add(t.secs[s][sc.Customer])
			continue
		}
		for _, byRegion := range t.secs[s] {
			add(byRegion)
		}
	}
	return requests, bytesOut
}

// Topic is the topic the tail reads.
func (t *Tail) Topic() string { return t.cfg.Topic }

// String describes the tail for logs.
func (t *Tail) String() string {
	return fmt.Sprintf("live tail of %s (lateness %s)", t.cfg.Topic, t.cfg.Lateness)
}
