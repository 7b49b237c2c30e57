// Package grafanaenv drives the edgelog Grafana plugin as Grafana does:
// the plugin's gRPC server started by the SDK's datasourcetest harness, and
// a gRPC client calling QueryData, CheckHealth and CallResource with the
// data sources of dashboards/provisioning, against a real query service
// (query/server over HTTP) over a real ClickHouse (lab/engines/chtest) holding
// generated traffic whose ground truth (gen.Truth) the tests compare with.
//
// One Env is shared by a test package (Shared): loading the traffic costs
// a few seconds, and the plugin's gRPC server is one per process, as in
// Grafana. The package's TestMain must call chtest.Main.
package grafanaenv

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"github.com/grafana/grafana-plugin-sdk-go/experimental/datasourcetest"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"gopkg.in/yaml.v3"

	"github.com/edgelog/edgelog/collector/enrich"
	"github.com/edgelog/edgelog/collector/format"
	"github.com/edgelog/edgelog/collector/format/nginx"
	"github.com/edgelog/edgelog/dashboards/plugin/pkg/plugin"
	"github.com/edgelog/edgelog/ingest"
	"github.com/edgelog/edgelog/internal/chconn"
	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/lab/engines/chtest"
	"github.com/edgelog/edgelog/lab/gen"
	"github.com/edgelog/edgelog/query"
	"github.com/edgelog/edgelog/query/billing"
	"github.com/edgelog/edgelog/query/server"
	"github.com/edgelog/edgelog/schema"
)

// Traffic the Env loads: a day with the default incidents (a slow PoP, a
// failing origin) and, a week earlier, a normal day of the same volume for
// the week-over-week comparisons (the alert rules compare a place's p90
// only where both weeks hold enough requests). Both in October 2026, so
// the month's bills hold both.
var (
	Day        = gen.DefaultStart.AddDate(0, 0, 7) // 2026-10-08
	WeekBefore = gen.DefaultStart                  // 2026-10-01
)

const (
	dayLines        = 150_000
	weekBeforeLines = 150_000
	customers       = 6
	seed            = 11
)

// Source is a provisioned edgelog data source.
type Source struct {
	Name           string            `yaml:"name"`
	UID            string            `yaml:"uid"`
	Type           string            `yaml:"type"`
	URL            string            `yaml:"url"`
	JSONData       map[string]any    `yaml:"jsonData"`
	SecureJSONData map[string]string `yaml:"secureJsonData"`
}

// Env is a running query service with generated traffic and the plugin.
type Env struct {
	Truth, WeekBeforeTruth *gen.Truth
	// Fallbacks are the day's field fallbacks by "field/reason" (see load).
	Fallbacks map[string]uint64
	QueryURL  string
	// Sources are the edgelog data sources of the provisioning file, by
	// uid, pointed at QueryURL.
	Sources map[string]Source
	// Roles are the query-service roles of the sources' tokens, by uid, as
	// the compose tokens file grants them.
	Roles  map[string]string
	Plugin datasourcetest.TestPlugin
	// streams calls the plugin's stream handlers over the same gRPC
	// protocol (the SDK's test client has no stream client).
	streams pluginv2.StreamClient
}

var (
	shared    *Env
	sharedErr error
	once      sync.Once
)

// Shared returns the package's Env, starting it on first use.
func Shared(t testing.TB) *Env {
	t.Helper()
	once.Do(func() { shared, sharedErr = start(chtest.Server(t).Addr()) })
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared
}

// RepoDir is the repository's root (where go.mod is).
func RepoDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

