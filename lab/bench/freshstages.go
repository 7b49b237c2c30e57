package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// freshStages are the per-stage timing histograms a freshness phase
// reads from the collector's and ingest's /metrics (issue 23: where the
// lag goes), in the order a row passes them.
var freshStages = []struct{ proc, name, metric string }{
	{"collector", "collector_batch", "edgelog_collector_batch_age_seconds"},
	{"collector", "collector_produce", "edgelog_collector_produce_seconds"},
	{"ingest", "ingest_message_age", "edgelog_ingest_message_age_seconds"},
	{"ingest", "ingest_batch", "edgelog_ingest_batch_age_seconds"},
	{"ingest", "ingest_flush", "edgelog_ingest_flush_seconds"},
	{"ingest", "ingest_insert", "edgelog_ingest_insert_seconds"},
}

// histSnap is one histogram's cumulative state.
type histSnap struct {
	count   uint64
	sum     float64
	buckets []*dto.Bucket
}

// scrapeHistograms reads the histograms named in freshStages from a
// process's /metrics.
func scrapeHistograms(ctx context.Context, url string) (map[string]histSnap, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("cannot parse %s: %w", url, err)
	}
	out := map[string]histSnap{}
	for _, s := range freshStages {
		f := fams[s.metric]
		if f == nil || len(f.GetMetric()) == 0 || f.GetMetric()[0].GetHistogram() == nil {
			continue
		}
		h := f.GetMetric()[0].GetHistogram()
		out[s.metric] = histSnap{count: h.GetSampleCount(), sum: h.GetSampleSum(), buckets: h.GetBucket()}
	}
	return out, nil
}

// stageFigures returns the mean and the p99 (a bucket's upper bound, so
// an upper estimate) of what a histogram saw between two snapshots; ok
// is false when it saw nothing.
func stageFigures(before, after histSnap) (mean, p99 float64, ok bool) {
	n := after.count - before.count
	if n == 0 || after.count < before.count {
		return 0, 0, false
	}
	mean = (after.sum - before.sum) / float64(n)
	want := 0.99 * float64(n)
	p99 = -1 // past the last bucket
	for i, b := range after.buckets {
		c := b.GetCumulativeCount()
		if i < len(before.buckets) {
			c -= before.buckets[i].GetCumulativeCount()
		}
		if float64(c) >= want {
			p99 = b.GetUpperBound()
			break
		}
	}
	return mean, p99, true
}
