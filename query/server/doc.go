// Package server is the query service's HTTP API under /api/v1: it parses
// a request's range and filters, resolves the caller's bearer token to a
// role and the customer it is scoped to (auth.go), admits a bounded number
// of computations at once and coalesces identical ones (admission.go),
// keeps answers a few seconds (cache.go), answers from a query.Store and a
// billing.Ledger as query/api's JSON types (or CSV bills), maps errors to
// status codes, and exports its Prometheus metrics (metrics.go).
//
// Its bounds: at most DefaultConcurrent (8) requests compute at once and
// a request waits at most DefaultMaxWait (20s) for a slot, then gets 503;
// the Cache holds at most MaxBytes of encoded answers (DefaultCacheBytes,
// 64 MiB, in `edgelog query`; one answer at most a quarter of it) for TTL
// (--cache-ttl, default 10s), after which a timer frees them; a list is at
// most query.MaxLimit (1000) rows and a series query.MaxPoints (11,000)
// points with a step of at most query.MaxStep (10 years); the drill-down
// (GET /requests, requests.go) reads a window of at most
// query.MaxRequestsWindow (1h) under its own ClickHouse limits (see
// query.Requests). Each route takes
// a fixed set of parameters, each once: anything else is a 400, never
// computed or cached. The listener `edgelog query` serves it on is bounded
// by internal/httplimit: read 10s, headers 5s, write 35s, idle 30s, body
// 4 KiB, headers 16 KiB, 512 connections (--max-connections).
package server
