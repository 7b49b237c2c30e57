package query

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/edgelog/edgelog/query/api"
	"github.com/edgelog/edgelog/query/livetail"
	"github.com/edgelog/edgelog/schema"
)

// Defaults of the live counter's watermark (Store.Lateness,
// Store.WatermarkWindow).
const (
	// DefaultLateness is how far rows of one Kafka partition may arrive
	// out of time order: a collector ships each customer's rows a batch
	// wait (250 ms by default) after the first, so a partition may hold a
	// row up to one batch wait older than rows inserted before it. Set it
	// to the collectors' batch wait plus a margin (100 ms here: the
	// produce, the fetch and the collector's read, each a few ms).
	DefaultLateness = 350 * time.Millisecond
	// DefaultWatermarkWindow is how recently a partition must have
	// inserted to hold the watermark back: a partition with no INSERT for
	// this long is taken for idle.
	DefaultWatermarkWindow = time.Minute
)

// Watermark returns the end of the last complete second: every Kafka
// partition (of every stream) that inserted in the last WatermarkWindow
// has landed a row at least Lateness past it in an INSERT visible in every
// table (see below). Rows of one partition land
// in offset order, and within a partition time runs at most Lateness
// backwards, so nothing of an earlier second can still arrive. The rows
// behind it are in every rollup too (the same INSERT fills them), so a
// minute that ends at or before it is complete in traffic_1m.
//
// The rule's limits, stated: a partition whose ingest stalls for longer
// than WatermarkWindow stops holding the watermark back; a partition idle
// for longer than the window (or idle when its owner was assigned it) that
// wakes is not waited for until its first INSERT lands; and when no
// partition inserted within the window, the latest row landed before it
// (less the lateness) is taken for the watermark (idleWatermark), a
// partition waking with rows older than that not waited for. Each is read
// from the ingest_watermark table (schema.WatermarkTable), a few rows per
// INSERT, kept a day.
func (s *Store) Watermark(ctx context.Context) (time.Time, error) {
	wm, err := s.watermark(ctx)
	return wm.at, err
}

// watermarkState is the watermark with what the wall says of it.
type watermarkState struct {
	at time.Time
	// now is ClickHouse's clock when it was read.
	now time.Time
	// idle: no partition inserted within the window, so at is the last
	// second that landed (idleWatermark) and holds until rows come.
	idle bool
	// active are the partitions inserting or claimed within the window,
	// "<stream>#<partition>" (the live tail must have read each).
	active []string
}

func (s *Store) watermark(ctx context.Context) (watermarkState, error) {
	lateness, window := s.Lateness, s.WatermarkWindow
	if lateness <= 0 {
		lateness = DefaultLateness
	}
	if window <= 0 {
		window = DefaultWatermarkWindow
	}
	var minMs uint64
	var parts, cold uint64
	var now time.Time
	var active []string
	// Per partition the latest INSERT's row time when its watermark row
	// was written by the view that runs last (visible_last = 1, see
	// schema.WatermarkView): a raw INSERT's views run one after the other
	// in name order, each table's rows visible once its view has run, so
	// that row is visible only once the INSERT's live counter and traffic_1m
	// rows are. Otherwise (rows from before migration 16, a cluster, a
	// modern server) the second-latest INSERT's: its row may be visible
	// before the other tables' rows of the same INSERT, and a partition's
	// INSERTs run one after the other, so the one before the latest has
	// landed in every table. (Reading the latest that way: `edgelog bench
	// --fresh` at 117k requests/s saw a second 7.9% short.) Row times are
	// taken distinct: while migration 16 runs, both views write a row per
	// INSERT. The latest row's flag is read from max(time*2 + flag): a
	// flagged copy of the latest time wins over an unflagged one.
	//
	// A partition with a single INSERT in the window has just started
	// (or woken): others may be about to insert their first rows, of the
	// same seconds (at a start, the partitions' first batches reach the
	// inserter one INSERT apart). While one is, the watermark holds where
	// it was (or, with none yet, at idleWatermark's answer): a second is not
	// called complete before every partition that has rows of it could
	// have inserted them. (`edgelog bench --fresh` at its start saw the
	// first second 70-77% short without this.)
	//
	// A partition with no INSERT in the window whose owner claimed it
	// (ingest's claim.go: a row of max_time_ms 0, a stamp in rows, even
	// for a claim, odd for a release) holds it the same way until its
	// first INSERT: an owner still reading its ledgers while others
	// insert (CI once saw a second 16% short at a stack's start).
	q := fmt.Sprintf(`SELECT minIf(m, length(t) > 0), countIf(length(t) > 0), countIf(length(t) = 1 OR (length(t) = 0 AND c > 0 AND bitAnd(c, 1) = 0)), now(),
  groupArrayIf(concat(src_stream, '#', toString(src_partition)), length(t) > 0 OR (c > 0 AND bitAnd(c, 1) = 0)) FROM (
SELECT src_stream, src_partition, arrayFilter(x -> x > 0, arrayReverseSort(groupUniqArray(max_time_ms))) AS t,
  bitAnd(max(max_time_ms * 2 + visible_last), 1) AS last_ok,
  if(last_ok = 1 OR length(t) < 2, t[1], t[2]) AS m,
  maxIf(rows, max_time_ms = 0) AS c
FROM %s.%s
WHERE inserted_at >= now() - ?
GROUP BY src_stream, src_partition)`, s.DB, schema.WatermarkTable)
	if err := s.QueryRow(ctx, q, uint32(window/time.Second)).Scan(&minMs, &parts, &cold, &now, &active); err != nil { // #nosec G115 -- a window of seconds, set by the operator
		return watermarkState{}, fmt.Errorf("cannot read the ingest watermark: %w", err)
	}
	st := watermarkState{now: now, idle: parts == 0, active: active}
	if cold > 0 {
		if held := s.lastWatermark.Load(); held != 0 {
			st.at = time.Unix(held, 0).UTC()
			return st, nil
		}
	}
	if cold > 0 || parts == 0 {
		w, err := s.idleWatermark(ctx, window, lateness, now)
		if err != nil {
			return watermarkState{}, err
		}
		s.lastWatermark.Store(w.Unix())
		st.at = w
		return st, nil
	}
	st.at = time.UnixMilli(int64(minMs)).Add(-lateness).Truncate(time.Second).UTC() // #nosec G115 -- a row time in ms, record.ValidTime
	// Held where it was only while a partition is cold: otherwise the
	// rule's answer.
	s.lastWatermark.Store(st.at.Unix())
	return st, nil
}

