package jsonl

import (
	"fmt"
	"strings"

	"github.com/edgelog/edgelog/internal/record"
)

// Fields maps record field names to JSON keys. A key may be a dotted path
// into nested objects ("request.headers.User-Agent"; a top-level key that
// holds the dots itself matches too), and may list alternatives separated
// by '|', best first ("msec|time_iso8601"): the first one a line has is
// used. The record field names are the column names of record.StrNames
// plus time, client_ip, asn, status, bytes_sent (body bytes), bytes_total
// (headers and body: nginx's $bytes_sent), bytes_received, request
// (a request line, "GET /a HTTP/1.1", filling method, path and protocol),
// request_time and ttfb in seconds, request_time_ms, request_time_us,
// ttfb_ms, ttfb_us for logs that count in those units, and x_forwarded_for
// (an X-Forwarded-For list, for the client choice with trusted proxies).
type Fields map[string]string

// Defaults maps the keys of the common nginx escape=json layouts, which
// name each key after its variable ("remote_addr", "body_bytes_sent",
// ...), with the spellings other layouts use for the same thing.
var Defaults = Fields{
	"time":           "msec|time_iso8601|@timestamp|timestamp|time|time_local",
	"client_ip":      "remote_addr|client_ip",
	"status":         "status",
	"request":        "request",
	"method":         "request_method|method",
	"path":           "request_uri|uri|path",
	"protocol":       "server_protocol|protocol",
	"host":           "host|http_host|server_name",
	"scheme":         "scheme",
	"bytes_sent":     "body_bytes_sent|bytes_sent",
	"bytes_total":    "bytes_sent",
	"bytes_received": "request_length",
	"request_time":   "request_time",
	"ttfb":           "upstream_header_time",
	"referer":        "http_referer|http_referrer|referer",
	"user_agent":     "http_user_agent|user_agent",
	"cache_status":   "upstream_cache_status|cache_status",
	"content_type":   "sent_http_content_type",
	"country":        "geoip2_country_code|geoip_country_code|country",
	"asn":            "geoip2_asn|asn",
	"pop":            "edge_pop",
	"region":         "edge_region",
	"customer":       "edge_customer",
	"server":         "hostname",
	// For the client choice with trusted_proxies; stored nowhere.
	"x_forwarded_for": "http_x_forwarded_for",
}

// Caddy maps Caddy's access log (the http.log.access logger), whose request
// is a nested object and whose headers are arrays of strings.
var Caddy = Fields{
	"time":           "ts",
	"client_ip":      "request.client_ip|request.remote_ip",
	"status":         "status",
	"method":         "request.method",
	"path":           "request.uri",
	"protocol":       "request.proto",
	"host":           "request.host",
	"user_agent":     "request.headers.User-Agent",
	"referer":        "request.headers.Referer",
	"bytes_sent":     "size",
	"bytes_received": "bytes_read",
	"request_time":   "duration",
	"content_type":   "resp_headers.Content-Type",
	"cache_status":   "resp_headers.X-Cache",
	// client_ip is Caddy's own choice (its trusted_proxies); with the
	// collector's trusted_proxies the X-Forwarded-For header is walked
	// from remote_ip, the peer, when client_ip is absent or a proxy.
	"x_forwarded_for": "request.headers.X-Forwarded-For",
}

// target is what a JSON value fills. The request line comes first, so
// that method, path and protocol keys fill in only what it did not.
type target uint8

const (
	tRequest target = iota
	tTime
	tClientIP
	tASN
	tStatus
	tBytesSent
	tBytesReceived
	tBytesTotal
	tRequestTime
	tRequestTimeMs
	tRequestTimeUs
	tTTFB
	tTTFBMs
	tTTFBUs
	tForwarded
	tStr       // tStr + record.Str: a string field
	numTargets = tStr + target(record.NumStr)
)

var targetNames = map[string]target{
	"request":         tRequest,
	"time":            tTime,
	"client_ip":       tClientIP,
	"asn":             tASN,
	"status":          tStatus,
	"bytes_sent":      tBytesSent,
	"bytes_received":  tBytesReceived,
	"bytes_total":     tBytesTotal,
	"request_time":    tRequestTime,
	"request_time_ms": tRequestTimeMs,
	"request_time_us": tRequestTimeUs,
	"ttfb":            tTTFB,
	"ttfb_ms":         tTTFBMs,
	"ttfb_us":         tTTFBUs,
	"x_forwarded_for": tForwarded,
}

func (t target) String() string {
	if t >= tStr {
		return record.Str(t - tStr).String()
	}
	for name, u := range targetNames {
		if u == t {
			return name
		}
	}
	return fmt.Sprintf("target(%d)", t)
}

// cand is one way a top-level key can fill a target.
type cand struct {
	t    target
	prio int8     // higher wins: the first alternative has the highest
	path []string // the rest of a dotted key, to look up in the value
	key  string   // as configured, for errors
}

// compile turns fields into the top-level key index Parse dispatches on.
func compile(fields Fields) (map[string][]cand, error) {
	keys := map[string][]cand{}
	var hasTime, hasStatus bool
	for name, spec := range fields {
		t, ok := targetNames[name]
		if !ok {
			s, ok := strNames[name]
			if !ok {
				return nil, fmt.Errorf("cannot use jsonl field mapping: unknown record field %q", name)
			}
			t = tStr + target(s) // #nosec G115 -- target(s) < record.NumStr, tStr+NumStr < 256
		}
		if spec == "" {
			continue // mapped to nothing: the field is left empty
		}
		alts := strings.Split(spec, "|")
		if len(alts) > 100 {
			return nil, fmt.Errorf("cannot use jsonl field mapping: %s has %d alternatives", name, len(alts))
		}
		for i, key := range alts {
			if key == "" {
				return nil, fmt.Errorf("cannot use jsonl field mapping: %s has an empty key in %q", name, spec)
			}
			prio := int8(len(alts) - i) // #nosec G115 -- len(alts) <= 100, checked above
			keys[key] = append(keys[key], cand{t: t, prio: prio, key: key})
			if parts := strings.Split(key, "."); len(parts) > 1 && parts[0] != "" {
				keys[parts[0]] = append(keys[parts[0]], cand{t: t, prio: prio, path: parts[1:], key: key})
			}
		}
		hasTime = hasTime || t == tTime
		hasStatus = hasStatus || t == tStatus
	}
	if !hasTime || !hasStatus {
		return nil, fmt.Errorf("cannot use jsonl field mapping: it must map time and status")
	}
	return keys, nil
}

var strNames = func() map[string]record.Str {
	m := map[string]record.Str{}
	for i, n := range record.StrNames {
		m[n] = record.Str(i)
	}
	return m
}()
