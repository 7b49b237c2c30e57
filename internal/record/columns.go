package record

// Column is a column of a Block with its name: the name of the raw table's
// column it fills. Data is the block's slice itself, not a copy, of one of
// these types: []int64 (the request time in Unix milliseconds), [][16]byte,
// []uint16, []uint32, []uint64 or *StrCol.
type Column struct {
	Name string
	Data any
}

// Columns returns every column of the block, named, in the raw table's
// order: the one list the ClickHouse insert and the TSV writer loop over,
// so a new field is added here and in the schema's raw columns only. The
// slices are the block's as they are now; call Columns again after
// appending.
func (b *Block) Columns() []Column {
	cols := make([]Column, 0, 8+NumStr)
	cols = append(cols,
		Column{"time", b.TimeMs},
		Column{"client_ip", b.ClientIP},
		Column{"asn", b.ASN},
		Column{"status", b.Status},
		Column{"bytes_sent", b.BytesSent},
		Column{"bytes_total", b.BytesTotal},
		Column{"bytes_received", b.BytesReceived},
		Column{"request_time_us", b.RequestTimeUs},
		Column{"ttfb_us", b.TTFBUs},
	)
	for s := range b.Str {
		cols = append(cols, Column{StrNames[s], &b.Str[s]})
	}
	return cols
}
