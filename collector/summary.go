package collector

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Summary is what a collector run did: the one line `edgelog collector
// --follow=false` and `edgelog import` end with. It is read from the
// collector's own metrics, so it costs the read loop nothing.
type Summary struct {
	LinesRead    uint64 // lines read from every input
	Shipped      uint64 // rows acknowledged by Kafka
	DeadLettered uint64 // lines written to the dead-letter sink
	BytesRead    uint64 // bytes read from every input
	Elapsed      time.Duration
}

// Summary returns the counts since the collector was created, over elapsed.
func (c *Collector) Summary(elapsed time.Duration) Summary {
	return Summary{
		LinesRead:    counterValue(c.m.linesRead),
		Shipped:      counterValue(c.m.rowsShipped),
		DeadLettered: counterValue(c.m.deadLetters),
		BytesRead:    counterValue(c.m.bytesRead),
		Elapsed:      elapsed,
	}
}

// String renders the summary as one greppable line of name-value pairs.
func (s Summary) String() string {
	secs := s.Elapsed.Seconds()
	rate := 0.0
	if secs > 0 {
		rate = float64(s.LinesRead) / secs
	}
	return fmt.Sprintf("lines_read %d shipped %d dead_lettered %d bytes_read %d seconds %.2f lines_per_s %.0f",
		s.LinesRead, s.Shipped, s.DeadLettered, s.BytesRead, secs, rate)
}

func counterValue(c prometheus.Counter) uint64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		panic("BUG: a counter cannot be read: " + err.Error())
	}
	return uint64(m.GetCounter().GetValue()) // #nosec G115 -- a count of lines, rows or bytes: a non-negative integer far below 2^53
}
