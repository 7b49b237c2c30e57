// Package query answers traffic questions from the rollups: it picks the
// coarsest rollup table that fits a request's range and step, builds SQL
// whose every value is a bound parameter and whose identifiers come from
// allow-lists, and serves the results as JSON over HTTP.
package query
