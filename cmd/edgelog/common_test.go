package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestMetricsByDefault: each long-running role has its own default
// /metrics address on the loopback interface, the registry carries
// edgelog_build_info, and "off" serves nothing.
func TestMetricsByDefault(t *testing.T) {
	seen := map[string]string{}
	for role, addr := range map[string]string{"collector": collectorMetricsAddr, "ingest": ingestMetricsAddr, "query": queryMetricsAddr, "import": importMetricsAddr} {
		host, _, err := net.SplitHostPort(addr)
		if err != nil || host != "127.0.0.1" {
			t.Errorf("%s: default metrics address %q, want 127.0.0.1:PORT", role, addr)
		}
		if other, ok := seen[addr]; ok {
			t.Errorf("%s and %s share the default metrics address %s", role, other, addr)
		}
		seen[addr] = role
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := serveOps(ctx, log, metricsOff, newRegistry(), nil); err != nil {
		t.Fatal(err)
	}
	// The address is taken: the error says how to move or turn it off.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if err := serveOps(ctx, log, ln.Addr().String(), newRegistry(), nil); err == nil || !strings.Contains(err.Error(), "--metrics-addr off") {
		t.Errorf("serveOps on a taken address: %v, want an error naming --metrics-addr off", err)
	}
	free := ln.Addr().String()
	ln.Close()
	if err := serveOps(ctx, log, free, newRegistry(), nil); err != nil {
		t.Fatal(err)
	}
	var body []byte
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		resp, err := http.Get("http://" + free + "/metrics")
		if err == nil {
			body, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
	}
	if !strings.Contains(string(body), "edgelog_build_info{") || !strings.Contains(string(body), `goversion="go`) {
		t.Errorf("/metrics has no edgelog_build_info with its Go version:\n%.2000s", body)
	}
}
