package schema

// ChainViewFrom renders r's chained view over from (a view or table), for
// tests that check which source a server runs.
func ChainViewFrom(db string, r Rollup, from string) string { return r.chainView(db, from) }

// ViewsOverRaw are the rollups migration 23 makes again with casts.
var ViewsOverRaw = viewsOverRaw
