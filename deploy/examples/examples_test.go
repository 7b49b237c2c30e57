package examples

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edgelog/edgelog/collector"
	"github.com/edgelog/edgelog/collector/enrich"
	"github.com/edgelog/edgelog/collector/format"
	"github.com/edgelog/edgelog/ingest"
	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/query/billing"
	"github.com/edgelog/edgelog/query/server"
)

// nginxLine is what nginx writes with collector.yaml's log_format edgelog.
const nginxLine = `203.0.113.9 - - [04/Dec/2026:21:59:58 +0000] "GET /img/logo.png?v=3 HTTP/2.0" 200 5120 "https://www.acme.com/" "Mozilla/5.0 (X11; Linux x86_64)" "www.acme.com" https 512 0.012 0.004 HIT "image/png" 1796421598.123`

// TestCollectorExamples loads every collector example with LoadConfig,
// validates it as the collector does at start, and parses a line of its
// format with the parser its input gets.
func TestCollectorExamples(t *testing.T) {
	f := func(file, line string, wantInputs int, want func(r *record.Record) string) {
		t.Helper()
		cfg, err := collector.LoadConfig(file)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(file, "cloudfront") {
			// `edgelog import FILE...` sets the inputs from its arguments.
			if len(cfg.Inputs) > 0 {
				t.Errorf("%s: inputs are ignored by edgelog import", file)
			}
			cfg.Inputs, cfg.Follow = []collector.Input{{Type: "import", Path: "/srv/cloudfront/new/E2EXAMPLE.2026-12-04-21.a1b2c3d4.gz"}}, false
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if len(cfg.Inputs) != wantInputs {
			t.Fatalf("%s: %d inputs, want %d", file, len(cfg.Inputs), wantInputs)
		}
		if cfg.EdgeConfig != "/etc/edgelog/edge.yaml" {
			t.Errorf("%s: edge_config %q, want the packaged /etc/edgelog/edge.yaml", file, cfg.EdgeConfig)
		}
		for _, in := range cfg.Inputs {
			if in.Type == "file" {
				// A tailed glob must not reach logrotate's compressed names.
				lit := strings.TrimRight(in.Path[:strings.IndexAny(in.Path+"*", "*?[")], ".")
				for _, gz := range []string{lit + ".2.gz", lit + ".1.gz", lit + "-20261204.gz"} {
					if ok, _ := filepath.Match(in.Path, gz); ok {
						t.Errorf("%s: file input %s matches the compressed %s", file, in.Path, gz)
					}
				}
			}
			kind, text := cfg.FormatKind, cfg.Format
			if in.Format != "" {
				kind, text = in.Format, in.LogFormat
			}
			p, err := collector.NewParser(kind, text)
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			var r record.Record
			for _, l := range strings.Split(line, "\n") {
				r.Reset()
				if err = p.Parse([]byte(l), &r); !errors.Is(err, format.ErrNoRecord) {
					break
				}
			}
			if err != nil {
				t.Fatalf("%s: sample line: %v", file, err)
			}
			if msg := want(&r); msg != "" {
				t.Errorf("%s: %s", file, msg)
			}
		}
	}
	nginx := func(r *record.Record) string {
		if string(r.Str[record.Host]) != "www.acme.com" || r.Status != 200 || r.BytesSent != 5120 ||
			r.RequestTimeUs != 12_000 || r.TTFBUs != 4_000 || string(r.Str[record.CacheStatus]) != "HIT" || r.TimeMs != 1796421598123 {
			return "nginx line parsed as " + dump(r)
		}
		return ""
	}
	f("collector.yaml", nginxLine, 2, nginx)
	f("collector-syslog.yaml", nginxLine, 2, nginx)
	f("collector-apache.yaml",
		`www.acme.com:443 203.0.113.9 - - [04/Dec/2026:21:59:58 +0000] "GET /index.html HTTP/1.1" 200 7023 "-" "curl/8.5.0" 1834`, 2,
		func(r *record.Record) string {
			if string(r.Str[record.Host]) != "www.acme.com" || r.Status != 200 || r.BytesSent != 7023 || r.RequestTimeUs != 1834 {
				return "apache line parsed as " + dump(r)
			}
			return ""
		})
	cloudfront, err := os.ReadFile(filepath.Join("..", "..", "collector", "format", "w3c", "testdata", "cloudfront.log"))
	if err != nil {
		t.Fatal(err)
	}
	f("collector-cloudfront.yaml", string(cloudfront), 1, func(r *record.Record) string {
		if string(r.Str[record.Path]) != "/index.html" || r.Status != 200 || r.BytesSent != 392 {
			return "CloudFront line parsed as " + dump(r)
		}
		return ""
	})
}

func dump(r *record.Record) string {
	var b strings.Builder
	for i, s := range r.Str {
		if len(s) > 0 {
			b.WriteString(record.Str(i).String() + "=" + string(s) + " ")
		}
	}
	return b.String()
}

// TestEdgeExample loads edge.yaml as the collector does and maps its hosts.
func TestEdgeExample(t *testing.T) {
	c, err := enrich.Load("edge.yaml")
	if err != nil {
		t.Fatal(err)
	}
	e := enrich.New(c)
	f := func(host, wantCustomer string, wantUnknown bool) {
		t.Helper()
		var r record.Record
		r.Str[record.Host] = []byte(host)
		unknown := e.Enrich(&r)
		if got := string(r.Str[record.Customer]); got != wantCustomer || unknown != wantUnknown {
			t.Errorf("host %s: customer %q unknown %v, want %q %v", host, got, unknown, wantCustomer, wantUnknown)
		}
		if got := string(r.Str[record.Region]); got != "eu-central" {
			t.Errorf("host %s: region %q, want eu-central (pop fra1)", host, got)
		}
	}
	f("www.acme.com", "acme", false)
	f("img.acme-cdn.net", "acme", false)
	f("a.b.initech.example", "initech", false)
	f("nobody.example", "unassigned", true)
}

// TestQueryExamples loads tokens.yaml and pricebook.yaml with the query
// service's loaders.
func TestIngestExample(t *testing.T) {
	fc, err := ingest.LoadConfigFile("ingest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if fc.BatchWait != time.Second || fc.BatchWaitMin != time.Second || fc.BatchRows != 500_000 {
		t.Errorf("ingest.yaml: %+v", fc)
	}
}

func TestQueryExamples(t *testing.T) {
	if _, err := server.LoadTokens("tokens.yaml"); err != nil {
		t.Fatal(err)
	}
	pb, err := billing.LoadPriceBook("pricebook.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if pb.Customers["acme"] != "enterprise" || pb.DefaultPlan != "standard" {
		t.Errorf("price book: %+v", pb)
	}
}

// TestReadmeNamesEveryExample keeps the README's list of examples whole.
func TestReadmeNamesEveryExample(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	names, _ := filepath.Glob("*.yaml")
	if len(names) < 7 {
		t.Fatalf("only %d examples: %v", len(names), names)
	}
	for _, n := range names {
		if !strings.Contains(string(readme), "deploy/examples/"+n) {
			t.Errorf("README.md does not mention deploy/examples/%s", n)
		}
	}
}
