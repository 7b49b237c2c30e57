package billing

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"sort"
	"time"

	"github.com/edgelog/edgelog/query/api"
	"github.com/edgelog/edgelog/schema"
)

// Snapshot is a closed bill: what the customer was invoiced.
type Snapshot struct {
	Version  uint32
	ClosedAt time.Time
	Bill     api.Bill
}

// Snapshots returns the latest closed bill per customer of a month.
func (l *Ledger) Snapshots(ctx context.Context, month time.Time) (map[string]Snapshot, error) {
	rows, err := l.Store.Query(ctx, fmt.Sprintf(`SELECT customer, version, closed_at, bill FROM %s.%s WHERE month = ? ORDER BY customer, version`,
		l.Store.DB, schema.BillSnapshotsTable), month.Format("2006-01"))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]Snapshot{}
	for rows.Next() {
		var c, body string
		var sn Snapshot
		if err := rows.Scan(&c, &sn.Version, &sn.ClosedAt, &body); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(body), &sn.Bill); err != nil {
			return nil, fmt.Errorf("snapshot %s %s v%d: %w", month.Format("2006-01"), c, sn.Version, err)
		}
		out[c] = sn // ordered by version: the last is the latest
	}
	return out, rows.Err()
}

// CloseMonth stores the month's bills as immutable snapshots, version 1. A
// month closes once: closing it again is refused, and data arriving later
// shows up as an adjustment on the next month's bill.
func (l *Ledger) CloseMonth(ctx context.Context, pb *PriceBook, month time.Time) ([]api.Bill, error) {
	if !month.AddDate(0, 1, 0).Before(time.Now()) {
		return nil, fmt.Errorf("month %s has not ended yet", month.Format("2006-01"))
	}
	closed, err := l.Snapshots(ctx, month)
	if err != nil {
		return nil, err
	}
	if len(closed) > 0 {
		return nil, fmt.Errorf("month %s is already closed (%d bills); later data goes to the next bill as adjustments", month.Format("2006-01"), len(closed))
	}
	bills, err := l.Bills(ctx, pb, month, "")
	if err != nil {
		return nil, err
	}
	batch, err := l.Store.Conn.PrepareBatch(ctx, fmt.Sprintf("INSERT INTO %s.%s (month, customer, version, closed_at, requests, bytes_out, total, bill)", l.Store.DB, schema.BillSnapshotsTable))
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC().Truncate(time.Second)
	for _, b := range bills {
		body, err := json.Marshal(b)
		if err != nil {
			return nil, err
		}
		if err := batch.Append(b.Month, b.Customer, uint32(1), now, b.Requests, b.BytesOut, b.Total, string(body)); err != nil {
			return nil, err
		}
	}
	if err := batch.Send(); err != nil {
		return nil, fmt.Errorf("cannot store bill snapshots: %w", err)
	}
	return bills, nil
}

// WithAdjustments adds to the month's bills what changed in the previous,
// closed month since it was closed (late data): an "adjustment" line per
// customer whose recomputed bill differs from its snapshot. A customer with
// an adjustment but no traffic this month gets a bill of just that line.
func (l *Ledger) WithAdjustments(ctx context.Context, pb *PriceBook, month time.Time, bills []api.Bill, customer string) ([]api.Bill, error) {
	prev := month.AddDate(0, -1, 0)
	snaps, err := l.Snapshots(ctx, prev)
	if err != nil || len(snaps) == 0 {
		return bills, err
	}
	now, err := l.Bills(ctx, pb, prev, customer)
	if err != nil {
		return nil, err
	}
	idx := map[string]int{}
	for i, b := range bills {
		idx[b.Customer] = i
	}
	for _, nb := range now {
		snap, ok := snaps[nb.Customer]
		old := snap.Bill
		if !ok {
			old = EmptyBill(pb, prev, nb.Customer)
		}
		if nb.Requests == old.Requests && nb.BytesOut == old.BytesOut && nb.Total == old.Total {
			continue
		}
		i, ok := idx[nb.Customer]
		if !ok {
			bills = append(bills, EmptyBill(pb, month, nb.Customer))
			i = len(bills) - 1
			idx[nb.Customer] = i
		}
		diff, _ := new(big.Rat).SetString(orZero(nb.Total))
		was, _ := new(big.Rat).SetString(orZero(old.Total))
		diff.Sub(diff, was)
		b := &bills[i]
		b.Lines = append(b.Lines, api.BillLine{
			Item: "adjustment", Tier: fmt.Sprintf("%s closed v%d", prev.Format("2006-01"), snap.Version),
			Quantity: fmt.Sprintf("%d", int64(nb.BytesOut)-int64(old.BytesOut)), Unit: "bytes late", // #nosec G115 -- a customer-month's bytes are far below 2^63
			UnitPrice: "", Amount: diff.FloatString(2),
		})
		total, _ := new(big.Rat).SetString(orZero(b.Total))
		b.Total = total.Add(total, diff).FloatString(2)
	}
	sort.Slice(bills, func(i, j int) bool { return bills[i].Customer < bills[j].Customer })
	return bills, nil
}

func orZero(s string) string {
	if s == "" {
		return "0"
	}
	return s
}

// Difference is one figure where a bill from the rollups and the same bill
// recomputed from raw rows disagree.
type Difference struct {
	Customer string
	What     string
	Rollup   string
	Raw      string
}

// VerifyMonth recomputes every bill of the month from the raw table and
// compares it with the bill from billing_1d: requests, billed bytes per
// region, body and total bytes, the 95th-percentile sample and the total.
func (l *Ledger) VerifyMonth(ctx context.Context, pb *PriceBook, month time.Time) ([]api.Bill, []Difference, error) {
	fromRollup, err := l.RollupUsage(ctx, month, "")
	if err != nil {
		return nil, nil, err
	}
	fromRaw, err := l.RawUsage(ctx, month, "")
	if err != nil {
		return nil, nil, err
	}
	var diffs []Difference
	var bills []api.Bill
	seen := map[string]bool{}
	for c := range fromRollup {
		seen[c] = true
	}
	for c := range fromRaw {
		seen[c] = true
	}
	for _, c := range sortedKeys(seen) {
		empty := &Usage{ByRegion: map[string]uint64{}, ByRegionBody: map[string]uint64{}}
		ru, rw := fromRollup[c], fromRaw[c]
		if ru == nil {
			ru = empty
		}
		if rw == nil {
			rw = empty
		}
		a, b := MakeBill(pb, month, c, ru), MakeBill(pb, month, c, rw)
		bills = append(bills, a)
		add := func(what string, x, y any) {
			if fmt.Sprint(x) != fmt.Sprint(y) {
				diffs = append(diffs, Difference{Customer: c, What: what, Rollup: fmt.Sprint(x), Raw: fmt.Sprint(y)})
			}
		}
		add("requests", a.Requests, b.Requests)
		add("bytes_out", a.BytesOut, b.BytesOut)
		add("bytes_body", *a.BytesBody, *b.BytesBody)
		add("bytes_total", *a.BytesTotal, *b.BytesTotal)
		for _, r := range sortedKeys(mergeKeys(a.ByRegion, b.ByRegion)) {
			add("bytes_out "+r, a.ByRegion[r], b.ByRegion[r])
		}
		add("p95_mbps", a.P95Mbps, b.P95Mbps)
		add("total", a.Total, b.Total)
	}
	return bills, diffs, nil
}

func mergeKeys(a, b map[string]uint64) map[string]bool {
	m := map[string]bool{}
	for k := range a {
		m[k] = true
	}
	for k := range b {
		m[k] = true
	}
	return m
}