// The env lives as long as the test process: its ClickHouse database goes
// with chtest's server, and the plugin's gRPC server with the process.
func start(chAddr string) (*Env, error) {
	ctx := context.Background()
	root, err := RepoDir()
	if err != nil {
		return nil, err
	}
	conn, err := chconn.Open(ctx, chconn.Config{Addr: chAddr})
	if err != nil {
		return nil, err
	}
	const db = "grafana"
	m, err := schema.NewMigrator(ctx, conn, db, "")
	if err != nil {
		return nil, err
	}
	if _, err := m.Migrate(ctx); err != nil {
		return nil, err
	}
	e := &Env{Sources: map[string]Source{}, Roles: map[string]string{}}
	e.Fallbacks = map[string]uint64{}
	if e.Truth, err = load(ctx, conn, db, gen.Options{Lines: dayLines, Start: Day, Incidents: gen.DefaultIncidents(Day)}, e.Fallbacks); err != nil {
		return nil, err
	}
	if e.WeekBeforeTruth, err = load(ctx, conn, db, gen.Options{Lines: weekBeforeLines, Start: WeekBefore}, nil); err != nil {
		return nil, err
	}

	compose := filepath.Join(root, "deploy", "compose")
	tokensPath := filepath.Join(compose, "tokens.yaml")
	tokens, err := server.LoadTokens(tokensPath)
	if err != nil {
		return nil, err
	}
	prices, err := billing.LoadPriceBook(filepath.Join(compose, "pricebook.yaml"))
	if err != nil {
		return nil, err
	}
	srv := &server.Server{
		// The loaded rows hold the live counter's watermark however long
		// after loading a test asks.
		Store:  &query.Store{Conn: conn, DB: db, WatermarkWindow: 24 * time.Hour},
		Log:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		Tokens: tokens,
		Prices: prices,
	}
	hs := httptest.NewServer(srv.Handler())
	e.QueryURL = hs.URL

	if err := e.readSources(filepath.Join(root, "dashboards", "provisioning", "datasources", "edgelog.yaml"), tokensPath); err != nil {
		return nil, err
	}
	var addr string
	if e.Plugin, addr, err = startPlugin(); err != nil {
		return nil, err
	}
	gc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	e.streams = pluginv2.NewStreamClient(gc)
	return e, nil
}

// oddEvery is how often load logs a line as an edge behind a load
// balancer does: an X-Forwarded-For list in the address field.
const oddEvery = 997

