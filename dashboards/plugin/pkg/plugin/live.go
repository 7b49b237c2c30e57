package plugin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/live"

	"github.com/edgelog/edgelog/query/api"
)

// The live counter: the network operations wall's headline panels (hits/s
// now, requests today, servers reporting, bytes/s) tick every second through
// Grafana Live. A panel's ops_live query answers the current figures and
// names its channel (frame meta "channel"); Grafana's frontend then
// subscribes to it, and Grafana calls SubscribeStream for each viewer and
// RunStream once per channel however many viewers watch it. RunStream polls
// GET ops/live with the data source's token, so tenancy is the query
// service's, as for every query: a customer token's stream counts its own
// traffic, and asking for another customer's is refused at subscription.
//
// Channel paths, one stream per scope:
//
//	live/fleet
//	live/region/<region>
//	live/customer/<customer>
//	live/customer/<customer>/region/<region>
//
// The figures are of complete seconds only (the query service's
// watermark); a frame is sent when the watermark moves, at most every
// livePoll.

var _ backend.StreamHandler = (*Datasource)(nil)

// livePoll is how often a running stream asks the query service: a
// quarter of a second adds at most that to what a viewer sees after a
// second completes, at four small API calls a second per watched scope.
const livePoll = 250 * time.Millisecond

// liveScope is a stream's scope, parsed from its channel path.
type liveScope struct {
	Customer, Region string
}

// maxScopeValue bounds a customer or region in a channel path.
const maxScopeValue = 100

func validScopeValue(v string) bool {
	return v != "" && len(v) <= maxScopeValue && !strings.ContainsAny(v, "/?#%")
}

// parseLivePath reads a channel path (see above).
func parseLivePath(path string) (liveScope, error) {
	parts := strings.Split(path, "/")
	if len(parts) < 2 || parts[0] != "live" {
		return liveScope{}, fmt.Errorf("unknown stream %q", path)
	}
	var sc liveScope
	var values []string // the path's customer and region, each required
	switch {
	case len(parts) == 2 && parts[1] == "fleet":
	case len(parts) == 3 && parts[1] == "region":
		sc.Region = parts[2]
		values = []string{sc.Region}
	case len(parts) == 3 && parts[1] == "customer":
		sc.Customer = parts[2]
		values = []string{sc.Customer}
	case len(parts) == 5 && parts[1] == "customer" && parts[3] == "region":
		sc.Customer, sc.Region = parts[2], parts[4]
		values = []string{sc.Customer, sc.Region}
	default:
		return liveScope{}, fmt.Errorf("unknown stream %q", path)
	}
	for _, v := range values {
		if !validScopeValue(v) {
			return liveScope{}, fmt.Errorf("stream %q: a customer or region is 1-%d bytes without / ? # %%", path, maxScopeValue)
		}
	}
	return sc, nil
}

// path is the channel path of the scope.
func (sc liveScope) path() string {
	p := "live/fleet"
	switch {
	case sc.Customer != "" && sc.Region != "":
		p = "live/customer/" + sc.Customer + "/region/" + sc.Region
	case sc.Customer != "":
		p = "live/customer/" + sc.Customer
	case sc.Region != "":
		p = "live/region/" + sc.Region
	}
	return p
}

func (sc liveScope) params() url.Values {
	v := url.Values{}
	if sc.Customer != "" {
		v.Set("customer", sc.Customer)
	}
	if sc.Region != "" {
		v.Set("region", sc.Region)
	}
	return v
}

// fetchLive asks the query service for the scope's figures.
func (d *Datasource) fetchLive(ctx context.Context, sc liveScope) (*api.Live, error) {
	var l api.Live
	if err := d.API.Get(ctx, "ops/live", sc.params(), &l); err != nil {
		return nil, err
	}
	return &l, nil
}

// liveFrame is one tick of the counter: one row.
func liveFrame(l *api.Live) *data.Frame {
	at := l.At
	return data.NewFrame("live",
		data.NewField("time", nil, []time.Time{at}),
		data.NewField("requests_per_s", nil, []uint64{l.RequestsPerS}).SetConfig(&data.FieldConfig{Unit: "reqps", DisplayNameFromDS: "hits/s now"}),
		data.NewField("bytes_out_per_s", nil, []uint64{l.BytesOutPerS}).SetConfig(&data.FieldConfig{Unit: "Bps", DisplayNameFromDS: "bytes/s now"}),
		data.NewField("requests_today", nil, []uint64{l.RequestsToday}).SetConfig(&data.FieldConfig{Unit: "short", DisplayNameFromDS: "requests today"}),
		data.NewField("bytes_out_today", nil, []uint64{l.BytesOutToday}).SetConfig(&data.FieldConfig{Unit: "decbytes", DisplayNameFromDS: "delivered today"}),
		data.NewField("servers_reporting", nil, []uint64{l.ServersReporting}).SetConfig(&data.FieldConfig{Unit: "short", DisplayNameFromDS: "edge servers reporting"}),
		data.NewField("behind_s", nil, []float64{l.BehindS}).SetConfig(&data.FieldConfig{Unit: "s", DisplayNameFromDS: "wall behind the clock"}),
		data.NewField("idle", nil, []bool{l.Idle}).SetConfig(&data.FieldConfig{DisplayNameFromDS: "nothing landed for a minute"}),
	)
}

