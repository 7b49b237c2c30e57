package billing

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// A month's usage of every customer costs about a quarter of a second to
// read at production volume (each customer's 95th percentile ranks 8,928
// five-minute sums grouped from 3.6M billing_5m rows), finance reads the
// same months again and again, and a month still receiving rows changes
// every second. usageCache keeps, per month and customer filter, the
// usage, the parts it was read from, and each customer's largest
// five-minute sums with their days (tops), so that:
//
//   - while the month's parts are the same (a closed month), the usage is
//     reused as it is: one query, system.parts, a few milliseconds;
//   - when they changed (rows landed, parts merged, a mutation, a dropped
//     partition), the daily totals are read again (billing_1d, a few
//     milliseconds) and of billing_5m only the days some changed part
//     covers; the percentiles are ranked again over the kept sums of the
//     other days and the fresh ones. A month receiving today's rows
//     re-reads today.
//
// Why that is exact. A part is immutable and named for its contents
// (partition, block range, merge level, mutation version), and its
// min_time and max_time bound the days of its rows. If no part that is
// new since the last read, and none that is gone, covers a day, every row
// of that day is in the same parts as then, so the day's sums are the
// same. Merges replace parts by one covering their days, so they make
// those days dirty (a merge into the month's large part re-reads the
// month, once). The parts are read before the data: rows landing in
// between are in the sums read but not in the parts kept, so their days
// are read again next time, never missed. Of the unchanged days only the
// sums that can still be billed are kept: a customer's largest, down to
// the month's billed rank (every sum at or above the billed one, ties
// included). A sum left out is at most that floor, so when the ranking
// over the kept and fresh sums bills a value at or above every floor, no
// sum left out could change it; otherwise (a day's sums fell, say by a
// mutation) the month is read again. See tops.go.
//
// Bounds: at most maxCachedMonths entries and at most maxCachedSamples
// kept sums over all entries (12 bytes each with its day; the least
// recently used entries go first). A month of 50 customers keeps about
// 45k (447 a customer for each of total and body bytes); an entry with
// more than the whole budget keeps its usage but no sums, and reads the
// month again when its parts change.
//
// On a cluster the tables of those names are Distributed, which have no
// parts (their shards' parts are on other servers): nothing is cached.
type usageCache struct {
	once    sync.Once
	mu      sync.Mutex // the budget: samples and evictions; daysRead
	entries *lru.Cache[usageKey, *cachedUsage]
	samples int // sums kept by entries
	// maxSamples is maxCachedSamples unless a test sets it.
	maxSamples int
	// daysRead counts the days of billing_5m read for the cache, for
	// tests: what a change cost.
	daysRead int
}

const (
	maxCachedMonths  = 64
	maxCachedSamples = 1 << 20 // 12 MiB
)

type usageKey struct {
	month    time.Time
	customer string
}

// cachedUsage is one month's usage as read, with what it was read from.
type cachedUsage struct {
	parts   map[partID]dayRange // both billing tables' active parts of the month
	usage   map[string]*Usage
	tops    map[string]*custTops // nil: none kept
	samples int                  // sums in tops
}

type partID struct{ table, name string }

// dayRange is the Unix days a part's rows span, first and last included.
type dayRange struct{ first, last int64 }

func (c *usageCache) init() {
	c.once.Do(func() {
		var err error
		c.entries, err = lru.NewWithEvict(maxCachedMonths, func(_ usageKey, e *cachedUsage) { c.samples -= e.samples })
		if err != nil {
			panic("BUG: " + err.Error()) // only for a size <= 0
		}
		if c.maxSamples == 0 {
			c.maxSamples = maxCachedSamples
		}
	})
}

func (c *usageCache) get(k usageKey) *cachedUsage {
	c.init()
	e, _ := c.entries.Get(k)
	return e
}

// put keeps e for k, without its sums when they alone exceed the budget,
// and drops the least recently used entries until the rest fits.
func (c *usageCache) put(k usageKey, e *cachedUsage) {
	c.init()
	c.mu.Lock()
	defer c.mu.Unlock()
	if e.samples > c.maxSamples {
		e.tops, e.samples = nil, 0
	}
	c.entries.Remove(k) // its samples leave the count through the callback
	c.samples += e.samples
	c.entries.Add(k, e)
	for c.samples > c.maxSamples {
		c.entries.RemoveOldest()
	}
}

