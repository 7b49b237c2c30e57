package livetail

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/internal/wire"
	"github.com/edgelog/edgelog/lab/engines/broker"
)

// base is a whole second well inside record.ValidTime.
var base = time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)

// rows builds a block of n rows of customer and region, stamped from
// base+fromMs one stepMs apart, each of 100 bytes.
func rows(customer, region string, n int, fromMs, stepMs int64) *record.Block {
	var b record.Block
	for i := range n {
		var r record.Record
		r.TimeMs = base.UnixMilli() + fromMs + int64(i)*stepMs
		r.BytesSent = 100
		r.Str[record.Customer] = []byte(customer)
		r.Str[record.Region] = []byte(region)
		b.Append(&r)
	}
	return &b
}

// clock is a settable clock for Config.Now.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestCountsAndWatermark(t *testing.T) {
	c := &clock{t: base.Add(10 * time.Second)}
	tl := New(Config{Lateness: 600 * time.Millisecond, Now: c.now})
	if _, ok := tl.State(nil); ok {
		t.Fatal("a state before any message")
	}
	// Partition 0: acme/eu 0.0 s .. 4.9 s, one row each 100 ms; partition
	// 1: beta/us 0.5 s .. 2.9 s, one row each 50 ms.
	tl.Add(0, rows("acme", "eu", 50, 0, 100), "f0", 100, 0)
	tl.Add(1, rows("beta", "us", 49, 500, 50), "f1", 100, 0)
	st, ok := tl.State([]int{0, 1})
	if !ok {
		t.Fatal("no state")
	}
	if _, ok := tl.State([]int{0, 1, 2}); ok {
		t.Error("a state though partition 2, inserting in ClickHouse, was not read")
	}
	// Partition 1's latest row 2.9 s, less 600 ms: 2.3 s, whole: 2 s.
	if want := base.Add(2 * time.Second); !st.At.Equal(want) {
		t.Errorf("watermark %s, want %s", st.At, want)
	}
	// Partition 1's first row 0.5 s plus the lateness, the next whole
	// second: 2 s.
	if want := base.Add(2 * time.Second); !st.From.Equal(want) {
		t.Errorf("coverage from %s, want %s", st.From, want)
	}
	sum := func(sc Scope, from, to int) uint64 {
		r, b := tl.Sum(sc, base.Add(time.Duration(from)*time.Second), base.Add(time.Duration(to)*time.Second))
		if b != 100*r {
			t.Errorf("%+v [%d, %d): %d bytes for %d requests", sc, from, to, b, r)
		}
		return r
	}
	for _, c := range []struct {
		sc       Scope
		from, to int
		want     uint64
	}{
		{Scope{}, 0, 5, 99},
		{Scope{}, 1, 2, 10 + 20},
		{Scope{Customer: "acme"}, 0, 5, 50},
		{Scope{Region: "us"}, 2, 3, 19}, // 2.0 .. 2.9
		{Scope{Customer: "acme", Region: "us"}, 0, 5, 0},
	} {
		if got := sum(c.sc, c.from, c.to); got != c.want {
			t.Errorf("%+v [%d, %d): %d requests, want %d", c.sc, c.from, c.to, got, c.want)
		}
	}

	// A collector's batch sent again is counted once; another batch of
	// the same source is counted.
	tl.Add(1, rows("beta", "us", 10, 3000, 100), "f1", 200, 0)
	tl.Add(1, rows("beta", "us", 10, 3000, 100), "f1", 200, 0)
	tl.Add(1, rows("beta", "us", 10, 3000, 100), "f1", 200, 1)
	if got := sum(Scope{Region: "us"}, 3, 4); got != 20 {
		t.Errorf("re-sent batch: %d requests in second 3, want 20", got)
	}
	// Rows of impossible time are not counted (ingest dead-letters them)
	// and move nothing.
	bad := rows("acme", "eu", 2, 0, 1)
	bad.TimeMs[0], bad.TimeMs[1] = -5, 1<<62
	tl.Add(0, bad, "f0", 300, 0)
	if got := sum(Scope{Customer: "acme"}, 0, 5); got != 50 {
		t.Errorf("invalid times counted: %d", got)
	}
	// Partition 1 now runs to 3.9 s: the watermark is still its own,
	// 3.9 s less 600 ms, whole.
	if st, _ := tl.State(nil); !st.At.Equal(base.Add(3 * time.Second)) {
		t.Errorf("watermark %s, want partition 1's 3 s", st.At)
	}
	// A row far ahead of the clock is counted but moves nothing.
	tl.Add(0, rows("acme", "eu", 1, int64(2*time.Hour/time.Millisecond), 1), "f0", 400, 0)
	tl.Add(1, rows("beta", "us", 1, 5500, 1), "f1", 300, 0)
	if st, _ := tl.State(nil); !st.At.Equal(base.Add(4 * time.Second)) {
		t.Errorf("a row two hours ahead moved the watermark to %s", st.At)
	}
	// Rows that jump back in time further than the lateness (a backlog)
	// take the partition's watermark back with them; within it, not.
	tl.Add(1, rows("beta", "us", 1, 5200, 1), "f1", 310, 0)
	if st, _ := tl.State(nil); !st.At.Equal(base.Add(4 * time.Second)) {
		t.Errorf("a row 300 ms back moved the watermark to %s", st.At)
	}
	tl.Add(1, rows("beta", "us", 1, 2000, 1), "f1", 320, 0)
	if st, _ := tl.State(nil); !st.At.Equal(base.Add(1 * time.Second)) {
		t.Errorf("rows 3.5 s back: watermark %s, want 1 s", st.At)
	}
	tl.Add(1, rows("beta", "us", 1, 5500, 1), "f1", 330, 0)
	// A partition silent for over the window holds nothing back.
	c.t = c.t.Add(2 * time.Minute)
	tl.Add(0, rows("acme", "eu", 1, 9000, 1), "f0", 500, 0)
	if st, _ := tl.State(nil); !st.At.Equal(base.Add(8 * time.Second)) {
		t.Errorf("partition 1 idle: watermark %s, want partition 0's 8 s", st.At)
	}
}

