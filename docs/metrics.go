package docs

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/edgelog/edgelog/collector"
	"github.com/edgelog/edgelog/ingest"
	"github.com/edgelog/edgelog/query/server"
)

// Metric is one metric a stage registers.
type Metric struct {
	Stage, Name, Type, Unit, Help string
	Labels                        []string
}

// recorder is a prometheus.Registerer that keeps what is registered.
type recorder struct{ cs []prometheus.Collector }

func (r *recorder) Register(c prometheus.Collector) error { r.cs = append(r.cs, c); return nil }
func (r *recorder) MustRegister(cs ...prometheus.Collector) {
	r.cs = append(r.cs, cs...)
}
func (r *recorder) Unregister(prometheus.Collector) bool { return false }

// Metrics builds each stage the way its command does, on a registerer that
// records what it registers, and describes every metric.
func Metrics() ([]Metric, error) {
	dir, err := os.MkdirTemp("", "edgelog-docs-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	// The collector needs an input and an edge mapping to start; nothing
	// is read or connected until Run.
	edge := filepath.Join(dir, "edge.yaml")
	if err := os.WriteFile(edge, []byte("default_customer: x\n"), 0o644); err != nil { // #nosec G306 -- a throwaway config in a temporary directory, no secret
		return nil, err
	}
	ccfg := collector.DefaultConfig()
	ccfg.File, ccfg.EdgeConfig, ccfg.DeadLetterFile = filepath.Join(dir, "access.log"), edge, filepath.Join(dir, "dlq.jsonl")
	ccfg.Kafka.Brokers = []string{"127.0.0.1:9092"} // never dialled
	var crec, irec, qrec recorder
	if _, err := collector.New(ccfg, &crec, log); err != nil {
		return nil, fmt.Errorf("cannot build a collector: %w", err)
	}
	var icfg ingest.Config
	icfg.Kafka.Brokers = []string{"127.0.0.1:9092"}
	icfg.CH.Database = "edgelog"
	if _, err := ingest.New(icfg, &irec, log); err != nil {
		return nil, fmt.Errorf("cannot build an ingest worker: %w", err)
	}
	server.NewMetrics(&qrec)

	var all []Metric
	for _, s := range []struct {
		stage string
		r     *recorder
	}{{"collector", &crec}, {"ingest", &irec}, {"query", &qrec}} {
		for _, c := range s.r.cs {
			ms, err := describe(s.stage, c)
			if err != nil {
				return nil, err
			}
			all = append(all, ms...)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	return all, nil
}

var descRE = regexp.MustCompile(`^Desc\{fqName: ("(?:[^"\\]|\\.)*"), help: ("(?:[^"\\]|\\.)*"), unit: "[^"]*", constLabels: \{[^}]*\}, variableLabels: \{([^}]*)\}\}$`)

// describe returns the metrics of c: names, help and labels from their
// descriptors, the type from the vector's Go type or, for a single metric,
// from the sample it writes.
func describe(stage string, c prometheus.Collector) ([]Metric, error) {
	descs := make(chan *prometheus.Desc, 16)
	go func() { c.Describe(descs); close(descs) }()
	var out []Metric
	for d := range descs {
		m := descRE.FindStringSubmatch(d.String())
		if m == nil {
			return nil, fmt.Errorf("cannot read the metric descriptor %s (client_golang changed its format?)", d)
		}
		name, _ := strconv.Unquote(m[1])
		help, _ := strconv.Unquote(m[2])
		var labels []string
		if m[3] != "" {
			labels = strings.Split(m[3], ",")
		}
		out = append(out, Metric{Stage: stage, Name: name, Help: help, Labels: labels})
	}
	typ, err := typeOf(c)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Type = typ
		out[i].Unit = unitOf(out[i].Name, typ)
	}
	return out, nil
}

func typeOf(c prometheus.Collector) (string, error) {
	switch c.(type) {
	case *prometheus.CounterVec:
		return "counter", nil
	case *prometheus.GaugeVec:
		return "gauge", nil
	case *prometheus.HistogramVec:
		return "histogram", nil
	case *prometheus.SummaryVec:
		return "summary", nil
	}
	ms := make(chan prometheus.Metric, 16)
	go func() { c.Collect(ms); close(ms) }()
	typ := ""
	for m := range ms {
		var pb dto.Metric
		if err := m.Write(&pb); err != nil {
			return "", err
		}
		switch {
		case pb.Counter != nil:
			typ = "counter"
		case pb.Gauge != nil:
			typ = "gauge"
		case pb.Histogram != nil:
			typ = "histogram"
		case pb.Summary != nil:
			typ = "summary"
		default:
			typ = "untyped"
		}
	}
	if typ == "" {
		return "", fmt.Errorf("cannot tell the type of %T: it collects nothing", c)
	}
	return typ, nil
}

// unitOf reads the unit from the name, where Prometheus' naming
// conventions put it: a base unit (seconds, bytes), else the thing counted,
// the last plural noun of the name (lines_read_total counts lines).
func unitOf(name, typ string) string {
	base := strings.TrimSuffix(name, "_total")
	if strings.HasSuffix(base, "_timestamp_seconds") {
		return "Unix time, seconds"
	}
	words := strings.Split(base, "_")
	for i := len(words) - 1; i >= 2; i-- {
		switch w := words[i]; w {
		case "seconds", "bytes", "lines", "rows", "messages", "batches", "requests", "hits", "misses",
			"reloads", "letters", "errors", "retries":
			return w
		}
	}
	if typ == "counter" {
		return "events"
	}
	return "1"
}

// MetricsPage renders docs/metrics.md.
func MetricsPage(ms []Metric) string {
	var b strings.Builder
	b.WriteString(header + "# edgelog metrics\n\n" +
		"Every Prometheus metric the stages register, generated from their registries\n" +
		"(`make docs`). Each process serves them on `--metrics-addr` (`/metrics`,\n" +
		"beside `/healthz` and `/debug/pprof/`; by default collector 127.0.0.1:9101,\n" +
		"ingest 127.0.0.1:9102, query 127.0.0.1:9103, `off` serves nothing), together\n" +
		"with client_golang's standard `go_*` and `process_*` metrics and\n" +
		"`edgelog_build_info` (gauge 1 labelled version, revision, goversion, goos,\n" +
		"goarch). Labelled counters start at 0 for their known labels. Counters end in `_total` and only\n" +
		"grow while the process runs; use `rate()` or `increase()`. Histograms are\n" +
		"exported as `_bucket`, `_sum` and `_count` series.\n")
	for _, s := range []string{"collector", "ingest", "query"} {
		fmt.Fprintf(&b, "\n## %s\n\n| metric | type | unit | labels | meaning |\n|---|---|---|---|---|\n", s)
		for _, m := range ms {
			if m.Stage != s {
				continue
			}
			labels := ""
			if len(m.Labels) > 0 {
				labels = "`" + strings.Join(m.Labels, "`, `") + "`"
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", m.Name, m.Type, m.Unit, labels, escapeCell(m.Help))
		}
	}
	return b.String()
}

func escapeCell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