// load generates traffic, parses every line the way the collector does
// (nginx Edge format, enrichment from the generator's edge.yaml) and
// inserts the rows; the truth is counted while the lines are written.
// When fallbacks is not nil, every oddEvery-th line gets a proxy's address
// appended to its address field (the client stays first, so the truth
// holds), goes through the parser's lenient path as the collector's does,
// and its fallbacks are written to schema.FallbacksTable as ingest writes
// a message's, and counted in fallbacks by "field/reason".
func load(ctx context.Context, conn driver.Conn, db string, o gen.Options, fallbacks map[string]uint64) (*gen.Truth, error) {
	o.Seed, o.Customers, o.Duration, o.UnknownHostShare = seed, customers, 24*time.Hour, -1
	g, err := gen.New(o)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	truth, err := g.Write(&buf)
	if err != nil {
		return nil, err
	}
	enr := enrich.New(g.EdgeConfig())
	p := nginx.MustCompile(nginx.Edge)
	var blk record.Block
	var r record.Record
	var notes format.Notes
	var fb driver.Batch
	if fallbacks != nil {
		if fb, err = conn.PrepareBatch(ctx, "INSERT INTO "+db+"."+schema.FallbacksTable+" (time, customer, format, field, reason, lines, src_stream, src_partition, src_offset)"); err != nil {
			return nil, err
		}
		defer fb.Abort()
	}
	sc := bufio.NewScanner(&buf)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 0; sc.Scan(); n++ {
		line := sc.Bytes()
		if fallbacks != nil && n%oddEvery == 0 {
			addr, rest, _ := bytes.Cut(line, []byte(" "))
			line = fmt.Appendf(nil, "%s, 10.0.0.1 %s", addr, rest)
			notes.Reset()
			if p.Parse(line, &r) == nil {
				return nil, fmt.Errorf("an address list passed the fast path: %s", line)
			}
			if err := p.ParseLenient(line, &r, &notes); err != nil {
				return nil, fmt.Errorf("an address list was not kept: %w", err)
			}
			enr.Enrich(&r)
			for _, f := range notes.Fallbacks {
				fallbacks[f.Field+"/"+f.Reason]++
				if err := fb.Append(time.UnixMilli(r.TimeMs).UTC(), string(r.Str[record.Customer]), "nginx", f.Field, f.Reason, uint64(1), "grafanaenv", uint16(0), uint64(n)); err != nil { // #nosec G115 -- n >= 0
					return nil, err
				}
			}
		} else if err := p.Parse(line, &r); err != nil {
			return nil, fmt.Errorf("generated line does not parse: %w", err)
		} else {
			enr.Enrich(&r)
		}
		blk.Append(&r)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if fb != nil {
		if err := fb.Send(); err != nil {
			return nil, err
		}
	}
	if err := ingest.InsertBlock(ctx, conn, db, schema.Dialect{}, &blk); err != nil {
		return nil, err
	}
	return truth, nil
}

// readSources reads the provisioned edgelog data sources and finds each
// one's token in the tokens file (by its SHA-256), recording its role.
func (e *Env) readSources(path, tokensPath string) error {
	b, err := os.ReadFile(path) // #nosec G304 -- a file of the test environment
	if err != nil {
		return err
	}
	var f struct {
		Datasources []Source `yaml:"datasources"`
	}
	if err := yaml.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("cannot parse %s: %w", path, err)
	}
	if b, err = os.ReadFile(tokensPath); err != nil { // #nosec G304 -- a file of the test environment
		return err
	}
	var tf struct {
		Tokens []struct{ Role, SHA256 string } `yaml:"tokens"`
	}
	if err := yaml.Unmarshal(b, &tf); err != nil {
		return fmt.Errorf("cannot parse %s: %w", tokensPath, err)
	}
	for _, s := range f.Datasources {
		if s.Type != plugin.PluginID {
			continue
		}
		sum := sha256.Sum256([]byte(s.SecureJSONData["token"]))
		for _, tok := range tf.Tokens {
			if tok.SHA256 == hex.EncodeToString(sum[:]) {
				e.Roles[s.UID] = tok.Role
			}
		}
		if e.Roles[s.UID] == "" {
			return fmt.Errorf("%s: data source %s has a token %s does not list", path, s.UID, tokensPath)
		}
		s.URL = e.QueryURL
		e.Sources[s.UID] = s
	}
	if len(e.Sources) == 0 {
		return fmt.Errorf("%s provisions no %s data source", path, plugin.PluginID)
	}
	return nil
}

// startPlugin serves the plugin over gRPC on a free port, as Grafana's
// plugin host would start it, and connects a client.
func startPlugin() (datasourcetest.TestPlugin, string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return datasourcetest.TestPlugin{}, "", err
	}
	addr := ln.Addr().String()
	ln.Close() // #nosec G104 -- a probe listener closed to free its port
	// The SDK registers its metrics with the default registry, and logs
	// every request at debug level: keep test output to warnings.
	prometheus.DefaultRegisterer = prometheus.NewRegistry()
	log.DefaultLogger = log.NewWithLevel(log.Warn)
	backend.Logger = log.DefaultLogger
	backend.NewLoggerWith = func(args ...any) log.Logger { return log.NewWithLevel(log.Warn).With(args...) }
	p, err := datasourcetest.Manage(plugin.NewDatasource, datasourcetest.ManageOpts{Address: addr})
	return p, addr, err
}

// Settings is what Grafana sends as a data source's settings.
func (e *Env) Settings(uid string) *backend.DataSourceInstanceSettings {
	s, ok := e.Sources[uid]
	if !ok {
		panic("grafanaenv: no provisioned data source " + uid)
	}
	return &backend.DataSourceInstanceSettings{UID: s.UID, Name: s.Name, URL: s.URL, Type: s.Type,
		DecryptedSecureJSONData: s.SecureJSONData, Updated: time.Unix(1, 0)}
}

// WithToken is a data source like uid's with another token (a distinct
// instance for the plugin).
func (e *Env) WithToken(uid, token string) *backend.DataSourceInstanceSettings {
	s := e.Settings(uid)
	s.UID += "-" + token
	s.DecryptedSecureJSONData = map[string]string{"token": token}
	return s
}

func pluginContext(s *backend.DataSourceInstanceSettings) backend.PluginContext {
	return backend.PluginContext{PluginID: plugin.PluginID, DataSourceInstanceSettings: s}
}

