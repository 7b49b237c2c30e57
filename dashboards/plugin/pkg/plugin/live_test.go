package plugin_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/edgelog/edgelog/lab/grafanaenv"
	"github.com/edgelog/edgelog/query/api"
)

// TestLiveStream drives the live counter over the plugin's gRPC protocol
// as Grafana Live does: an ops_live query names its channel, a viewer
// subscribes (tenancy decided by the query service), the stream's first
// frame carries the query service's figures, publishing is refused, and
// the stream ends when the last viewer leaves.
func TestLiveStream(t *testing.T) {
	env := grafanaenv.Shared(t)
	tr := grafanaenv.DayRange()

	// The figures the query service gives each token's scope.
	apiLive := func(ds, params string) api.Live {
		t.Helper()
		var l api.Live
		askAPI(t, env, ds, &data.Frame{Meta: &data.FrameMeta{ExecutedQueryString: "GET ops/live" + params + " (live_1s_by_hour)"}}, &l)
		return l
	}
	fleet := apiLive(dsAdmin, "")
	// (The loaded days are sparse: the last complete second may hold no
	// request; the day does.)
	if fleet.RequestsToday == 0 || fleet.ServersReporting == 0 {
		t.Fatalf("the fleet's live figures are empty: %+v", fleet)
	}

	f := one(t, env, dsAdmin, dq("A", tr, map[string]any{"queryType": "ops_live"}))
	if want := "ds/" + dsAdmin + "/live/fleet"; f.Meta == nil || f.Meta.Channel != want {
		t.Fatalf("ops_live frame meta %+v, want channel %s", f.Meta, want)
	}
	if got := field(t, f, "requests_today").At(0).(uint64); got != fleet.RequestsToday {
		t.Errorf("requests today %d, want the API's %d", got, fleet.RequestsToday)
	}
	if u := field(t, f, "requests_per_s").Config.Unit; u != "reqps" {
		t.Errorf("hits/s unit %q", u)
	}
	f = one(t, env, dsAcme, dq("B", tr, map[string]any{"queryType": "ops_live", "region": "eu-west"}))
	if want := "ds/" + dsAcme + "/live/region/eu-west"; f.Meta.Channel != want {
		t.Errorf("acme's channel %s, want %s", f.Meta.Channel, want)
	}
	acmeEU := apiLive(dsAcme, "?region=eu-west")
	if got := field(t, f, "requests_today").At(0).(uint64); got != acmeEU.RequestsToday || got == 0 || got >= fleet.RequestsToday {
		t.Errorf("acme's requests today in eu-west %d, want the API's %d (below the fleet's %d)", got, acmeEU.RequestsToday, fleet.RequestsToday)
	}
	r := env.Query(t, env.Settings(dsAdmin), dq("C", tr, map[string]any{"queryType": "ops_live", "region": "eu-west", "pop": "ams1"})).Responses["C"]
	if r.Error == nil || r.Status != backend.StatusBadRequest {
		t.Errorf("ops_live with a PoP: %v (status %d), want a bad request", r.Error, r.Status)
	}

	// Subscriptions: the scope must exist and the token must see it.
	for _, c := range []struct {
		ds, path string
		want     backend.SubscribeStreamStatus
	}{
		{dsAdmin, "live/fleet", backend.SubscribeStreamStatusOK},
		{dsEngineer, "live/region/eu-west", backend.SubscribeStreamStatusOK},
		{dsAcme, "live/customer/acme", backend.SubscribeStreamStatusOK},
		{dsAcme, "live/customer/acme/region/eu-west", backend.SubscribeStreamStatusOK},
		{dsAcme, "live/customer/globex", backend.SubscribeStreamStatusPermissionDenied},
		{dsAdmin, "live/planet/mars", backend.SubscribeStreamStatusNotFound},
		{dsAdmin, "live/region/", backend.SubscribeStreamStatusNotFound},
		{dsAdmin, "live/customer/a%2Fb", backend.SubscribeStreamStatusNotFound},
	} {
		resp := env.Subscribe(t, env.Settings(c.ds), c.path)
		if resp.Status != c.want {
			t.Errorf("%s subscribing to %s: status %v, want %v", c.ds, c.path, resp.Status, c.want)
			continue
		}
		if c.want == backend.SubscribeStreamStatusOK {
			var initial data.Frame
			if resp.InitialData == nil || json.Unmarshal(resp.InitialData.Data(), &initial) != nil || len(initial.Fields) == 0 {
				t.Errorf("%s subscribing to %s: no initial frame", c.ds, c.path)
			}
		}
	}
	if resp := env.Publish(t, env.Settings(dsAdmin), "live/fleet", []byte(`{"requests_per_s":1}`)); resp.Status != backend.PublishStreamStatusPermissionDenied {
		t.Errorf("publishing to live/fleet: status %v, want permission denied", resp.Status)
	}

	// The stream: its first frame is the API's figures for the scope; it
	// ends when Grafana cancels it.
	ctx, cancel := context.WithCancel(context.Background())
	packets := env.RunStream(ctx, t, env.Settings(dsAcme), "live/customer/acme")
	select {
	case p, ok := <-packets:
		if !ok {
			t.Fatal("the stream ended before its first frame")
		}
		var fr data.Frame
		if err := json.Unmarshal(p, &fr); err != nil {
			t.Fatalf("stream packet is not a frame: %v\n%s", err, p)
		}
		acme := apiLive(dsAcme, "")
		fd, i := fr.FieldByName("requests_per_s")
		if i < 0 || fd.At(0).(uint64) != acme.RequestsPerS {
			t.Errorf("stream frame %s, want requests_per_s %d", p, acme.RequestsPerS)
		}
		if tf, _ := fr.FieldByName("time"); tf == nil || !tf.At(0).(time.Time).Equal(acme.At) {
			t.Errorf("stream frame %s, want time %s", p, acme.At)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no frame within 10 s")
	}
	cancel()
	select {
	case _, ok := <-packets:
		for ok {
			_, ok = <-packets
		}
	case <-time.After(10 * time.Second):
		t.Error("the stream did not end after its cancellation")
	}
}
