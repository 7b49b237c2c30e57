package collector

import (
	"slices"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestRejectReasonsPreinitialised: each reject reason has a series at 0
// before the first rejected line (a panel reads 0, not "No data"), and the
// rejects the read loop writes map onto those labels.
func TestRejectReasonsPreinitialised(t *testing.T) {
	m := newMetrics(prometheus.NewRegistry())
	if n := testutil.CollectAndCount(m.linesRejected); n != len(rejectReasons) {
		t.Errorf("%d reject series before any reject, want %d", n, len(rejectReasons))
	}
	for _, reject := range []string{"parse: timestamp out of range", "oversize: line longer than 10 bytes", "empty line", "parse: invalid UTF-8 in path", "truncated: the stream failed mid-line: unexpected EOF"} {
		if r := reasonLabel(reject); !slices.Contains(rejectReasons, r) {
			t.Errorf("reject %q has label %q, not in rejectReasons %v", reject, r, rejectReasons)
		}
	}
}
