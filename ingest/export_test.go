package ingest

import "github.com/prometheus/client_golang/prometheus/testutil"

// SetAfterRaw makes w run f between each batch's raw and feed INSERTs; an
// error from f abandons the batch there, as a crash would.
func SetAfterRaw(w *Worker, f func() error) { w.afterRaw.Store(&f) }

// SetFeedLedgerCheck switches the feed ledger's reading on assignment on
// or off (off: the raw ledger's offset stands for both), to show that the
// crash test fails without it.
func SetFeedLedgerCheck(on bool) { feedLedgerCheck = on }

// SetFeedRebuild switches the rebuild of feed rows Kafka no longer has
// (feedrepair.go) on or off, for the test that shows what it is for.
func SetFeedRebuild(on bool) { feedRebuild = on }

// MessagesRead is how many Kafka messages w has read.
func MessagesRead(w *Worker) float64 { return testutil.ToFloat64(w.m.messages) }