// Query runs queries through the plugin's QueryData over gRPC.
func (e *Env) Query(t testing.TB, s *backend.DataSourceInstanceSettings, queries ...backend.DataQuery) *backend.QueryDataResponse {
	t.Helper()
	resp, err := e.Plugin.Client.QueryData(context.Background(), &backend.QueryDataRequest{PluginContext: pluginContext(s), Queries: queries})
	if err != nil {
		t.Fatalf("QueryData over gRPC: %v", err)
	}
	return resp
}

// Health runs CheckHealth over gRPC.
func (e *Env) Health(t testing.TB, s *backend.DataSourceInstanceSettings) *backend.CheckHealthResult {
	t.Helper()
	res, err := e.Plugin.Client.CheckHealth(context.Background(), &backend.CheckHealthRequest{PluginContext: pluginContext(s)})
	if err != nil {
		t.Fatalf("CheckHealth over gRPC: %v", err)
	}
	return res
}

// Resource runs CallResource GET path?rawQuery over gRPC.
func (e *Env) Resource(t testing.TB, s *backend.DataSourceInstanceSettings, path, rawQuery string) (int, []byte) {
	t.Helper()
	u := path
	if rawQuery != "" {
		u += "?" + rawQuery
	}
	var status int
	var body []byte
	err := e.Plugin.Client.CallResource(context.Background(), &backend.CallResourceRequest{
		PluginContext: pluginContext(s), Path: path, Method: http.MethodGet, URL: u,
	}, backend.CallResourceResponseSenderFunc(func(r *backend.CallResourceResponse) error {
		if r.Status != 0 {
			status = r.Status
		}
		body = append(body, r.Body...)
		return nil
	}))
	if err != nil {
		t.Fatalf("CallResource over gRPC: %v", err)
	}
	return status, body
}

// DayRange is the loaded day as a panel's time range.
func DayRange() backend.TimeRange {
	return backend.TimeRange{From: Day, To: Day.Add(24 * time.Hour)}
}

// Subscribe runs SubscribeStream over gRPC, as Grafana does when a viewer
// joins a channel of the data source.
func (e *Env) Subscribe(t testing.TB, s *backend.DataSourceInstanceSettings, path string) *backend.SubscribeStreamResponse {
	t.Helper()
	resp, err := e.streams.SubscribeStream(context.Background(), backend.ToProto().SubscribeStreamRequest(
		&backend.SubscribeStreamRequest{PluginContext: pluginContext(s), Path: path}))
	if err != nil {
		t.Fatalf("SubscribeStream over gRPC: %v", err)
	}
	return backend.FromProto().SubscribeStreamResponse(resp)
}

// Publish runs PublishStream over gRPC.
func (e *Env) Publish(t testing.TB, s *backend.DataSourceInstanceSettings, path string, body []byte) *backend.PublishStreamResponse {
	t.Helper()
	resp, err := e.streams.PublishStream(context.Background(), backend.ToProto().PublishStreamRequest(
		&backend.PublishStreamRequest{PluginContext: pluginContext(s), Path: path, Data: body}))
	if err != nil {
		t.Fatalf("PublishStream over gRPC: %v", err)
	}
	return backend.FromProto().PublishStreamResponse(resp)
}

// RunStream runs RunStream over gRPC, as Grafana does for a channel's
// first viewer, and returns the packets as they come; cancelling ctx ends
// the stream (the last viewer left), which closes the channel.
func (e *Env) RunStream(ctx context.Context, t testing.TB, s *backend.DataSourceInstanceSettings, path string) <-chan []byte {
	t.Helper()
	st, err := e.streams.RunStream(ctx, backend.ToProto().RunStreamRequest(
		&backend.RunStreamRequest{PluginContext: pluginContext(s), Path: path}))
	if err != nil {
		t.Fatalf("RunStream over gRPC: %v", err)
	}
	out := make(chan []byte, 16)
	go func() {
		defer close(out)
		for {
			p, err := st.Recv()
			if err != nil {
				return
			}
			select {
			case out <- p.Data:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}
