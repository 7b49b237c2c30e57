//go:build chdb

package conformance

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/edgelog/edgelog/ingest"
	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/lab/gen"
	"github.com/edgelog/edgelog/lab/traffic"
	"github.com/edgelog/edgelog/schema"
)

// BenchmarkStorage loads the same generated requests into the 18.16
// server (compatible DDL) and into chDB (modern DDL: codecs,
// LowCardinality, DateTime64), merges every table (OPTIMIZE FINAL, as
// background merges eventually would) and prints, per engine and table,
// bytes on disk per request and rows per raw row. It is a measurement,
// not a timed test; run it once:
//
//	EDGELOG_STORAGE_ROWS=10000000 go test -tags chdb -exec "$PWD/deploy/chdb-run.sh" \
//	    -run=NONE -bench=Storage -benchtime=1x -timeout 90m ./schema/conformance/
//
// (default 1,000,000 requests).
func BenchmarkStorage(b *testing.B) {
	rows := 1_000_000
	if v := os.Getenv("EDGELOG_STORAGE_ROWS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("EDGELOG_STORAGE_ROWS=%q: want a positive count", v)
		}
		rows = n
	}
	// A week of traffic: daily partitions as in production.
	o := gen.Options{Lines: rows, Seed: 21, Start: gen.DefaultStart, Duration: 7 * 24 * time.Hour, Customers: 12}
	const sdb = "storage"
	for range b.N {
		conn, err := serverConn()
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close()
		ctx := context.Background()
		m, err := schema.NewMigrator(ctx, conn, sdb, "")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := m.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		if err := createModern(sdb); err != nil {
			b.Fatal(err)
		}
		src, err := traffic.New(o)
		if err != nil {
			b.Fatal(err)
		}
		dir := b.TempDir()
		var blk record.Block
		var oldLoad, modernLoad time.Duration
		total := 0
		for {
			ok, err := src.Next(&blk, 1_000_000)
			if err != nil {
				b.Fatal(err)
			}
			if !ok {
				break
			}
			total += blk.Len()
			// The engines load side by side: the 18.16 server is its own
			// process, chDB runs in this one.
			errc := make(chan error, 1)
			go func() {
				start := time.Now()
				err := ingest.InsertBlock(ctx, conn, sdb, m.Dialect, &blk)
				oldLoad += time.Since(start)
				errc <- err
			}()
			start := time.Now()
			if err := chInsert(sdb, &blk, filepath.Join(dir, "rows.tsv")); err != nil {
				b.Fatal(err)
			}
			modernLoad += time.Since(start)
			if err := <-errc; err != nil {
				b.Fatal(err)
			}
			fmt.Fprintf(os.Stderr, "storage: %d requests loaded\n", total)
		}
		// The rollup feed's rows of the chDB rows, as ingest writes them
		// (ingest.InsertBlock did for the 18.16 server).
		for _, q := range schema.FeedFromRawSliced(sdb, Modern, 4) {
			if err := chExec(q); err != nil {
				b.Fatal(err)
			}
		}
		fmt.Printf("BENCH storage_requests %d requests\n", total)
		fmt.Printf("BENCH storage_load_rows_per_s_clickhouse18 %.0f rows/s\n", float64(total)/oldLoad.Seconds())
		fmt.Printf("BENCH storage_load_rows_per_s_chdb_modern %.0f rows/s\n", float64(total)/modernLoad.Seconds())
		old, err := serverSizes(ctx, conn, sdb)
		if err != nil {
			b.Fatal(err)
		}
		modern, err := chdbSizes(sdb)
		if err != nil {
			b.Fatal(err)
		}
		report("clickhouse18", old, total)
		report("chdb_modern", modern, total)
		// Per column of the raw table: where its bytes go.
		colSQL := fmt.Sprintf("SELECT name, data_compressed_bytes FROM system.columns WHERE database = '%s' AND table = '%s' ORDER BY name", sdb, schema.RawTable)
		crows, err := conn.Query(ctx, colSQL)
		if err != nil {
			b.Fatal(err)
		}
		for crows.Next() {
			var name string
			var n uint64
			if err := crows.Scan(&name, &n); err != nil {
				b.Fatal(err)
			}
			fmt.Printf("BENCH storage_clickhouse18_requests_column_%s_bytes_per_request %.2f B/req\n", name, float64(n)/float64(total))
		}
		crows.Close()
		cols, err := chQuery(colSQL, "TSVRaw")
		if err != nil {
			b.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(cols)), "\n") {
			name, n, _ := strings.Cut(line, "\t")
			v, _ := strconv.ParseFloat(n, 64)
			fmt.Printf("BENCH storage_chdb_modern_requests_column_%s_bytes_per_request %.2f B/req\n", name, v/float64(total))
		}
		if err := conn.Exec(ctx, "DROP DATABASE "+sdb); err != nil {
			b.Fatal(err)
		}
		if err := chExec("DROP DATABASE " + sdb); err != nil {
			b.Fatal(err)
		}
	}
}

