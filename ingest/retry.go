package ingest

import (
	"context"
	"time"
)

// retryFirst is the first wait of retry.
const retryFirst = 100 * time.Millisecond

// retry calls try until it returns nil, waiting between attempts from
// 100 ms, doubling up to RetryMax, and warning after each failure through
// warn (w.log.Warn, or a rate-limited Warner's Fail) with msg, args and
// the error. It returns nil once try succeeded, or try's last error when
// ctx ended first. Every loop of ingest that waits out ClickHouse or
// Kafka is this one but two, retryInsert's and the feed repair's
// (rebuildLostFeed), which must learn whether a failed attempt landed
// before they try again.
func (w *Worker) retry(ctx context.Context, warn func(string, ...any), msg string, try func() error, args ...any) error {
	for delay := retryFirst; ; delay = min(2*delay, w.cfg.RetryMax) {
		err := try()
		if err == nil {
			return nil
		}
		warn(msg, append(args, "err", err)...)
		if !sleepCtx(ctx, delay) {
			return err
		}
	}
}