// held reports the entries and sums kept, for tests.
func (c *usageCache) held() (entries, samples int) {
	c.init()
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.entries.Len(), c.samples
}

// cachedMonthUsage is RollupUsage through the cache.
func (l *Ledger) cachedMonthUsage(ctx context.Context, month time.Time, customer string) (map[string]*Usage, error) {
	if l.NoCache {
		return l.RollupUsage(ctx, month, customer)
	}
	parts, err := l.billingParts(ctx, month)
	if err != nil {
		return nil, err
	}
	if len(parts) == 0 { // no parts here: nothing to mark
		return l.RollupUsage(ctx, month, customer)
	}
	c := &l.cache
	key := usageKey{month, customer}
	prev := c.get(key)
	if prev != nil && maps.Equal(prev.parts, parts) {
		return cloneUsage(prev.usage), nil
	}
	usage, err := l.monthTotals(ctx, fromRollups, month, customer)
	if err != nil {
		return nil, err
	}
	skip, _ := p95Rank(month)
	var tops map[string]*custTops
	if prev != nil && prev.tops != nil {
		first, last := monthDays(month)
		dirty := map[int64]bool{}
		changedDays(prev.parts, parts, first, last, dirty)
		changedDays(parts, prev.parts, first, last, dirty)
		fresh, err := l.readTops(ctx, month, customer, dirty)
		if err != nil {
			return nil, err
		}
		tops = updateTops(prev.tops, dirty, fresh, skip) // nil: read the month
	}
	if tops == nil {
		if tops, err = l.readTops(ctx, month, customer, nil); err != nil {
			return nil, err
		}
		if tops = updateTops(nil, nil, tops, skip); tops == nil {
			// Cannot happen: the month's read keeps every sum down to the
			// billed rank. Bill from ClickHouse's ranking rather than guess.
			return l.RollupUsage(ctx, month, customer)
		}
	}
	e := &cachedUsage{parts: parts, tops: tops}
	for cust, t := range tops {
		u := usageOf(usage, cust)
		u.P95Bytes, u.P95Body = t.total.billed, t.body.billed
		e.samples += len(t.total.vals) + len(t.body.vals)
	}
	e.usage = cloneUsage(usage)
	c.put(key, e)
	return usage, nil
}

// changedDays marks in dirty the days, within [first, last], of every
// billing_5m part of a that b does not hold.
func changedDays(a, b map[partID]dayRange, first, last int64, dirty map[int64]bool) {
	for id, r := range a {
		if id.table != SamplesTable {
			continue
		}
		if _, ok := b[id]; ok {
			continue
		}
		for d := max(r.first, first); d <= min(r.last, last); d++ {
			dirty[d] = true
		}
	}
}

