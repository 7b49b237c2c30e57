package wire

import (
	"strconv"

	"github.com/segmentio/kafka-go"
)

// The Kafka headers a collector puts on every batch message and ingest
// reads. The collector writes them and ingest reads them through the
// functions below, so the two sides cannot spell a key differently.
const (
	// HeaderSourceName is the input the batch came from (a path, "stdin",
	// "syslog"): what dead letters and logs name. Informational.
	HeaderSourceName = "source"
	// HeaderRows is the batch's row count. Informational: the payload's
	// own header is what Decode trusts.
	HeaderRows = "rows"
	// HeaderSource, HeaderSourceEnd and HeaderSourceSeq name one message
	// for good: the file (path#inode-fingerprint) or stream it was cut
	// from, the byte offset its cut ends at, and its index among the
	// messages of that cut. A collector that re-cuts after a crash yields
	// the same three values, which is how ingest skips a re-sent batch.
	HeaderSource    = "src"
	HeaderSourceEnd = "src_end"
	HeaderSourceSeq = "src_seq"
)

// BatchHeaders returns the informational headers of a batch message.
func BatchHeaders(sourceName string, rows int) []kafka.Header {
	return []kafka.Header{
		{Key: HeaderSourceName, Value: []byte(sourceName)},
		{Key: HeaderRows, Value: strconv.AppendInt(nil, int64(rows), 10)},
	}
}

// AppendSource appends the headers that name message seq of the cut of src
// ending at byte end. src and end are shared by the cut's messages and
// must not be modified afterwards.
func AppendSource(h []kafka.Header, src, end []byte, seq int) []kafka.Header {
	return append(h,
		kafka.Header{Key: HeaderSource, Value: src},
		kafka.Header{Key: HeaderSourceEnd, Value: end},
		kafka.Header{Key: HeaderSourceSeq, Value: strconv.AppendInt(nil, int64(seq), 10)})
}

// SourceOf returns the source, cut end and sequence number that headers
// carry (see AppendSource), or "", 0, 0 for a message without them (one
// from a producer other than the collector, or from before they existed).
func SourceOf(headers []kafka.Header) (src string, end uint64, seq uint32) {
	for _, h := range headers {
		switch h.Key {
		case HeaderSource:
			src = string(h.Value)
		case HeaderSourceEnd:
			end, _ = strconv.ParseUint(string(h.Value), 10, 64)
		case HeaderSourceSeq:
			s, _ := strconv.ParseUint(string(h.Value), 10, 32)
			seq = uint32(s)
		}
	}
	if end == 0 {
		return "", 0, 0
	}
	return src, end, seq
}