// idleWatermark is the watermark when no partition counts (none inserted
// in the window, or one is cold and nothing is held yet, as at the query
// service's start): the latest row time landed by INSERTs older than the
// window, less the lateness (the partitions that wrote them have been
// idle since, and rows of one partition run at most Lateness back in
// time), or, with none, the start of now's day (nothing of today is
// called complete before it has landed). Not the clock: rows written
// now may be stamped long before it (`edgelog bench --fresh` shifts its
// stamps up to a minute back, and CI once saw, with a fallback of the
// clock less the window, a second called complete with none of its rows
// in).
func (s *Store) idleWatermark(ctx context.Context, window, lateness time.Duration, now time.Time) (time.Time, error) {
	q := fmt.Sprintf(`SELECT max(max_time_ms) FROM %s.%s WHERE inserted_at < now() - ? AND max_time_ms > 0`, s.DB, schema.WatermarkTable)
	var ms uint64
	if err := s.QueryRow(ctx, q, uint32(window/time.Second)).Scan(&ms); err != nil { // #nosec G115 -- see Watermark
		return time.Time{}, fmt.Errorf("cannot read the ingest watermark: %w", err)
	}
	if ms == 0 {
		return now.UTC().Truncate(24 * time.Hour), nil
	}
	return time.UnixMilli(int64(ms)).Add(-lateness).Truncate(time.Second).UTC(), nil // #nosec G115 -- a row time in ms
}

// LiveScope is what one live stream counts: the fleet (both empty), a
// region, a customer, or a customer in a region.
type LiveScope struct {
	Customer, Region string
}

// Live computes the live counter's figures at the watermark: the last
// complete second's requests and bytes, the day's requests up to it
// (whole hours from traffic_1h, whole minutes from traffic_1m, the
// seconds of the current minute from schema.Live) and, for staff, the edge
// servers that logged in the five complete minutes before it. With a live
// tail (Store.Tail) the answer moves on to the tail's watermark where the
// tail vouches for every second past ClickHouse's (fromTail).
func (s *Store) Live(ctx context.Context, sc LiveScope) (*api.Live, error) {
	wm, err := s.watermark(ctx)
	if err != nil {
		return nil, err
	}
	cached, ok := s.live.get(sc, wm.at)
	if !ok {
		l, err := s.liveAt(ctx, sc, wm.at)
		if err != nil {
			return nil, err
		}
		cached = *l
		s.live.put(sc, wm.at, cached)
	}
	l := &cached
	l.Idle, l.BehindS = wm.idle, max(0, wm.now.Sub(wm.at).Seconds())
	s.fromTail(l, sc, wm)
	return l, nil
}