// TestBounds: past MaxKeys the oldest seconds go and the coverage moves
// past them; seconds older than Keep behind the watermark go; the
// deduplication ring forgets the oldest batch.
func TestBounds(t *testing.T) {
	c := &clock{t: base.Add(time.Hour)}
	tl := New(Config{Lateness: time.Second, Now: c.now, MaxKeys: 40, Keep: time.Hour, DedupBatches: 2})
	for s := range 50 {
		tl.Add(0, rows("acme", "eu", 1, int64(s)*1000, 1), "f", uint64(s), 0)
	}
	if tl.keys > 40 {
		t.Errorf("%d figures kept, bound 40", tl.keys)
	}
	st, _ := tl.State(nil)
	if st.From.Before(base.Add(10 * time.Second)) {
		t.Errorf("coverage from %s: seconds were dropped after it", st.From)
	}
	if r, _ := tl.Sum(Scope{}, st.From, st.At); r != uint64(st.At.Sub(st.From)/time.Second) {
		t.Errorf("%d requests in the covered seconds [%s, %s), want one a second", r, st.From, st.At)
	}
	// Keep: an hour later, seconds over a minute behind the watermark go.
	tl2 := New(Config{Lateness: time.Second, Now: c.now, Keep: time.Minute})
	tl2.Add(0, rows("acme", "eu", 1, 0, 1), "f", 1, 0)
	tl2.Add(0, rows("acme", "eu", 1, int64(10*time.Minute/time.Millisecond), 1), "f", 2, 0)
	if len(tl2.secs) != 1 || tl2.keys != 1 {
		t.Errorf("%d seconds, %d figures kept; want the latest only", len(tl2.secs), tl2.keys)
	}
	// The tail no longer vouches for the seconds it dropped: a ClickHouse
	// watermark stalled behind them gets ClickHouse's answer.
	// (Its watermark 9:59 in, less the minute kept: seconds before 8:59.)
	cut := base.Add(8*time.Minute + 59*time.Second)
	if st, _ := tl2.State(nil); st.From.Before(cut) {
		t.Errorf("coverage from %s though the seconds before %s were dropped", st.From, cut)
	}
	// Two batches remembered: the third pushes the first out.
	d := newDedup(2)
	for i, want := range []bool{true, false, true, true, true} {
		end := []uint64{1, 1, 2, 3, 1}[i]
		if got := d.add("f", end, 0); got != want {
			t.Errorf("add %d (end %d): %v, want %v", i, end, got, want)
		}
	}
}

