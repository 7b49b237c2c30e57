package schema

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// DefaultRetention is how many days each time-partitioned table keeps
// (0: forever). Raw rows serve bill verification and debugging; dashboards
// read rollups, so the coarser a rollup the longer it lives. Bills need
// 5-minute samples for the month and the next month's adjustments.
var DefaultRetention = map[string]int{
	RawTable:          31,
	"traffic_1m":      35,
	"perf_1m":         35,
	"traffic_1h":      400,
	"perf_geo_1h":     400,
	"billing_5m":      400,
	"traffic_1d":      0,
	"edge_servers_1m": 35,
	"perf_1h":         400,
	"perf_geo_1d":     0,
	"perf_all_1h":     400,
	"perf_geo_all_1d": 0,
	"billing_1d":      400,
	"path_hits_1h":    90,
	"perf_all_1m":     35,
	FallbacksTable:    35,
	Live.Name:         1,
	WatermarkTable:    1,
}

// Drop is one partition the retention policy removes.
type Drop struct {
	Table     string
	Partition string // partition id: YYYYMMDDhh, YYYYMMDD, YYYYMM or YYYY
	End       time.Time
}

// RetentionPlan lists the partitions of db whose whole time span ended more
// than their table's retention before now. It is how retention works on
// ClickHouse 18.16, which has no TTL: whole hour, day, month or year partitions
// are dropped, never part of one, so a partition goes only once all of it
// is older than the limit.
func RetentionPlan(ctx context.Context, conn driver.Conn, db string, days map[string]int, now time.Time) ([]Drop, error) {
	rows, err := conn.Query(ctx, "SELECT DISTINCT table, partition_id FROM system.parts WHERE active AND database = ?", db)
	if err != nil {
		return nil, fmt.Errorf("cannot list partitions: %w", err)
	}
	defer rows.Close()
	var out []Drop
	for rows.Next() {
		var table, id string
		if err := rows.Scan(&table, &id); err != nil {
			return nil, err
		}
		keep, ok := days[table]
		if name, local := strings.CutSuffix(table, ShardTable("")); local && !ok {
			keep, ok = days[name] // a shard's table on a cluster (RetentionOnCluster)
		}
		if !ok || keep == 0 {
			continue
		}
		end, ok := partitionEnd(id)
		if !ok {
			continue // not a time partition
		}
		if !end.After(now.AddDate(0, 0, -keep)) {
			out = append(out, Drop{Table: table, Partition: id, End: end})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Table != out[j].Table {
			return out[i].Table < out[j].Table
		}
		return out[i].Partition < out[j].Partition
	})
	return out, rows.Err()
}

// partitionEnd is the end of the time span of a partition id of
// intDiv(toYYYYMMDDhhmmss, 10000) (an hour: Live), toYYYYMMDD, toYYYYMM or
// toYear.
func partitionEnd(id string) (time.Time, bool) {
	for _, f := range []struct {
		layout string
		next   func(time.Time) time.Time
	}{
		{"2006010215", func(t time.Time) time.Time { return t.Add(time.Hour) }},
		{"20060102", func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }},
		{"200601", func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }},
		{"2006", func(t time.Time) time.Time { return t.AddDate(1, 0, 0) }},
	} {
		if len(id) == len(f.layout) {
			if t, err := time.Parse(f.layout, id); err == nil {
				return f.next(t), true
			}
		}
	}
	return time.Time{}, false
}

// Retain plans db's drops on conn (RetentionPlan), hands them to report
// and, unless dryRun, applies them (ApplyRetention): what `edgelog schema
// retention` does on one server.
func Retain(ctx context.Context, conn driver.Conn, db string, days map[string]int, now time.Time, dryRun bool, report func([]Drop)) error {
	drops, err := RetentionPlan(ctx, conn, db, days, now)
	if err != nil {
		return err
	}
	report(drops)
	if dryRun {
		return nil
	}
	return ApplyRetention(ctx, conn, db, drops)
}

// RetentionOnCluster is Retain on one replica of each shard of a cluster:
// a shard's "_local" tables hold its rows (the Distributed tables hold
// none), and a dropped partition of a replicated table is dropped on the
// shard's other replicas by replication. Each shard's drops are reported
// with the replica's address before they are applied.
func RetentionOnCluster(ctx context.Context, shards *Shards, db string, days map[string]int, now time.Time, dryRun bool, report func(addr string, drops []Drop)) error {
	return shards.Each(ctx, func(ctx context.Context, addr string, conn driver.Conn) error {
		return Retain(ctx, conn, db, days, now, dryRun, func(drops []Drop) { report(addr, drops) })
	})
}

// ApplyRetention drops the planned partitions.
func ApplyRetention(ctx context.Context, conn driver.Conn, db string, drops []Drop) error {
	for _, d := range drops {
		if !ValidIdent(d.Table) {
			return fmt.Errorf("invalid table name %q", d.Table)
		}
		// The partition id is digits only (partitionEnd parsed it).
		if err := conn.Exec(ctx, fmt.Sprintf("ALTER TABLE %s.%s DROP PARTITION ID '%s'", db, d.Table, d.Partition)); err != nil {
			return fmt.Errorf("cannot drop %s partition %s: %w", d.Table, d.Partition, err)
		}
	}
	return nil
}
