package ingest

import (
	"testing"
	"time"

	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/internal/wire"
)

// A row the collector accepts is a row ingest accepts: one stamped in the
// last second before 2100 once sent its whole message to the dead letters.
func TestDecodeValidAcceptsWhatTheCollectorShips(t *testing.T) {
	f := func(at time.Time, ok bool) {
		t.Helper()
		var in record.Block
		in.Append(&record.Record{TimeMs: at.UnixMilli(), Status: 200})
		var enc wire.Encoder
		var dec wire.Decoder
		var out record.Block
		err := decodeValid(&dec, &out, enc.Encode(nil, &in))
		if (err == nil) != ok || record.ValidTime(at.UnixMilli()) != ok {
			t.Errorf("%s: decodeValid error %v, ValidTime %v; want accepted = %v", at, err, record.ValidTime(at.UnixMilli()), ok)
		}
	}
	f(time.Date(2099, 12, 31, 23, 59, 59, 500e6, time.UTC), true)
	f(time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC), false)
	f(time.Date(1970, 1, 1, 12, 0, 0, 0, time.UTC), false)
}
