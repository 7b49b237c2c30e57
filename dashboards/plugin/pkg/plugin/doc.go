// Package plugin is the backend of edgelog's Grafana data source plugin
// (plugin id edgelog-edgelog-datasource, executable gpx_edgelog).
//
// It offers typed questions instead of SQL: a panel names a query type
// (traffic_series, perf_breakdown, billing_p95, ...), a metric, a group-by and
// a few filters, and the plugin asks the query service's HTTP API with the
// data source's token. Tenancy therefore stays enforced in one place, the
// query service: a customer's token never sees another customer's data,
// whatever a dashboard asks. The answers decode into query/api's types,
// the ones the service encodes (a package without the ClickHouse driver).
//
// The three plugin calls:
//   - QueryData turns each query into one API call (two for the queries that
//     combine a series with a bill) and answers typed data frames: time
//     series as wide frames whose value fields carry units (reqps, bps, ms,
//     percentunit, decbytes), tables as frames with one field per column.
//     The panel's time range, interval and max data points pick the step.
//     Mistakes in a query and the API's 4xx answers come back as downstream
//     errors, so Grafana blames the query, not the plugin.
//   - CheckHealth says whether the query service answers and accepts the token.
//   - CallResource serves the lists dashboard variables need: customers the
//     token may see, hosts, regions, PoPs and countries.
//
// The query model (model.go) is the contract shared with the frontend's
// query editor and the dashboards: Specs lists every query type with the
// metrics, group-bys and filters it takes and the fields its frames hold.
package plugin