// opsLive answers an ops_live query: the figures now, in a frame naming
// the stream that keeps them ticking.
func opsLive(ctx context.Context, d *Datasource, q Query, dq backend.DataQuery) (data.Frames, error) {
	if q.PoP != "" {
		return nil, badQuery(errors.New("ops_live takes a region, not a PoP"))
	}
	sc := liveScope{Customer: q.Customer, Region: q.Region}
	for _, v := range []string{sc.Customer, sc.Region} {
		if v != "" && !validScopeValue(v) {
			return nil, badQuery(fmt.Errorf("a customer or region is 1-%d bytes without / ? # %%", maxScopeValue))
		}
	}
	l, err := d.fetchLive(ctx, sc)
	if err != nil {
		return nil, err
	}
	f := liveFrame(l)
	f.Meta = &data.FrameMeta{ExecutedQueryString: "GET ops/live?" + sc.params().Encode() + " (" + l.Table + ")"}
	if d.UID != "" {
		f.Meta.Channel = live.Channel{Scope: live.ScopeDatasource, Namespace: d.UID, Path: sc.path()}.String()
	}
	return data.Frames{f}, nil
}

// SubscribeStream admits a viewer to a channel: the path must be a scope
// and the data source's token must see it (one API call; a refusal is
// PermissionDenied). The current figures go along as the initial data.
func (d *Datasource) SubscribeStream(ctx context.Context, req *backend.SubscribeStreamRequest) (*backend.SubscribeStreamResponse, error) {
	sc, err := parseLivePath(req.Path)
	if err != nil {
		return &backend.SubscribeStreamResponse{Status: backend.SubscribeStreamStatusNotFound}, nil
	}
	l, err := d.fetchLive(ctx, sc)
	if err != nil {
		var e *APIError
		if errors.As(err, &e) {
			switch e.Status {
			case http.StatusForbidden, http.StatusUnauthorized:
				return &backend.SubscribeStreamResponse{Status: backend.SubscribeStreamStatusPermissionDenied}, nil
			case http.StatusBadRequest:
				return &backend.SubscribeStreamResponse{Status: backend.SubscribeStreamStatusNotFound}, nil
			}
		}
		return nil, err
	}
	initial, err := backend.NewInitialFrame(liveFrame(l), data.IncludeAll)
	if err != nil {
		return nil, fmt.Errorf("cannot encode the initial frame: %w", err)
	}
	return &backend.SubscribeStreamResponse{Status: backend.SubscribeStreamStatusOK, InitialData: initial}, nil
}

// PublishStream refuses every publication: the wall's channels carry the
// query service's figures only.
func (d *Datasource) PublishStream(context.Context, *backend.PublishStreamRequest) (*backend.PublishStreamResponse, error) {
	return &backend.PublishStreamResponse{Status: backend.PublishStreamStatusPermissionDenied}, nil
}

// RunStream polls the query service every livePoll and sends a frame each
// time the watermark moves, until Grafana ends the stream (no viewer
// left). A failed poll is logged and retried at the next tick; the stream
// ends if the token loses access.
func (d *Datasource) RunStream(ctx context.Context, req *backend.RunStreamRequest, sender *backend.StreamSender) error {
	sc, err := parseLivePath(req.Path)
	if err != nil {
		return err
	}
	log := backend.Logger.With("stream", req.Path)
	var last time.Time
	tick := time.NewTicker(livePoll)
	defer tick.Stop()
	for {
		l, err := d.fetchLive(ctx, sc)
		var e *APIError
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.As(err, &e) && (e.Status == http.StatusForbidden || e.Status == http.StatusUnauthorized):
			return err
		case err != nil:
			log.Warn("live poll failed", "err", err)
		case l.At.After(last):
			last = l.At
			if err := sender.SendFrame(liveFrame(l), data.IncludeAll); err != nil {
				return fmt.Errorf("cannot send a live frame: %w", err)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}
