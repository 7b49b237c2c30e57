package schema_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/edgelog/edgelog/lab/engines/chtest"
	"github.com/edgelog/edgelog/schema"
)

// TestInsertWeightedIsTheView fills every rollup of a second database
// from the first one's raw rows, each standing for two requests: every
// sum is twice what the views wrote, over the same groups, and every
// latency state merges.
func TestInsertWeightedIsTheView(t *testing.T) {
	ctx := context.Background()
	conn := chtest.Conn(t)
	viewed, weighted := chtest.NewDB(t), chtest.NewDB(t)
	loadTraffic(t, viewed)
	for _, r := range schema.Rollups {
		sql := r.InsertWeighted(weighted, fmt.Sprintf("(SELECT *, toUInt64(2) AS w FROM %s.requests)", viewed), "w")
		if err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v\n%s", r.Name, err, sql)
		}
		var dims []string
		for _, d := range r.Dims {
			dims = append(dims, d.Name)
		}
		sel := []string{fmt.Sprintf("(SELECT count() FROM (SELECT %[1]s FROM {db}.%[2]s GROUP BY %[1]s))", strings.Join(dims, ", "), r.Name)}
		for _, m := range r.Measures {
			if fn, ok := strings.CutPrefix(m.Type, "AggregateFunction(quantiles"); ok {
				fn, _, _ = strings.Cut(fn, "(")
				sel = append(sel, fmt.Sprintf("toUInt64(quantiles%sMerge(%s)(%s)[1] > 0)", fn, schema.Quantiles, m.Name))
			} else {
				sel = append(sel, "toUInt64(sum("+m.Name+"))")
			}
		}
		read := func(db string) []uint64 {
			q := strings.ReplaceAll("SELECT "+strings.Join(sel, ", ")+" FROM {db}."+r.Name, "{db}", db)
			out := make([]uint64, len(sel))
			dest := make([]any, len(out))
			for i := range out {
				dest[i] = &out[i]
			}
			if err := conn.QueryRow(ctx, q).Scan(dest...); err != nil {
				t.Fatalf("%v\n%s", err, q)
			}
			return out
		}
		v, w := read(viewed), read(weighted)
		for i, m := range r.Measures {
			want := v[i+1]
			if !strings.HasPrefix(m.Type, "AggregateFunction") {
				want *= 2
			}
			if w[i+1] != want && (r.Complete() || w[i+1] > want) {
				t.Errorf("%s.%s: %d weighted, want %d", r.Name, m.Name, w[i+1], want)
			}
		}
		if w[0] != v[0] && r.Complete() {
			t.Errorf("%s: %d groups weighted, %d by the view", r.Name, w[0], v[0])
		}
	}
}
