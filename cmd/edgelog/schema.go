package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/edgelog/edgelog/internal/chconn"
	"github.com/edgelog/edgelog/schema"
)

func init() {
	register("schema", "create and inspect the ClickHouse schema (migrate, status, plan, retention, verify)", runSchema, withActions(schemaActions...))
}

// schemaActions are schema's verbs.
var schemaActions = []string{"migrate", "status", "plan", "retention", "verify"}

// schemaAction is the one action among args, checked before connecting.
func schemaAction(args []string) (string, error) {
	if len(args) != 1 {
		return "", fmt.Errorf("want one action (%s), got %d arguments", strings.Join(schemaActions, ", "), len(args))
	}
	if !slices.Contains(schemaActions, args[0]) {
		return "", fmt.Errorf("unknown action %q (want %s)", args[0], strings.Join(schemaActions, ", "))
	}
	return args[0], nil
}

func runSchema(ctx context.Context, args []string) error {
	fs := newFlags("schema", "migrate|status|plan|retention|verify [flags]", `migrate  applies pending migrations (idempotent; safe from two processes at once)
status   lists applied migrations
plan     prints the DDL migrate would run
retention drops the hour/day/month/year partitions older than each table's
         retention (ClickHouse 18.16 has no TTL; run it daily); --dry-run lists them;
         with --cluster on one replica of each shard
verify   for each customer-day in [--from, --to), checks every rollup's sums
         against the same sums over raw rows; prints differences and exits
         non-zero when there is one`)
	var ch chconn.Config
	ch.RegisterFlags(fs)
	cluster := fs.String("cluster", "", "create replicated tables ON CLUSTER with Distributed tables in front")
	dryRun := fs.Bool("dry-run", false, "retention: list what would be dropped")
	keep := fs.String("keep", "", "retention: days per table overriding the defaults, e.g. requests=14,traffic_1m=60")
	from := fs.String("from", "", "verify: first day, YYYY-MM-DD (default: the oldest row)")
	to := fs.String("to", "", "verify: day after the last, YYYY-MM-DD (default: no end)")
	if err := parseFlags(ctx, fs, args); err != nil {
		return err
	}
	action, err := schemaAction(fs.Args())
	if err != nil {
		return err
	}
	conn, err := chconn.Open(ctx, ch)
	if err != nil {
		return err
	}
	defer conn.Close()
	m, err := schema.NewMigrator(ctx, conn, ch.Database, *cluster)
	if err != nil {
		return err
	}
	// The cluster's other servers, as system.clusters lists them, with
	// this connection's user, password and TLS.
	m.Dial = func(ctx context.Context, addr string) (driver.Conn, error) {
		other := ch
		other.Addr = addr
		return chconn.Open(ctx, other)
	}
	switch action {
	case "migrate":
		steps, err := m.Migrate(ctx)
		if err != nil {
			return err
		}
		for _, s := range steps {
			fmt.Printf("applied %d: %s\n", s.Version, s.Name)
		}
		fmt.Printf("schema of %s is up to date (%d migrations)\n", ch.Database, len(schema.Migrations))
	case "status":
		applied, err := m.Status(ctx)
		if err != nil {
			return err
		}
		done := map[int]bool{}
		for _, a := range applied {
			done[a.Version] = true
			fmt.Printf("%3d  applied %s  %s\n", a.Version, a.AppliedAt.UTC().Format("2006-01-02 15:04:05"), a.Name)
		}
		for _, mig := range schema.Migrations {
			if !done[mig.Version] {
				fmt.Printf("%3d  pending                        %s\n", mig.Version, mig.Name)
			}
		}
	case "plan":
		steps, err := m.Plan(ctx)
		if err != nil {
			return err
		}
		for _, s := range steps {
			fmt.Printf("-- %d: %s\n", s.Version, s.Name)
			for _, sql := range s.Statements {
				fmt.Printf("%s;\n\n", sql)
			}
		}
	case "retention":
		days := maps.Clone(schema.DefaultRetention)
		for _, kv := range strings.Split(*keep, ",") {
			if kv == "" {
				continue
			}
			t, n, ok := strings.Cut(kv, "=")
			d, err := strconv.Atoi(n)
			if _, known := days[t]; !ok || err != nil || d < 0 || !known {
				return fmt.Errorf("--keep %q: want TABLE=DAYS for a time-partitioned table", kv)
			}
			days[t] = d
		}
		n, err := retention(ctx, m, days, *dryRun)
		if err != nil {
			return err
		}
		if *dryRun {
			fmt.Printf("%d partitions would be dropped\n", n)
		} else {
			fmt.Printf("dropped %d partitions\n", n)
		}
	case "verify":
		return verifySchema(ctx, conn, ch.Database, *from, *to)
	default:
		return fmt.Errorf("unknown action %q (want migrate, status, plan, retention or verify)", action)
	}
	return nil
}