// TestReadsTheTopic runs the tail against the embedded broker: every
// partition read, figures as produced, a message that does not decode
// skipped.
func TestReadsTheTopic(t *testing.T) {
	b, err := broker.Start(broker.Config{Partitions: 2, Topics: []string{"requests"}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := &clock{t: base.Add(time.Minute)}
	tl := New(Config{Brokers: []string{b.Addr()}, Topic: "requests", Lateness: 500 * time.Millisecond, Now: c.now, fromStart: true})
	done := make(chan error, 1)
	go func() { done <- tl.Run(ctx) }()
	toKey := kafka.BalancerFunc(func(m kafka.Message, _ ...int) int { p, _ := strconv.Atoi(string(m.Key)); return p })
	w := &kafka.Writer{Addr: kafka.TCP(b.Addr()), Topic: "requests", Balancer: toKey, RequiredAcks: kafka.RequireAll, BatchTimeout: time.Millisecond}
	defer w.Close()
	var enc wire.Encoder
	var msgs []kafka.Message
	// Each partition's rows in time order: acme then gamma to partition
	// 0, beta then delta to 1, each 2.5 s of rows 50 ms apart.
	for i, cust := range []string{"acme", "beta", "gamma", "delta"} {
		blk := rows(cust, "eu", 50, int64(i/2)*2500, 50)
		h := wire.AppendSource(wire.BatchHeaders("test", blk.Len()), []byte("file-"+cust), []byte("100"), 0)
		msgs = append(msgs, kafka.Message{Key: []byte(strconv.Itoa(i % 2)), Value: enc.Encode(nil, blk), Headers: h})
	}
	msgs = append(msgs, kafka.Message{Key: []byte("0"), Value: []byte("not a wire message")})
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		t.Fatal(err)
	}
	for {
		if st, ok := tl.State([]int{0, 1}); ok {
			// Whatever the watermark, every second before it is whole.
			want := uint64(0)
			for i := range 4 {
				for j := range 50 {
					if ms := int64(i/2)*2500 + int64(j)*50; ms < st.At.Sub(base).Milliseconds() {
						want++
					}
				}
			}
			if r, _ := tl.Sum(Scope{}, base, st.At); r != want {
				t.Fatalf("%d requests before %s, want %d", r, st.At, want)
			}
			if st.At.Equal(base.Add(4 * time.Second)) {
				if r, _ := tl.Sum(Scope{Customer: "gamma"}, base, base.Add(5*time.Second)); r != 50 {
					t.Fatalf("gamma: %d requests, want 50", r)
				}
				break
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the tail never reached 4 s: %v", ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}

	// A tail started now reads from each partition's end: the messages
	// above are not counted, the ones written after it started are.
	tail2 := New(Config{Brokers: []string{b.Addr()}, Topic: "requests", Lateness: 500 * time.Millisecond, Now: c.now})
	done2 := make(chan error, 1)
	go func() { done2 <- tail2.Run(ctx) }()
	for s := int64(10); ; s++ {
		blk := rows("epsilon", "eu", 10, s*1000, 100)
		h := wire.AppendSource(wire.BatchHeaders("test", blk.Len()), []byte("file-epsilon"), []byte(strconv.FormatInt(s, 10)), 0)
		if err := w.WriteMessages(ctx, kafka.Message{Key: []byte("0"), Value: enc.Encode(nil, blk), Headers: h}); err != nil {
			t.Fatal(err)
		}
		if st, ok := tail2.State([]int{0}); ok {
			if r, _ := tail2.Sum(Scope{}, base, base.Add(10*time.Second)); r != 0 {
				t.Fatalf("the new tail counted %d requests written before it started", r)
			}
			if st.From.Before(base.Add(11 * time.Second)) {
				t.Fatalf("the new tail vouches from %s, before its first row", st.From)
			}
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the new tail read nothing: %v", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
	cancel()
	for _, d := range []chan error{done, done2} {
		if err := <-d; err != nil {
			t.Fatal(err)
		}
	}
}
