package server

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Per-token admission (issue 17, noisy tenants). The global slots alone let
// one token fill every slot and its line: a customer's script issuing 200
// concurrent dashboard loads then makes finance's bill wait behind 200
// queries. So each token (Principal.Name) also has its own gate in front
// of the global one: at most PerToken of its requests compute at once
// (a quarter of the global slots, at least 1, or the token's own
// max_concurrent from the tokens file) and
// at most PerTokenQueue more wait for one of its slots (default
// DefaultPerTokenQueue, room for a whole dashboard's panels); beyond that,
// or after MaxWait in its line, the request gets 429 Too Many Requests
// with Retry-After: the caller is told to slow down, and the other tokens'
// requests find the global slots the noisy one cannot take. A token's line
// is held at its own gate, so it never queues ahead of others in the
// global line. The open API (no tokens, Principal.Name "") has no
// per-token gate. Gates are kept per configured token name: as many as the
// tokens file has.

// Per-token defaults.
const (
	DefaultPerTokenQueue = 32
)

// errTokenBusy is the answer when a token has too many requests in
// computation and in line (HTTP 429).
var errTokenBusy = errors.New("too many requests in flight for this token, retry shortly")

// tokenGate is one token's slots and the count of its waiting requests.
type tokenGate struct {
	slots   chan struct{}
	mu      sync.Mutex
	waiting int
}

// LimitPerToken sets how many requests of one token compute at once and
// how many more may wait; 0 keeps the default. It returns a for chaining.
func (a *Admission) LimitPerToken(concurrent, queue int) *Admission {
	if concurrent > 0 {
		a.perToken = concurrent
	}
	if queue > 0 {
		a.perTokenQueue = queue
	}
	return a
}

// PerToken returns the per-token limits in force.
func (a *Admission) PerToken() (concurrent, queue int) { return a.perToken, a.perTokenQueue }

// gate returns p's gate, made on first use with p.MaxConcurrent slots, or
// the per-token default.
func (a *Admission) gate(p Principal) *tokenGate {
	a.gatesMu.Lock()
	defer a.gatesMu.Unlock()
	if a.gates == nil {
		a.gates = map[string]*tokenGate{}
	}
	g := a.gates[p.Name]
	if g == nil {
		n := a.perToken
		if p.MaxConcurrent > 0 {
			n = p.MaxConcurrent
		}
		g = &tokenGate{slots: make(chan struct{}, n)}
		a.gates[p.Name] = g
	}
	return g
}

// acquireToken takes one of p's slots; release gives it back. The open API
// (no name) has no gate.
func (a *Admission) acquireToken(ctx context.Context, p Principal) (release func(), err error) {
	if p.Name == "" {
		return func() {}, nil
	}
	g := a.gate(p)
	release = func() { <-g.slots }
	select {
	case g.slots <- struct{}{}:
		return release, nil
	default:
	}
	g.mu.Lock()
	if g.waiting >= a.perTokenQueue {
		g.mu.Unlock()
		return nil, errTokenBusy
	}
	g.waiting++
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.waiting--
		g.mu.Unlock()
	}()
	t := time.NewTimer(a.maxWait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return release, nil
	case <-t.C:
		return nil, errTokenBusy
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
