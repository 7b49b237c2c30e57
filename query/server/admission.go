package server

import (
	"context"
	"errors"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// Admission bounds the requests computing answers at once. Without it 200
// dashboard viewers become 200 concurrent ClickHouse queries: the server's
// own limit (max_concurrent_queries) and the connection pool then fail
// requests at random, and every query slows down because all share the
// cores. With it, requests beyond Concurrent wait in line (their order of
// arrival) for up to MaxWait, then get 503 with Retry-After: an overloaded
// API answers "later", never a wrong or partial answer.
type Admission struct {
	slots   chan struct{}
	maxWait time.Duration
	// flights coalesces identical requests in flight: viewers of one
	// dashboard panel share one computation even with the cache off.
	flights singleflight.Group
	// Per-token gates in front of the slots (tenant.go).
	perToken, perTokenQueue int
	gatesMu                 sync.Mutex
	gates                   map[string]*tokenGate
}

// Default admission settings: a few queries per core keep ClickHouse busy
// without thrashing; the wait stays under the HTTP handler's timeout.
const (
	DefaultConcurrent = 8
	DefaultMaxWait    = 20 * time.Second
)

// NewAdmission admits at most concurrent requests at once; a request waits at
// most maxWait for a slot.
func NewAdmission(concurrent int, maxWait time.Duration) *Admission {
	if concurrent < 1 {
		concurrent = 1
	}
	return &Admission{slots: make(chan struct{}, concurrent), maxWait: maxWait,
		perToken: max(1, concurrent/4), perTokenQueue: DefaultPerTokenQueue}
}

// errBusy is the answer when no slot freed up in time (HTTP 503).
var errBusy = errors.New("the query service is busy, retry shortly")

// do runs compute once per key among concurrent callers, inside a slot. A
// nil Admission runs compute directly.
func (a *Admission) do(ctx context.Context, key string, compute func() (result, error)) (result, error) {
	if a == nil {
		return compute()
	}
	run := func() (any, error) {
		release, err := a.acquireToken(ctx, principalOf(ctx))
		if err != nil {
			return result{}, err
		}
		defer release()
		if err := a.acquire(ctx); err != nil {
			return result{}, err
		}
		defer func() { <-a.slots }()
		return compute()
	}
	v, err, shared := a.flights.Do(key, run)
	if shared && ctx.Err() == nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, errTokenBusy)) {
		// The caller whose computation we shared gave up (its client went
		// away) or was refused for its own token's load; that is no answer
		// for this caller, who computes its own.
		v, err = run()
	}
	return v.(result), err
}

func (a *Admission) acquire(ctx context.Context) error {
	select {
	case a.slots <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(a.maxWait)
	defer t.Stop()
	select {
	case a.slots <- struct{}{}:
		return nil
	case <-t.C:
		return errBusy
	case <-ctx.Done():
		return ctx.Err()
	}
}

// InFlight is the number of requests holding a slot, exported as the
// gauge edgelog_query_in_flight; 0 for a nil Admission.
func (a *Admission) InFlight() int {
	if a == nil {
		return 0
	}
	return len(a.slots)
}
