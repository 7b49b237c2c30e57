package schema_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgelog/edgelog/schema"
)

var update = flag.Bool("update", false, "rewrite the golden DDL files")

// TestMigrationsGolden pins every statement of every migration in each
// dialect the schema is deployed in: an applied migration never changes
// meaning, so a change to a rollup's definition or to how DDL is rendered
// must leave these files as they are (a new migration adds to them:
// go test -run MigrationsGolden -update ./schema/).
func TestMigrationsGolden(t *testing.T) {
	dialects := map[string]schema.Dialect{
		"compat":         {},
		"compat_cluster": {Cluster: "edge"},
		"modern":         {Modern: true, GCD: true, RetentionDays: 90},
		"modern_cluster": {Modern: true, Cluster: "edge"},
	}
	for name, d := range dialects {
		var b strings.Builder
		for _, m := range schema.Migrations {
			fmt.Fprintf(&b, "-- migration %d: %s\n", m.Version, m.Name)
			for _, s := range m.SQL("edgelog", d) {
				b.WriteString(s)
				b.WriteString(";\n\n")
			}
		}
		file := filepath.Join("testdata", "migrations", name+".sql")
		if *update {
			if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%v (run with -update to create)", err)
		}
		if got := b.String(); got != string(want) {
			t.Errorf("%s: the migrations' DDL changed:\n%s\nwant:\n%s", name, got, want)
		}
	}
}
