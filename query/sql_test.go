package query

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden SQL files")

// TestSQLGolden pins the SQL each breakdown renders: a change to a query is
// a reviewed change to its golden file (go test -run SQLGolden -update).
func TestSQLGolden(t *testing.T) {
	cases := map[string]string{
		"breakdown_host":          breakdownSQL("edgelog", "traffic_1h", "host", ""),
		"breakdown_region_scoped": breakdownSQL("edgelog", "traffic_1d", "region", " AND customer = ?"),
		"breakdown_status_class":  breakdownSQL("edgelog", "traffic_1m", "status_class", " AND customer = ?"),
		"breakdown_cache_status":  breakdownSQL("edgelog", "traffic_1m", "cache_status", ""),
	}
	for name, sql := range cases {
		path := filepath.Join("testdata", "golden", name+".sql")
		if *update {
			os.MkdirAll(filepath.Dir(path), 0o755)
			if err := os.WriteFile(path, []byte(sql+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to create)", err)
		}
		if string(want) != sql+"\n" {
			t.Errorf("%s changed:\n%s\nwant:\n%s", name, sql, want)
		}
	}
}