// retention plans the dropped partitions, prints them and applies them
// unless dryRun; on a cluster on one replica of each shard. It returns how
// many partitions it planned.
func retention(ctx context.Context, m *schema.Migrator, days map[string]int, dryRun bool) (int, error) {
	n := 0
	show := func(drops []schema.Drop) {
		for _, d := range drops {
			fmt.Printf("drop %s partition %s (ended %s)\n", d.Table, d.Partition, d.End.Format("2006-01-02"))
		}
		n += len(drops)
	}
	if m.Dialect.Cluster != "" {
		shards := m.Shards()
		defer shards.Close()
		err := schema.RetentionOnCluster(ctx, shards, m.DB, days, time.Now(), dryRun, func(addr string, drops []schema.Drop) {
			fmt.Printf("shard at %s:\n", addr)
			show(drops)
		})
		return n, err
	}
	err := schema.Retain(ctx, m.Conn, m.DB, days, time.Now(), dryRun, show)
	return n, err
}

func verifySchema(ctx context.Context, conn driver.Conn, db, fromArg, toArg string) error {
	var from, to time.Time
	for _, a := range []struct {
		name, v string
		dst     *time.Time
	}{{"--from", fromArg, &from}, {"--to", toArg, &to}} {
		if a.v == "" {
			continue
		}
		t, err := time.Parse("2006-01-02", a.v)
		if err != nil {
			return fmt.Errorf("%s %q: want YYYY-MM-DD", a.name, a.v)
		}
		*a.dst = t
	}
	diffs, checked, err := schema.Verify(ctx, conn, db, from, to)
	if err != nil {
		return err
	}
	for _, c := range checked {
		fmt.Printf("checked %-16s %6d customer-days x %2d measures", c.Table, c.Days, c.Measures)
		if c.Unsplit > 0 {
			fmt.Printf(" (byte splits not on %d customer-days before migration 10)", c.Unsplit)
		}
		fmt.Println()
	}
	for _, d := range diffs {
		fmt.Printf("DIFF %s\n", d)
	}
	// The live counter's per-second view, within the day it keeps.
	liveDiffs, lc, err := schema.VerifyLive(ctx, conn, db, from, to)
	if err != nil {
		return err
	}
	if lc.From.IsZero() {
		fmt.Printf("checked %-16s empty\n", schema.Live.Name)
	} else {
		fmt.Printf("checked %-16s %6d seconds x customers x regions from %s x  2 measures\n", schema.Live.Name, lc.Keys, lc.From.Format(time.RFC3339))
	}
	for _, d := range liveDiffs {
		fmt.Printf("DIFF %s\n", d)
	}
	if lc.Differ > uint64(len(liveDiffs)) {
		fmt.Printf("DIFF ... and %d more seconds of %s\n", lc.Differ-uint64(len(liveDiffs)), schema.Live.Name)
	}
	// Offsets Kafka deleted before ingest read them (issue 17): a hole
	// in the raw rows themselves, which no rollup comparison can see.
	gaps, err := schema.OffsetGaps(ctx, conn, db)
	if err != nil {
		return err
	}
	for _, g := range gaps {
		fmt.Printf("LOST %s\n", g)
	}
	// INSERTs the server applied in part before ingest sent them again
	// (schema.PartialInsertsTable): raw rows counted twice.
	partial, err := schema.PartialInserts(ctx, conn, db)
	if err != nil {
		return err
	}
	for _, p := range partial {
		fmt.Printf("TWICE %s\n", p)
	}
	if len(diffs) > 0 || lc.Differ > 0 {
		return fmt.Errorf("%d differences between rollups and raw rows", uint64(len(diffs))+lc.Differ)
	}
	fmt.Println("every rollup agrees with the raw rows")
	if len(gaps) > 0 {
		return fmt.Errorf("%d ranges of Kafka offsets were lost before ingest read them (see LOST lines)", len(gaps))
	}
	if len(partial) > 0 {
		return fmt.Errorf("%d failed INSERTs landed in part and were sent again: their raw rows are counted twice (see TWICE lines)", len(partial))
	}
	return nil
}
