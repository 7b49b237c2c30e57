package api

import "time"

// RequestRow is one logged request, as the raw table keeps it.
type RequestRow struct {
	// Time is the request's end time, to the second (the raw table's
	// time column without its milliseconds, which only 18.16 tables keep
	// apart).
	Time     time.Time `json:"time"`
	Customer string    `json:"customer"`
	Host     string    `json:"host"`
	Region   string    `json:"region"`
	PoP      string    `json:"pop"`
	Server   string    `json:"server"`
	Country  string    `json:"country"`
	ASN      uint32    `json:"asn"`
	ClientIP string    `json:"client_ip"`
	// ForwardedFor is the address list the client was chosen from
	// (X-Forwarded-For, then the peer); "" for a single address.
	ForwardedFor  string  `json:"x_forwarded_for"`
	Method        string  `json:"method"`
	Scheme        string  `json:"scheme"`
	Protocol      string  `json:"protocol"`
	Path          string  `json:"path"`
	Status        uint16  `json:"status"`
	BytesSent     uint64  `json:"bytes_sent"`
	BytesReceived uint64  `json:"bytes_received"`
	RequestTimeMs float64 `json:"request_time_ms"`
	// TTFBMs is the upstream's time to first byte; 0 when no upstream was
	// asked (a cache hit).
	TTFBMs      float64 `json:"ttfb_ms"`
	CacheStatus string  `json:"cache_status"`
	ContentType string  `json:"content_type"`
	UserAgent   string  `json:"user_agent"`
	Referer     string  `json:"referer"`
}

// Requests answers GET /requests: the raw rows of a window of at most an
// hour, filtered, newest or slowest first.
type Requests struct {
	Table    string    `json:"table"`
	Customer string    `json:"customer,omitempty"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Order    string    `json:"order"`
	Metric   string    `json:"metric"`
	Limit    int       `json:"limit"`
	// More says more rows matched than Limit.
	More bool         `json:"more"`
	Rows []RequestRow `json:"rows"`
}
