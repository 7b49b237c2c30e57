package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/edgelog/edgelog/internal/chconn"
	"github.com/edgelog/edgelog/internal/httplimit"
	"github.com/edgelog/edgelog/internal/kafkaconf"
	"github.com/edgelog/edgelog/internal/tlsconf"
	"github.com/edgelog/edgelog/query"
	"github.com/edgelog/edgelog/query/billing"
	"github.com/edgelog/edgelog/query/livetail"
	"github.com/edgelog/edgelog/query/server"
	"github.com/edgelog/edgelog/schema"
)

func init() {
	register("query", "serve the traffic, billing and performance HTTP API", runQuery)
}

func runQuery(ctx context.Context, args []string) error {
	fs := newFlags("query", "[flags]", `Serves the JSON API under /api/v1 from the ClickHouse rollups (OpenAPI document
at /api/v1/openapi.yaml). Callers authenticate with bearer tokens from --tokens;
without it the API is open to anyone who can reach --listen (local demo only).`)
	var ch chconn.Config
	ch.RegisterFlags(fs)
	listen := fs.String("listen", "127.0.0.1:8080", "HTTP listen address")
	tokensPath := fs.String("tokens", "", "API tokens secrets file (YAML: name, role, sha256 or token_file)")
	pricesPath := fs.String("prices", "", "price book (YAML) for bills; without it bills show usage only")
	opsAddr := fs.String("metrics-addr", queryMetricsAddr, "serve /metrics, /healthz and /debug/pprof here (off: nowhere)")
	cacheTTL := fs.Duration("cache-ttl", 10*time.Second, "keep answers this long (0: no cache)")
	cacheBytes := fs.Int64("cache-bytes", server.DefaultCacheBytes, "the cached answers' bytes at most")
	concurrent := fs.Int("max-concurrent", server.DefaultConcurrent, "requests computing answers at once; more wait in line")
	maxWait := fs.Duration("max-wait", server.DefaultMaxWait, "longest a request waits in line before a 503 with Retry-After")
	maxExec := fs.Duration("max-execution", 25*time.Second, "ClickHouse max_execution_time of each query")
	maxRawRows := fs.Int64("max-raw-rows", query.DefaultMaxRawRows, "rows of the raw table one drill-down (GET /api/v1/requests) may read (ClickHouse max_rows_to_read); more is a 400 asking for a narrower window")
	lateness := fs.Duration("live-lateness", query.DefaultLateness, "how far rows of one Kafka partition may arrive out of time order (the collectors' batch wait and a margin): the live counter's watermark")
	maxConns := fs.Int("max-connections", httplimit.Defaults.MaxConns, "connections served at once on --listen; more wait in the listen backlog")
	perToken := fs.Int("per-token-concurrent", 0, "requests of one token computing at once; more wait in its own line (default: a quarter of --max-concurrent, at least 1)")
	perTokenQueue := fs.Int("per-token-queue", server.DefaultPerTokenQueue, "requests of one token waiting for its slots; more get 429 with Retry-After")
	liveTail := fs.Bool("live-tail", false, "count the live counter's newest seconds from the Kafka topic as the collectors' messages arrive (--brokers, --topic): the wall about a second and a half fresher than ClickHouse's watermark, whose figures replace them as it catches up")
	topic := fs.String("topic", kafkaconf.DefaultTopic, "Kafka topic the collectors write (read by --live-tail)")
	var kc kafkaconf.Config
	kc.RegisterFlags(fs)
	tlsCert := fs.String("tls-cert", "", "serve HTTPS with this certificate (PEM, with --tls-key): TLS 1.2+ with ECDHE and AEAD ciphers only")
	tlsKey := fs.String("tls-key", "", "the private key (PEM) of --tls-cert")
	if err := parseFlags(ctx, fs, args); err != nil {
		return err
	}
	if !schema.ValidIdent(ch.Database) {
		return fmt.Errorf("invalid database name %q", ch.Database)
	}
	if *maxRawRows <= 0 {
		return fmt.Errorf("--max-raw-rows must be positive: it bounds what one drill-down reads")
	}
	tlsCfg, err := tlsconf.Server(*tlsCert, *tlsKey)
	if err != nil {
		return err
	}
	log := newLogger()
	conn, err := chconn.Open(ctx, ch)
	if err != nil {
		return err
	}
	defer conn.Close()
	reg := newRegistry()
	m := server.NewMetrics(reg)
	var tail *livetail.Tail
	if *liveTail {
		dialer, err := kc.Dialer()
		if err != nil {
			return err
		}
		tail = livetail.New(livetail.Config{Brokers: kc.Brokers, Dialer: dialer, Topic: *topic, Lateness: *lateness, Log: log})
		go tail.Run(ctx) // #nosec G118 -- reads until the process's context ends
		log.Info("live tail: counting the wall's newest seconds from Kafka", "topic", *topic, "brokers", kc.Brokers)
	}
	srv := &server.Server{Store: &query.Store{Conn: conn, DB: ch.Database, QueryTime: m.ObserveQuery, MaxExecution: *maxExec, MaxRawRows: *maxRawRows, Lateness: *lateness, Tail: tail},
		Log: log, Metrics: m, Admission: server.NewAdmission(*concurrent, *maxWait).LimitPerToken(*perToken, *perTokenQueue)}
	if *tokensPath != "" {
		if srv.Tokens, err = server.LoadTokens(*tokensPath); err != nil {
			return err
		}
	} else {
		log.Warn("no --tokens: the API is open, every caller is admin; use this only on 127.0.0.1")
	}
	if *pricesPath != "" {
		if srv.Prices, err = billing.LoadPriceBook(*pricesPath); err != nil {
			return err
		}
	}
	if *cacheTTL > 0 {
		srv.Cache = server.NewCache(*cacheTTL, *cacheBytes)
	}
	if err := serveOps(ctx, log, *opsAddr, reg, func() error { return conn.Ping(ctx) }); err != nil {
		return err
	}
	limits := httplimit.Limits{MaxConns: *maxConns}
	ln, err := httplimit.Listen(*listen, limits)
	if err != nil {
		return err
	}
	scheme := "http"
	if tlsCfg != nil {
		// The handshake runs under the server's read deadlines
		// (httplimit), like the request that follows it.
		ln, scheme = tls.NewListener(ln, tlsCfg), "https"
	}
	// Every ClickHouse query a request makes ends with the request; a
	// slow query cannot pile up behind a client that gave up. Slow, idle
	// and greedy clients are bounded by httplimit.
	hs := httplimit.Server(timeoutJSON(srv.Handler(), 30*time.Second), limits)
	// On SIGTERM the listener closes at once and requests in flight get
	// 5 s to finish (their ClickHouse queries end with them); the process
	// ends when they have, or are cut.
	stopped := make(chan struct{})
	go func() { // #nosec G118 -- shutdown after ctx ended needs a context of its own
		defer close(stopped)
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := hs.Shutdown(sctx); err != nil {
			hs.Close() // #nosec G104 -- shutdown already failed and is logged next; nothing more to do
			log.Warn("stopped: requests still running after 5 s were cut", "err", err)
			return
		}
		log.Info("stopped: every request in flight was answered")
	}()
	fmt.Printf("query API listening on %s://%s/api/v1\n", scheme, ln.Addr())
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	<-stopped
	return nil
}