// chInsert loads blk into chDB's raw table through a TSV file.
func chInsert(db string, blk *record.Block, path string) error {
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
		db, schema.RawTable, strings.Join(schema.RawColumnNames(Modern), ", "), path))
}

// size is a table's footprint after merging.
type size struct{ bytes, rows uint64 }

// storedTables are the tables that hold data (views hold none).
func storedTables() []string {
	t := []string{schema.RawTable, schema.LedgerTable, schema.SourceLedgerTable}
	for _, r := range schema.Rollups {
		t = append(t, r.Name)
	}
	return t
}

const sizesSQL = "SELECT table, sum(bytes_on_disk), sum(rows) FROM system.parts WHERE database = '%s' AND active GROUP BY table"

func serverSizes(ctx context.Context, conn driver.Conn, db string) (map[string]size, error) {
	for _, t := range storedTables() {
		if err := conn.Exec(ctx, fmt.Sprintf("OPTIMIZE TABLE %s.%s FINAL", db, t)); err != nil {
			return nil, fmt.Errorf("cannot merge %s: %w", t, err)
		}
	}
	rows, err := conn.Query(ctx, fmt.Sprintf(sizesSQL, db))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]size{}
	for rows.Next() {
		var t string
		var s size
		if err := rows.Scan(&t, &s.bytes, &s.rows); err != nil {
			return nil, err
		}
		out[t] = s
	}
	return out, rows.Err()
}

func chdbSizes(db string) (map[string]size, error) {
	for _, t := range storedTables() {
		if err := chExec(fmt.Sprintf("OPTIMIZE TABLE %s.%s FINAL", db, t)); err != nil {
			return nil, fmt.Errorf("cannot merge %s: %w", t, err)
		}
	}
	b, err := chQuery(fmt.Sprintf(sizesSQL, db), "TSVRaw")
	if err != nil {
		return nil, err
	}
	out := map[string]size{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			continue
		}
		var s size
		s.bytes, _ = strconv.ParseUint(f[1], 10, 64)
		s.rows, _ = strconv.ParseUint(f[2], 10, 64)
		out[f[0]] = s
	}
	return out, nil
}

func report(engine string, sizes map[string]size, requests int) {
	var all uint64
	names := make([]string, 0, len(sizes))
	for t := range sizes {
		names = append(names, t)
	}
	sort.Strings(names)
	raw := sizes[schema.RawTable]
	for _, t := range names {
		s := sizes[t]
		all += s.bytes
		fmt.Printf("BENCH storage_%s_%s_bytes_per_request %.2f B/req\n", engine, t, float64(s.bytes)/float64(requests))
		if t != schema.RawTable && raw.rows > 0 {
			fmt.Printf("BENCH storage_%s_%s_rows_per_raw_row %.5f rows/row\n", engine, t, float64(s.rows)/float64(raw.rows))
		}
	}
	fmt.Printf("BENCH storage_%s_all_tables_bytes_per_request %.2f B/req\n", engine, float64(all)/float64(requests))
}
