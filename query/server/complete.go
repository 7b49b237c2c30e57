package server

import (
	"context"
	"time"

	"github.com/edgelog/edgelog/schema"
)

// Answers over a time range hold whole periods of the table they read (a
// minute of traffic_1m, an hour of traffic_1h, ...). One whose last period
// ends past the live counter's watermark (query.Store.Watermark: every
// Kafka partition has landed its rows) holds a period still filling: it
// is answered but never cached, or a dashboard ending "now" would be
// shown a partial minute for the cache's whole TTL (issue 23).

// watermarkHorizon is how far back an answer's end is checked against the
// watermark. ingest_watermark keeps a day; an answer that ends earlier is
// taken for complete without asking (a backfill of older days is not the
// live wall's concern, and the query is saved on every older miss).
const watermarkHorizon = 24 * time.Hour

// periodEnd is the end of the last period an answer over [.., to) read
// from table: to rounded up to the table's step (a second for the raw
// table and tables that are not rollups).
func periodEnd(table string, to time.Time) time.Time {
	step := time.Second
	if r, ok := schema.RollupByName(table); ok && r.Step > 0 {
		step = time.Duration(r.Step) * time.Second
	}
	end := to.Truncate(step)
	if end.Before(to) {
		end = end.Add(step)
	}
	return end
}

// cacheable reports whether res may be cached: it names no range end
// (through), or its last period ends at or before the watermark. A
// watermark that cannot be read keeps the answer out of the cache.
func (s *Server) cacheable(ctx context.Context, res result) bool {
	if res.noCache || s.Cache == nil {
		return false // nothing to cache into: the watermark is not asked
	}
	if res.through.IsZero() {
		return true
	}
	end := periodEnd(res.table, res.through)
	if end.Before(time.Now().Add(-watermarkHorizon)) {
		return true
	}
	wm, err := s.Store.Watermark(ctx)
	return err == nil && !end.After(wm)
}
