package bench

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/edgelog/edgelog/lab/engines/stacktest"
)

var bin string

func TestMain(m *testing.M) { stacktest.TestMain(m, &bin) }

// The collector and the broker alone ship every generated line (kcat counts
// the rows back) and the run prints each of its figures, kcat's included.
func TestCollectorAlone(t *testing.T) {
	var out bytes.Buffer
	if err := CollectorAlone(context.Background(), Options{Dir: t.TempDir(), Bin: bin, Lines: 200_000, Out: &out}); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, name := range []string{"collector_alone_lines_per_sec", "collector_alone_cpu_seconds_per_million", "collector_alone_cores",
		"collector_alone_broker_cpu_seconds_per_million", "collector_alone_peak_rss", "kcat_lines_per_sec", "collector_alone_vs_kcat"} {
		m := regexp.MustCompile(`(?m)^BENCH ` + name + ` (\S+) `).FindStringSubmatch(out.String())
		if m == nil {
			t.Fatalf("no BENCH %s in\n%s", name, out.String())
		}
		// The broker's share of 200k lines may be under one clock tick.
		if v, err := strconv.ParseFloat(m[1], 64); err != nil || v < 0 || (v == 0 && !strings.Contains(name, "broker")) {
			t.Fatalf("BENCH %s %s: want a positive figure", name, m[1])
		}
	}
}

func TestSumRows(t *testing.T) {
	for _, tc := range []struct {
		out  string
		want int64
		bad  bool
	}{
		{out: "source=/a/access.log,rows=50000,src=x#1,src_end=9,src_seq=0\nsource=/a/access.log,rows=7,src=x#1,src_end=12,src_seq=0\n", want: 50007},
		{out: "", want: 0},
		{out: "source=/a/access.log,rows=5\nsource=/a/access.log\n", bad: true}, // a message without the header
		{out: "rows=five\n", bad: true},
		{out: "rows=-3\n", bad: true},
	} {
		got, err := sumRows(tc.out)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("sumRows(%q) = %d, %v; want %d, error %v", tc.out, got, err, tc.want, tc.bad)
		}
	}
}
