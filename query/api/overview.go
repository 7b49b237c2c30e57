package api

import "time"

// Overview answers GET /ops/overview, the network operations wall: traffic
// now and today's peak, the last 24 hours delivered, edge servers
// reporting and bytes stored.
type Overview struct {
	// Table lists the rollups read, comma-separated.
	Table            string    `json:"table"`
	At               time.Time `json:"at"`
	Customer         string    `json:"customer,omitempty"`
	Requests24h      uint64    `json:"requests_24h"`
	BytesOut24h      uint64    `json:"bytes_out_24h"`
	RequestsPerSNow  float64   `json:"requests_per_s_now"`
	PeakRequestsPerS float64   `json:"peak_requests_per_s_today"`
	PeakAt           time.Time `json:"peak_at"`
	// ServersReporting counts edge servers that logged traffic in the five
	// minutes before At; a scoped answer (customer tokens, ?customer=)
	// gets 0 (it is the whole fleet's figure).
	ServersReporting uint64 `json:"servers_reporting"`
	// StoredBytes is the on-disk size of every edgelog table; customer
	// tokens get 0 (it is the whole fleet's figure).
	StoredBytes uint64 `json:"stored_bytes"`
	// FieldFallbacks24h counts the requests of the last 24 hours kept
	// although a field of their log line could not be read as its format
	// says (an address list, a missing referer, an extra field: the field
	// is empty in their rows), per log family, field and reason, most
	// first; a scoped answer counts its customer's. Empty, never null,
	// when there were none.
	FieldFallbacks24h []FieldFallback `json:"field_fallbacks_24h"`
	// ServersClockSkewed counts edge servers that logged rows stamped
	// more than 5 minutes ahead of ingest's clock in the hour before At
	// (the rows are stored as stamped); 0 for a scoped answer.
	ServersClockSkewed uint64 `json:"servers_clock_skewed"`
	// KafkaOffsetsLost counts Kafka messages that retention deleted
	// before ingest read them, since the start (`schema verify` lists the
	// ranges); 0 for a scoped answer.
	KafkaOffsetsLost uint64 `json:"kafka_offsets_lost"`
	// RequestsCountedTwice bounds the requests counted twice since the
	// start: rows of INSERTs ClickHouse applied in part (killed within
	// them) that ingest recorded and sent again (`schema verify` lists
	// them as TWICE lines); 0 for a scoped answer.
	RequestsCountedTwice uint64 `json:"requests_counted_twice"`
	// Complete is false when At is past the watermark (the last second
	// every Kafka partition's rows have landed past): the minute before
	// it may still grow. Such answers are not cached.
	Complete bool `json:"complete"`
}

// FieldFallback is how many requests took one fallback: Field is the
// record field ("client_ip", "referer") or "line" for the line as a whole;
// Reason is why ("missing", "invalid", "address_list", "extra", ...; the
// collector's fixed set, or "overflow" with Field "*" for counts a message
// had no room to name). Format is the collector's log family (nginx,
// apache, w3c, jsonl).
type FieldFallback struct {
	Format string `json:"format"`
	Field  string `json:"field"`
	Reason string `json:"reason"`
	Lines  uint64 `json:"lines"`
}

// Live answers GET /ops/live, the live counter the operations wall's
// headline panels stream every second (Grafana Live, through the plugin).
// Every figure is of complete periods only: At is the watermark, the end
// of the last second every Kafka partition's rows have landed past
// (query.Store.Watermark), never later.
type Live struct {
	// Table is the rollup read for the seconds (schema.Live: live_1s_by_hour).
	Table string `json:"table"`
	// At is the end of the last complete second; the figures per second
	// are of the second before it.
	At       time.Time `json:"at"`
	Customer string    `json:"customer,omitempty"`
	Region   string    `json:"region,omitempty"`
	// RequestsPerS and BytesOutPerS are the requests and bytes sent in
	// the second [At-1s, At).
	RequestsPerS uint64 `json:"requests_per_s"`
	BytesOutPerS uint64 `json:"bytes_out_per_s"`
	// RequestsToday and BytesOutToday are since 00:00 UTC of At's day, up
	// to At.
	RequestsToday uint64 `json:"requests_today"`
	BytesOutToday uint64 `json:"bytes_out_today"`
	// ServersReporting counts edge servers (of the region, when scoped to
	// one) that logged traffic in the five whole minutes before At's
	// minute; customer-scoped answers get 0 (the fleet's figure).
	ServersReporting uint64 `json:"servers_reporting"`
	// BehindS is how far At is behind ClickHouse's clock, in seconds: a
	// second or three while rows flow (the batch waits, the INSERT, the
	// lateness), more while a backlog is caught up (rows stamped in the
	// past) or while nothing lands.
	BehindS float64 `json:"behind_s"`
	// Idle says that no Kafka partition's rows landed within the
	// watermark's window (a minute by default): At is then the last
	// second that landed and stays there until rows come, so a wall that
	// stopped moving says whether the fleet sent nothing (or ingest
	// inserts nothing: the ops overview's ingest lag tells which) rather
	// than ticking zeros.
	Idle bool `json:"idle"`
	// KafkaSeconds counts the seconds before At counted from the Kafka
	// topic as messages arrived (the query service's live tail), not yet
	// past ClickHouse's watermark; 0 when every figure is ClickHouse's.
	KafkaSeconds uint32 `json:"kafka_seconds"`
}
