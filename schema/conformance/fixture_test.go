//go:build chdb

package conformance

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/edgelog/edgelog/ingest"
	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/lab/gen"
	"github.com/edgelog/edgelog/lab/traffic"
	"github.com/edgelog/edgelog/schema"
)

// Modern is the dialect the conformance tests render for chDB. The
// retention is long enough to keep the generated October 2026 rows.
var Modern = schema.Dialect{Modern: true, GCD: true, OptimizeOnInsert: true, RetentionDays: 3650}

// Traffic is the generated data both engines get: two weeks, so the
// performance API's week-before comparison and a month's bills have data.
var Traffic = gen.Options{Lines: 100_000, Seed: 7, Start: gen.DefaultStart, Duration: 14 * 24 * time.Hour, Customers: 6}

const db = "conf"

var fixture struct {
	once sync.Once
	err  error
	blk  *record.Block
}

// loaded loads Traffic into database db of both engines, once.
func loaded(t *testing.T) *record.Block {
	t.Helper()
	fixture.once.Do(func() { fixture.blk, fixture.err = load(db, Traffic) })
	if fixture.err != nil {
		t.Fatal(fixture.err)
	}
	return fixture.blk
}

func load(db string, o gen.Options) (*record.Block, error) {
	start := time.Now()
	blk, err := traffic.All(o)
	if err != nil {
		return nil, err
	}
	generated := time.Now()
	if err := loadServer(db, blk); err != nil {
		return nil, err
	}
	server := time.Now()
	if err := loadChDB(db, blk); err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "conformance: %d rows generated in %s, loaded into 18.16 in %s, into chDB in %s\n", blk.Len(),
		generated.Sub(start).Round(time.Millisecond), server.Sub(generated).Round(time.Millisecond), time.Since(server).Round(time.Millisecond))
	return blk, nil
}

// serverConn connects to the 18.16 server with the query log on.
func serverConn() (driver.Conn, error) {
	return clickhouse.Open(&clickhouse.Options{
		Addr:     []string{server.Addr()},
		Settings: clickhouse.Settings{"log_queries": 1},
	})
}

func loadServer(db string, blk *record.Block) error {
	ctx := context.Background()
	conn, err := serverConn()
	if err != nil {
		return err
	}
	defer conn.Close()
	m, err := schema.NewMigrator(ctx, conn, db, "")
	if err != nil {
		return err
	}
	if _, err := m.Migrate(ctx); err != nil {
		return err
	}
	return ingest.InsertBlock(ctx, conn, db, m.Dialect, blk)
}

// createModern runs every modern DDL statement on chDB: database db at
// the latest migration.
func createModern(db string) error {
	for _, s := range schema.AllStatements(db, Modern) {
		if err := chExec(s); err != nil {
			return fmt.Errorf("modern DDL fails on chDB: %w\n%s", err, s)
		}
	}
	return nil
}

// loadChDB runs every modern DDL statement and loads blk as TSV.
func loadChDB(db string, blk *record.Block) error {
	if err := createModern(db); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "edgelog-tsv-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := insertTSV(dir, db, schema.RawTable, blk); err != nil {
		return err
	}
	// The traffic and billing rollups are fed from the feed, which ingest
	// fills in Go: the same rows in SQL (schema.FeedFromRaw).
	return chExec(schema.FeedFromRaw(db, Modern, "1"))
}

// insertTSV writes blk as TSV into dir (rows.tsv, replaced each call) and
// has chDB insert it into db.table, a table with the modern raw columns.
func insertTSV(dir, db, table string, blk *record.Block) error {
	path := filepath.Join(dir, "rows.tsv")
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := traffic.WriteTSV(f, blk, Modern); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return chExec(fmt.Sprintf("INSERT INTO %s.%s (%s) FROM INFILE '%s' SETTINGS max_partitions_per_insert_block = 0 FORMAT TSV",
		db, table, strings.Join(schema.RawColumnNames(Modern), ", "), path))
}

// loadTraffic generates o's requests and has chDB insert them into
// db.table a million rows at a time (insertTSV, in dir); it returns how
// many rows it inserted.
func loadTraffic(o gen.Options, dir, db, table string) (int, error) {
	src, err := traffic.New(o)
	if err != nil {
		return 0, err
	}
	var blk record.Block
	n := 0
	for {
		ok, err := src.Next(&blk, 1_000_000)
		if err != nil || !ok {
			return n, err
		}
		n += blk.Len()
		if err := insertTSV(dir, db, table, &blk); err != nil {
			return n, err
		}
	}
}

// createRaw creates db.table on chDB with the modern raw table's columns
// as they are now (every migration's), codecs, partitioning and key, but
// no TTL: generated rows are older than the table's and the source
// columns' retention.
func createRaw(db, table string) error {
	var defs []string
	for _, c := range schema.RawColumns(Modern) {
		d := c.Name + " " + c.TypeFor(Modern)
		if codec := c.CodecFor(Modern); codec != "" {
			d += " CODEC(" + codec + ")"
		}
		defs = append(defs, d)
	}
	return chExec(fmt.Sprintf("CREATE TABLE %s.%s (%s) ENGINE = MergeTree PARTITION BY toYYYYMMDD(time) ORDER BY (%s)",
		db, table, strings.Join(defs, ", "), schema.RawOrderBy(Modern)))
}