// readTops reads, per customer, the largest five-minute sums of billing_5m
// in the given days (nil: the month) with their days: every sum at or
// above the month's billed rank among them, ties included (all of them
// when there are no more than that many).
func (l *Ledger) readTops(ctx context.Context, month time.Time, customer string, days map[int64]bool) (map[string]*custTops, error) {
	out := map[string]*custTops{}
	if days != nil && len(days) == 0 {
		return out, nil
	}
	skip, _ := p95Rank(month)
	filter, args := monthFilter(month, customer)
	// The days go into the SQL as numbers this function computed, as
	// ranges of whole days (today alone, usually).
	dayFilter := ""
	for i, r := range dayRuns(days) {
		if i > 0 {
			dayFilter += " OR"
		}
		dayFilter += fmt.Sprintf(" (t >= toDateTime(%d) AND t < toDateTime(%d))", r.first*86400, (r.last+1)*86400)
	}
	if dayFilter != "" {
		dayFilter = " AND (" + dayFilter[1:] + ")"
	}
	// Each customer's sums (v, vb) and their days (ds); the billed rank's
	// value (tc, bc; zero when there are fewer sums); the sums at or above
	// it (tv, bv) and their days (td, bd), by sum and day, descending, so
	// that every server answers alike. 18.16's lambdas cannot compare with
	// a column of their query, hence the cut repeated (arrayResize).
	rows, err := l.Store.Query(ctx, fmt.Sprintf(`SELECT customer, n, tc, arrayReverseSort(tv), arrayReverseSort((d, x) -> (x, d), td, tv), bc, arrayReverseSort(bv), arrayReverseSort((d, x) -> (x, d), bd, bv) FROM (
SELECT customer, n, tc, bc,
    arrayFilter((x, c) -> x >= c, v, arrayResize(emptyArrayUInt64(), n, tc)) AS tv, arrayFilter((d, x, c) -> x >= c, ds, v, arrayResize(emptyArrayUInt64(), n, tc)) AS td,
    arrayFilter((x, c) -> x >= c, vb, arrayResize(emptyArrayUInt64(), n, bc)) AS bv, arrayFilter((d, x, c) -> x >= c, ds, vb, arrayResize(emptyArrayUInt64(), n, bc)) AS bd FROM (
SELECT customer, n, v, vb, ds, if(n > %[1]d, arrayReverseSort(v)[%[2]d], 0) AS tc, if(n > %[1]d, arrayReverseSort(vb)[%[2]d], 0) AS bc FROM (
SELECT customer, count() AS n, groupArray(b) AS v, groupArray(bb) AS vb, groupArray(d) AS ds FROM (
    SELECT customer, toStartOfFiveMinute(t) AS slot, intDiv(toUInt32(slot), 86400) AS d, sum(bytes_total) AS b, sum(bytes_out) AS bb
    FROM %[3]s.%[4]s
    WHERE t >= toDateTime(?) AND t < toDateTime(?)%[5]s%[6]s
    GROUP BY customer, slot)
GROUP BY customer)))`, skip, skip+1, l.Store.DB, SamplesTable, filter, dayFilter), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var c string
		var n uint64
		t := &custTops{}
		if err := rows.Scan(&c, &n, &t.total.floor, &t.total.vals, &t.total.days, &t.body.floor, &t.body.vals, &t.body.days); err != nil {
			return nil, err
		}
		t.total.complete, t.body.complete = uint64(len(t.total.vals)) == n, uint64(len(t.body.vals)) == n
		out[c] = t
	}
	read := len(days)
	if days == nil {
		first, last := monthDays(month)
		read = int(last - first + 1)
	}
	l.cache.mu.Lock()
	l.cache.daysRead += read
	l.cache.mu.Unlock()
	return out, rows.Err()
}

// dayRuns returns days as runs of consecutive days, in order.
func dayRuns(days map[int64]bool) []dayRange {
	var runs []dayRange
	for _, d := range slices.Sorted(maps.Keys(days)) {
		if n := len(runs); n > 0 && runs[n-1].last == d-1 {
			runs[n-1].last = d
			continue
		}
		runs = append(runs, dayRange{d, d})
	}
	return runs
}

// billingParts lists the active parts of month in the billing tables, with
// the days their rows span.
func (l *Ledger) billingParts(ctx context.Context, month time.Time) (map[partID]dayRange, error) {
	rows, err := l.Store.Query(ctx, `SELECT table, name, toUInt32(min_time), toUInt32(max_time)
FROM system.parts
WHERE active AND database = ? AND table IN (?, ?) AND partition_id = ?`, l.Store.DB, Table, SamplesTable, month.Format("200601"))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	first, last := monthDays(month)
	parts := map[partID]dayRange{}
	for rows.Next() {
		var id partID
		var lo, hi uint32
		if err := rows.Scan(&id.table, &id.name, &lo, &hi); err != nil {
			return nil, err
		}
		r := dayRange{int64(lo) / 86400, int64(hi) / 86400}
		if lo == 0 || hi < lo { // no time index on the part: say every day
			r = dayRange{first, last}
		}
		parts[id] = r
	}
	return parts, rows.Err()
}

// monthDays returns the Unix days of month's first and last day.
func monthDays(month time.Time) (first, last int64) {
	return month.Unix() / 86400, month.AddDate(0, 1, 0).Unix()/86400 - 1
}

func cloneUsage(in map[string]*Usage) map[string]*Usage {
	out := make(map[string]*Usage, len(in))
	for c, u := range in {
		v := *u
		v.ByRegion = maps.Clone(u.ByRegion)
		v.ByRegionBody = maps.Clone(u.ByRegionBody)
		out[c] = &v
	}
	return out
}
