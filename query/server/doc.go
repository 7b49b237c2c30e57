// Package server is the query service's HTTP API under /api/v1: it parses
// a request's range and filters, resolves the caller's bearer token to a
// role and the customer it is scoped to (auth.go), admits a bounded number
// of computations at once and coalesces identical ones (admission.go),
// keeps answers a few seconds (cache.go), answers from a query.Store and a
// billing.Ledger as query/api's JSON types (or CSV bills), maps errors to
// status codes, and exports its Prometheus metrics (metrics.go).
package server
