package traffic

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"time"

	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/schema"
)

// WriteTSV writes blk as TabSeparated rows in the column order of
// schema.RawColumnNames(d) for a modern server (d.Modern): the way rows get
// into an embedded ClickHouse (chDB), which has no native-protocol port for
// clickhouse-go. The rows carry no Kafka or collector source, like
// ingest.InsertBlock's.
func WriteTSV(w io.Writer, blk *record.Block, d schema.Dialect) error {
	if !d.Modern {
		return fmt.Errorf("BUG: WriteTSV writes modern rows only (DateTime64, IPv6)")
	}
	cols := schema.RawColumnNames(d)
	bw := bufio.NewWriterSize(w, 1<<20)
	var b []byte
	for i := range blk.Len() {
		b = b[:0]
		for j, c := range cols {
			if j > 0 {
				b = append(b, '\t')
			}
			switch c {
			case "time":
				b = time.UnixMilli(blk.TimeMs[i]).UTC().AppendFormat(b, "2006-01-02 15:04:05.000")
			case "client_ip":
				b = netip.AddrFrom16(blk.ClientIP[i]).AppendTo(b) // IPv4 as ::ffff:a.b.c.d, as stored
			case "asn":
				b = strconv.AppendUint(b, uint64(blk.ASN[i]), 10)
			case "status":
				b = strconv.AppendUint(b, uint64(blk.Status[i]), 10)
			case "bytes_sent":
				b = strconv.AppendUint(b, blk.BytesSent[i], 10)
			case "bytes_received":
				b = strconv.AppendUint(b, blk.BytesReceived[i], 10)
			case "request_time_us":
				b = strconv.AppendUint(b, uint64(blk.RequestTimeUs[i]), 10)
			case "ttfb_us":
				b = strconv.AppendUint(b, uint64(blk.TTFBUs[i]), 10)
			case "src_partition", "src_offset", "src_file_end", "src_seq":
				b = append(b, '0')
			case "src_file":
			default:
				s, ok := strByName[c]
				if !ok {
					return fmt.Errorf("BUG: raw column %s has no source in the record", c)
				}
				b = appendEscaped(b, blk.Str[s].Bytes(i))
			}
		}
		b = append(b, '\n')
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	return bw.Flush()
}

var strByName = func() map[string]record.Str {
	m := map[string]record.Str{}
	for i, n := range record.StrNames {
		m[n] = record.Str(i)
	}
	return m
}()

// appendEscaped escapes a TabSeparated string field.
func appendEscaped(b, s []byte) []byte {
	for _, c := range s {
		switch c {
		case '\\':
			b = append(b, '\\', '\\')
		case '\t':
			b = append(b, '\\', 't')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case 0:
			b = append(b, '\\', '0')
		default:
			b = append(b, c)
		}
	}
	return b
}
