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
}
