package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func TestAdmissionQueuesThenRejects(t *testing.T) {
	a := NewAdmission(1, 50*time.Millisecond)
	hold := make(chan struct{})
	started := make(chan struct{})
	go a.do(context.Background(), "slow", func() (result, error) {
		close(started)
		<-hold
		return result{}, nil
	})
	<-started
	start := time.Now()
	_, err := a.do(context.Background(), "other", func() (result, error) { return result{}, nil })
	if !errors.Is(err, errBusy) {
		t.Fatalf("second request while the only slot is held: %v, want errBusy", err)
	}
	if waited := time.Since(start); waited < 50*time.Millisecond {
		t.Errorf("rejected after %s, want a wait of MaxWait first", waited)
	}
	// A request that arrives while the slot is held gets it once freed.
	done := make(chan error)
	go func() {
		_, err := a.do(context.Background(), "third", func() (result, error) { return result{value: 3}, nil })
		done <- err
	}()
	time.Sleep(10 * time.Millisecond)
	close(hold)
	if err := <-done; err != nil {
		t.Fatalf("queued request: %v", err)
	}
}

func TestAdmissionCoalescesIdenticalRequests(t *testing.T) {
	a := NewAdmission(4, time.Second)
	var computed atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := a.do(context.Background(), "same panel", func() (result, error) {
				computed.Add(1)
				<-release
				return result{value: 42}, nil
			})
			if err != nil || res.value != 42 {
				t.Errorf("coalesced answer %v, %v", res.value, err)
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	if n := computed.Load(); n != 1 {
		t.Errorf("10 identical requests computed %d times, want 1", n)
	}
}

func TestBusyIs503WithRetryAfter(t *testing.T) {
	s := &Server{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: NewMetrics(nil)}
	w := httptest.NewRecorder()
	if code := s.fail(w, errBusy); code != 503 || w.Code != 503 || w.Header().Get("Retry-After") == "" {
		t.Fatalf("busy: code %d, header %q", w.Code, w.Header().Get("Retry-After"))
	}
	w = httptest.NewRecorder()
	if s.fail(w, context.DeadlineExceeded); w.Code != 503 || w.Header().Get("Retry-After") == "" {
		t.Fatalf("deadline: code %d, header %q, want 503 with Retry-After (the document has no 504)", w.Code, w.Header().Get("Retry-After"))
	}
}

// A caller sharing a computation whose own caller went away gets its own
// answer, not the other's cancellation.
func TestAdmissionFollowerOutlivesLeader(t *testing.T) {
	a := NewAdmission(2, time.Second)
	leaderCtx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	go a.do(leaderCtx, "panel", func() (result, error) {
		close(started)
		<-leaderCtx.Done()
		return result{}, leaderCtx.Err()
	})
	<-started
	done := make(chan result)
	go func() {
		res, err := a.do(context.Background(), "panel", func() (result, error) { return result{value: "own"}, nil })
		if err != nil {
			t.Errorf("follower: %v", err)
		}
		done <- res
	}()
	time.Sleep(20 * time.Millisecond) // the follower joins the leader's flight
	cancel()
	if res := <-done; res.value != "own" {
		t.Fatalf("follower got %v, want its own answer", res.value)
	}
}

// TestInFlightGauge holds an admission slot and expects the gauge the
// metrics export to count it.
func TestInFlightGauge(t *testing.T) {
	reg := prometheus.NewRegistry()
	a := NewAdmission(2, time.Second)
	s := &Server{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: NewMetrics(reg), Admission: a}
	s.Handler()
	gauge := func() float64 {
		families, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range families {
			if f.GetName() == "edgelog_query_in_flight" {
				return f.GetMetric()[0].GetGauge().GetValue()
			}
		}
		t.Fatal("edgelog_query_in_flight is not exported")
		return 0
	}
	if g := gauge(); g != 0 {
		t.Fatalf("idle: %v in flight", g)
	}
	hold, started := make(chan struct{}), make(chan struct{})
	go a.do(context.Background(), "slow", func() (result, error) {
		close(started)
		<-hold
		return result{}, nil
	})
	<-started
	if g := gauge(); g != 1 {
		t.Errorf("one request computing: %v in flight, want 1", g)
	}
	close(hold)
}