// fromTail moves l past ClickHouse's watermark with the seconds the
// Kafka tail has counted, when it vouches for every second between
// the two (livetail.State): the second before its watermark, and the
// day's figures up to it (ClickHouse's up to its own watermark, the
// tail's after). The servers reporting stay ClickHouse's (whole minutes
// before its watermark's minute).
func (s *Store) fromTail(l *api.Live, sc LiveScope, wm watermarkState) {
	if s.Tail == nil {
		return
	}
	// Every partition ClickHouse saw inserting must be one the tail
	// reads, and read: another stream's rows are not counted here.
	need := make([]int, 0, len(wm.active))
	for _, a := range wm.active {
		stream, part, _ := strings.Cut(a, "#")
		p, err := strconv.Atoi(part)
		if err != nil || !strings.HasSuffix(stream, "/"+s.Tail.Topic()) {
			return
		}
		need = append(need, p)
	}
	ts, ok := s.Tail.State(need)
	if !ok || !ts.At.After(wm.at) || ts.From.After(wm.at) {
		return
	}
	tsc := livetail.Scope{Customer: sc.Customer, Region: sc.Region}
	l.RequestsPerS, l.BytesOutPerS = s.Tail.Sum(tsc, ts.At.Add(-time.Second), ts.At)
	from := wm.at
	if day := ts.At.Truncate(24 * time.Hour); day.After(from) {
		// A day began after ClickHouse's watermark: today is the tail's.
		from, l.RequestsToday, l.BytesOutToday = day, 0, 0
	}
	req, bytes := s.Tail.Sum(tsc, from, ts.At)
	l.RequestsToday += req
	l.BytesOutToday += bytes
	l.KafkaSeconds = uint32(ts.At.Sub(wm.at) / time.Second) // #nosec G115 -- seconds between two watermarks of a day
	l.At, l.Idle, l.BehindS = ts.At, false, max(0, wm.now.Sub(ts.At).Seconds())
}

// liveAt computes the live counter's figures at at from ClickHouse.
func (s *Store) liveAt(ctx context.Context, sc LiveScope, at time.Time) (*api.Live, error) {
	l := &api.Live{At: at, Customer: sc.Customer, Region: sc.Region}
	minute := at.Truncate(time.Minute)
	dayStart := at.Truncate(24 * time.Hour)
	second := at.Add(-time.Second)
	f := trafficFilter{customer: sc.Customer, region: sc.Region}
	req, bytes, _, err := s.trafficTotal(ctx, f, dayStart, minute)
	if err != nil {
		return nil, err
	}
	l.RequestsToday, l.BytesOutToday = req, bytes
	where, args := f.sql()
	q := fmt.Sprintf(`SELECT sumIf(requests, t = toDateTime(?)), sumIf(bytes_out, t = toDateTime(?)), sumIf(requests, t >= toDateTime(?)), sumIf(bytes_out, t >= toDateTime(?))
FROM %s.%s
WHERE t >= toDateTime(?) AND t < toDateTime(?)%s`, s.DB, schema.Live.Name, where)
	sec, minS := uint32(second.Unix()), uint32(minute.Unix()) // #nosec G115 -- the watermark is a row time: UInt32 seconds
	var minuteReq, minuteBytes uint64
	row := s.QueryRow(ctx, q, append([]any{sec, sec, minS, minS, min(sec, minS), uint32(at.Unix())}, args...)...) // #nosec G115 -- see above
	if err := row.Scan(&l.RequestsPerS, &l.BytesOutPerS, &minuteReq, &minuteBytes); err != nil {
		return nil, fmt.Errorf("query failed: %w", err)
	}
	l.RequestsToday += minuteReq
	l.BytesOutToday += minuteBytes
	if sc.Customer == "" {
		q := fmt.Sprintf(`SELECT uniqExact(server) FROM %s.%s WHERE t >= toDateTime(?) AND t < toDateTime(?)`, s.DB, schema.EdgeServers.Name)
		args := []any{uint32(minute.Add(-serversWindow).Unix()), minS} // #nosec G115 -- see above
		if sc.Region != "" {
			q += " AND region = ?"
			args = append(args, sc.Region)
		}
		if err := s.QueryRow(ctx, q, args...).Scan(&l.ServersReporting); err != nil {
			return nil, fmt.Errorf("query failed: %w", err)
		}
	}
	l.Table = schema.Live.Name
	return l, nil
}

// trafficFilter scopes a traffic rollup query; every value is a bound
// parameter.
type trafficFilter struct {
	customer, region string
}

func (f trafficFilter) sql() (string, []any) {
	where, args := "", []any{}
	if f.customer != "" {
		where += " AND customer = ?"
		args = append(args, f.customer)
	}
	if f.region != "" {
		where += " AND region = ?"
		args = append(args, f.region)
	}
	return where, args
}
