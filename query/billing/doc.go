// Package billing turns the billing rollups into monthly bills: a
// customer-month's usage (requests, bytes out per billing region, the
// 95th-percentile 5-minute sample) read through a query.Store, priced with
// finance's price book in exact decimals, cached per month (re-reading of a
// month that receives rows only the days its new parts cover: cache.go),
// closed into immutable snapshots with later data as
// adjustments on the next bill, and verified against the raw rows. Bills
// are query/api.Bill, the same JSON the API serves and the snapshots keep.
package billing
