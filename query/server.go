package query

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Server is the HTTP API.
type Server struct {
	Store *Store
	Log   *slog.Logger
}

// Handler returns the API's routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/traffic/timeseries", s.trafficSeries)
	mux.HandleFunc("GET /api/v1/traffic/summary", s.trafficSummary)
	mux.HandleFunc("GET /api/v1/perf/slowest", s.perfSlowest)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if err := s.Store.Conn.Ping(r.Context()); err != nil {
			http.Error(w, "clickhouse: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok\n"))
	})
	return mux
}

func (s *Server) trafficSeries(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	rng, err := parseRange(q)
	if err != nil {
		s.fail(w, userError{err})
		return
	}
	customer := q.Get("customer")
	if customer == "" {
		s.fail(w, userError{errors.New("customer is required")})
		return
	}
	series, err := s.Store.TrafficSeries(r.Context(), customer, rng)
	if err != nil {
		s.fail(w, err)
		return
	}
	w.Header().Set("X-Edgelog-Table", series.Table)
	writeJSON(w, series)
}

func (s *Server) trafficSummary(w http.ResponseWriter, r *http.Request) {
	rng, err := parseRange(r.URL.Query())
	if err != nil {
		s.fail(w, userError{err})
		return
	}
	sum, err := s.Store.TrafficSummary(r.Context(), rng)
	if err != nil {
		s.fail(w, err)
		return
	}
	w.Header().Set("X-Edgelog-Table", sum.Table)
	writeJSON(w, sum)
}

// perfSlowest serves the "slowest places now" ranking:
// ?at=RFC3339&window=15m&baseline=3h&metric=request_time|ttfb&limit=10.
func (s *Server) perfSlowest(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var o SlowOptions
	var err error
	if v := q.Get("at"); v != "" {
		if o.At, err = time.Parse(time.RFC3339, v); err != nil {
			s.fail(w, userError{errors.New("at must be an RFC 3339 time")})
			return
		}
	}
	for name, dst := range map[string]*time.Duration{"window": &o.Window, "baseline": &o.Baseline} {
		if v := q.Get(name); v != "" {
			if *dst, err = time.ParseDuration(v); err != nil {
				s.fail(w, userError{fmt.Errorf("%s must be a duration such as 15m", name)})
				return
			}
		}
	}
	o.Metric = q.Get("metric")
	if v := q.Get("limit"); v != "" {
		if o.Limit, err = strconv.Atoi(v); err != nil {
			s.fail(w, userError{errors.New("limit must be a number")})
			return
		}
	}
	res, err := s.Store.Slowest(r.Context(), o)
	if err != nil {
		s.fail(w, err)
		return
	}
	w.Header().Set("X-Edgelog-Table", res.Table)
	writeJSON(w, res)
}

func parseRange(q url.Values) (Range, error) {
	var r Range
	var err error
	if r.From, err = time.Parse(time.RFC3339, q.Get("from")); err != nil {
		return r, errors.New("from must be an RFC 3339 time")
	}
	if r.To, err = time.Parse(time.RFC3339, q.Get("to")); err != nil {
		return r, errors.New("to must be an RFC 3339 time")
	}
	r.Step = time.Hour
	if st := q.Get("step"); st != "" {
		if r.Step, err = time.ParseDuration(st); err != nil {
			return r, errors.New("step must be a duration such as 5m or 1h")
		}
	}
	r.From, r.To = r.From.UTC(), r.To.UTC()
	return r, nil
}

func (s *Server) fail(w http.ResponseWriter, err error) {
	var ue userError
	if errors.As(err, &ue) {
		writeJSONStatus(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	s.Log.Error("query failed", "err", err)
	writeJSONStatus(w, http.StatusInternalServerError, map[string]string{"error": "internal error"})
}

func writeJSON(w http.ResponseWriter, v any) { writeJSONStatus(w, http.StatusOK, v) }

func writeJSONStatus(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
