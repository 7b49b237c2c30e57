package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime/debug"
	"time"

	"github.com/edgelog/edgelog/internal/httplimit"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/version"

	"github.com/edgelog/edgelog/internal/buildinfo"
)

// The default /metrics (and /healthz, pprof) listen address of each
// long-running role, on the loopback interface like node_exporter's 9100:
// one port per role, so a collector, an ingest worker and a query replica
// on one host do not collide (an import, which can run for hours beside
// a collector, has one too). --metrics-addr off serves nothing; the
// ports of the services are the ones deploy/compose/prometheus.yml scrapes.
const (
	collectorMetricsAddr = "127.0.0.1:9101"
	ingestMetricsAddr    = "127.0.0.1:9102"
	queryMetricsAddr     = "127.0.0.1:9103"
	importMetricsAddr    = "127.0.0.1:9104"
	metricsOff           = "off"
)

func newLogger() *slog.Logger {
	level := slog.LevelInfo
	if os.Getenv("EDGELOG_DEBUG") != "" {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

// newRegistry returns a registry with the Go and process collectors and
// edgelog_build_info (Prometheus' own build-info collector: version,
// revision, branch, goversion, goos, goarch, tags), its version and
// revision those `edgelog version` prints (internal/buildinfo).
func newRegistry() *prometheus.Registry {
	bi := buildinfo.Get()
	version.Version, version.Revision, version.BuildDate = bi.Version, bi.Commit, bi.Date
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		versioncollector.NewCollector("edgelog"))
	return reg
}

// serveOps serves /metrics and /healthz on addr until ctx is done. The
// address "off" (or none) serves nothing.
func serveOps(ctx context.Context, log *slog.Logger, addr string, reg *prometheus.Registry, healthy func() error) error {
	if addr == metricsOff || addr == "" {
		return nil
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	// pprof lives here, never on a public API listener.
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		if healthy != nil {
			if err := healthy(); err != nil {
				http.Error(w, err.Error(), http.StatusServiceUnavailable)
				return
			}
		}
		w.Write([]byte("ok\n")) // #nosec G104 -- the health answer's body; the status line is already sent
	})
	// Bounded like the API (httplimit), with time for a 60s CPU profile.
	limits := httplimit.Limits{WriteTimeout: 65 * time.Second}
	ln, err := httplimit.Listen(addr, limits)
	if err != nil {
		return fmt.Errorf("cannot serve /metrics on %s (--metrics-addr ADDR moves it, --metrics-addr off turns it off): %w", addr, err)
	}
	srv := httplimit.Server(mux, limits)
	go func() { // #nosec G118 -- shutdown after ctx ended needs a context of its own
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("ops listener", "err", err)
		}
	}()
	log.Info("serving metrics", "addr", "http://"+ln.Addr().String()+"/metrics")
	return nil
}

// setGCPercent sets the process's GOGC to p unless the environment sets
// one. The default (100) lets the heap grow to twice what is live before
// collecting, and every page of that headroom is fresh memory the kernel
// clears on first touch: 17-23% of ingest's CPU in the 20M-line bench
// (perf), where a collection of its mostly pointer-free heap costs little.
// 50 keeps a third less.
func setGCPercent(p int) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(p)
	}
}
