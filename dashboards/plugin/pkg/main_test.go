package main_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/grpcplugin"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	plugin "github.com/hashicorp/go-plugin"

	"github.com/edgelog/edgelog/lab/engines/chtest"
	"github.com/edgelog/edgelog/lab/grafanaenv"
)

func TestMain(m *testing.M) { chtest.Main(m) }

// TestBinaryOverGoPlugin builds gpx_edgelog and starts it the way Grafana's
// plugin host does: hashicorp/go-plugin with Grafana's handshake (magic
// cookie, protocol version 2, gRPC), dispensing the diagnostics and data
// services; then asks it for health and a breakdown over the query
// service holding generated traffic.
func TestBinaryOverGoPlugin(t *testing.T) {
	env := grafanaenv.Shared(t)
	bin := filepath.Join(t.TempDir(), "gpx_edgelog_linux_amd64")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		t.Fatalf("go build: %v", err)
	}

	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig: plugin.HandshakeConfig{
			ProtocolVersion:  grpcplugin.ProtocolVersion,
			MagicCookieKey:   grpcplugin.MagicCookieKey,
			MagicCookieValue: grpcplugin.MagicCookieValue,
		},
		VersionedPlugins: map[int]plugin.PluginSet{grpcplugin.ProtocolVersion: {
			"diagnostics": &grpcplugin.DiagnosticsGRPCPlugin{},
			"data":        &grpcplugin.DataGRPCPlugin{},
			"resource":    &grpcplugin.ResourceGRPCPlugin{},
		}},
		Cmd:              exec.Command(bin),
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		StartTimeout:     30 * time.Second,
	})
	t.Cleanup(client.Kill)
	rpc, err := client.Client()
	if err != nil {
		t.Fatalf("plugin handshake: %v", err)
	}
	if v := client.NegotiatedVersion(); v != grpcplugin.ProtocolVersion {
		t.Errorf("negotiated protocol %d", v)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pctx := backend.ToProto().PluginContext(backend.PluginContext{PluginID: "edgelog-edgelog-datasource", DataSourceInstanceSettings: env.Settings("edgelog-engineer")})

	diag, err := rpc.Dispense("diagnostics")
	if err != nil {
		t.Fatal(err)
	}
	health, err := diag.(pluginv2.DiagnosticsClient).CheckHealth(ctx, &pluginv2.CheckHealthRequest{PluginContext: pctx})
	if err != nil {
		t.Fatal(err)
	}
	if health.Status != pluginv2.CheckHealthResponse_OK {
		t.Errorf("health %v: %s", health.Status, health.Message)
	}

	raw, err := rpc.Dispense("data")
	if err != nil {
		t.Fatal(err)
	}
	q, _ := json.Marshal(map[string]any{"queryType": "traffic_breakdown", "groupBy": "region"})
	req := backend.ToProto().QueryDataRequest(&backend.QueryDataRequest{
		PluginContext: backend.PluginContext{PluginID: "edgelog-edgelog-datasource", DataSourceInstanceSettings: env.Settings("edgelog-engineer")},
		Queries:       []backend.DataQuery{{RefID: "A", TimeRange: grafanaenv.DayRange(), Interval: time.Minute, MaxDataPoints: 1000, JSON: q}},
	})
	pres, err := raw.(pluginv2.DataClient).QueryData(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	res, err := backend.FromProto().QueryDataResponse(pres)
	if err != nil {
		t.Fatal(err)
	}
	r := res.Responses["A"]
	if r.Error != nil || len(r.Frames) != 1 {
		t.Fatalf("QueryData: %v, %d frames", r.Error, len(r.Frames))
	}
	f := r.Frames[0]
	keys, _ := f.FieldByName("region")
	req2, _ := f.FieldByName("requests")
	if keys == nil || req2 == nil || f.Rows() != len(env.Truth.Regions) {
		t.Fatalf("frame %v", f.Fields)
	}
	for i := range f.Rows() {
		region := keys.At(i).(string)
		if got, want := req2.At(i).(uint64), env.Truth.Regions[region].Requests; got != want {
			t.Errorf("%s: %d requests, want %d", region, got, want)
		}
	}
}
