// Package query answers traffic and performance questions from the
// rollups: the Store picks the coarsest rollup table that fits a request's
// range and step and builds SQL whose every value is a bound parameter and
// whose identifiers come from allow-lists (traffic series, summaries,
// breakdowns, top lists, latency breakdowns and series, the slowest
// places, the operations overview), and the drill-down to raw rows
// (Requests, the one query of the raw table: an hour at most, under
// ClickHouse's max_rows_to_read and max_execution_time). Its answers are
// the types of query/api.
//
// Beside it: query/billing prices and closes monthly bills from the
// billing rollups through a Store, query/server serves both as the HTTP
// API (routes, tokens, admission, cache, metrics), and query/api holds the
// JSON answers and their OpenAPI document. The tests in this folder run
// the whole service against a real ClickHouse and pin every statement it
// sends (testdata/golden).
package query
