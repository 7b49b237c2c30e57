// Package record defines the one row edgelog stores per CDN request, and a
// columnar block of such rows that every stage shares: the collector parses
// lines into a Block, the wire format encodes a Block, ingest decodes it and
// hands its column slices to ClickHouse without building per-row structs.
//
// Strings live in StrCol, a byte arena plus end offsets (the same layout as
// ch-go's ColStr), so appending a parsed field is a copy into one growing
// buffer instead of one allocation per value.
package record
