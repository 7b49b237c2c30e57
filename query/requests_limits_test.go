package query

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/edgelog/edgelog/lab/engines/chtest"
	"github.com/edgelog/edgelog/schema"
)

// TestRawLimitsStopQueries checks on ClickHouse 18.16 that the settings
// the drill-down sends stop a query: max_execution_time ends an endless
// scan in about its limit, and the error becomes the client's (400).
// (max_rows_to_read: TestRequestsRowLimit, on the raw table.)
func TestRawLimitsStopQueries(t *testing.T) {
	s := &Store{Conn: chtest.Conn(t), DB: "default", MaxExecution: time.Second}
	start := time.Now()
	rows, err := s.Query(s.rawLimits(context.Background()), "SELECT count() FROM system.numbers")
	if err == nil {
		for rows.Next() {
		}
		err = rows.Err()
		rows.Close()
	}
	took := time.Since(start)
	var ue UserError
	if err = limitError(err); !errors.As(err, &ue) || !strings.Contains(err.Error(), "max_execution_time") {
		t.Fatalf("an endless scan under max_execution_time 1s: %v, want a UserError naming max_execution_time", err)
	}
	if took > 10*time.Second {
		t.Errorf("the scan stopped after %s, want about 1s", took)
	}
	t.Logf("stopped after %s: %v", took, err)

	// max_rows_to_read on 18.16 counts rows read from tables (not from
	// the numbers() table function): TestRequestsRowLimit checks it on
	// the raw table.
}

// TestCacheOutcomesMatchRollups holds the drill-down's cache outcomes to
// the lists the traffic rollups count hits and misses by.
func TestCacheOutcomesMatchRollups(t *testing.T) {
	ru, ok := schema.RollupByName("traffic_1m")
	if !ok {
		t.Fatal("no traffic_1m")
	}
	found := 0
	for _, m := range ru.Measures {
		switch m.Name {
		case "cache_hit":
			found++
			if !strings.Contains(m.Expr, cacheOutcomes["hit"]) {
				t.Errorf("cache_hit counts %s, the drill-down's hit is %s", m.Expr, cacheOutcomes["hit"])
			}
		case "cache_miss":
			found++
			if !strings.Contains(m.Expr, cacheOutcomes["miss"]) {
				t.Errorf("cache_miss counts %s, the drill-down's miss is %s", m.Expr, cacheOutcomes["miss"])
			}
		}
	}
	if found != 2 {
		t.Errorf("traffic_1m has %d of cache_hit and cache_miss", found)
	}
}
