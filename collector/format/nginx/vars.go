package nginx

import (
	"strings"

	"github.com/edgelog/edgelog/internal/record"
)

// kind says what Parse does with a variable's value.
type kind uint8

const (
	kSkip      kind = iota // read past and dropped
	kStr                   // stored as is in op.str ("-" is empty)
	kIP                    // client address
	kTimeLocal             // 10/Oct/2026:13:55:36 +0000
	kTimeISO               // 2026-10-10T13:55:36+00:00
	kMsec                  // 1791640536.123
	kRequest               // "GET /a?b HTTP/1.1"
	kPath                  // request target; the query is dropped
	kStatus
	kBytesSent
	kBytesReceived
	kRequestTime // seconds.millis
	kTTFB        // seconds.millis, a list per upstream
	kASN         // 3320 or AS3320
	kHTTPS       // $https: "on" or ""
	kCache       // a cache header in any spelling; normalised
)

// slot names the record field a variable fills. When a format logs several
// variables for one slot ($host and $http_host), the one with the highest
// prio fills it and the others are skipped, so the result never depends on
// the order of the variables in the format.
type slot uint8

const (
	slotNone slot = iota
	slotTime
	slotIP
	slotPath
	slotHost
	slotBytesSent
	slotScheme
	slotCache
	slotContentType
	slotCountry
	slotASN
	slotOther // a slot with one variable only; never contended
)

type varSpec struct {
	kind kind
	str  record.Str
	slot slot
	prio int
}

// vars maps the nginx variables edgelog stores to what they fill. Every
// other variable ($remote_user, $upstream_addr, $ssl_protocol, $request_id,
// $http_x_forwarded_for, $sent_http_*, $cookie_*, $arg_*, ...) is read past
// and dropped; see lookupVar.
var vars = map[string]varSpec{
	"remote_addr": {kind: kIP, slot: slotIP, prio: 1},

	// $msec has milliseconds, the other two only seconds.
	"msec":         {kind: kMsec, slot: slotTime, prio: 3},
	"time_iso8601": {kind: kTimeISO, slot: slotTime, prio: 2},
	"time_local":   {kind: kTimeLocal, slot: slotTime, prio: 1},

	// $request carries the client's request target, as $request_uri does;
	// $uri and $document_uri are normalised and rewritten, so last.
	"request":         {kind: kRequest, slot: slotPath, prio: 4},
	"request_uri":     {kind: kPath, slot: slotPath, prio: 3},
	"uri":             {kind: kPath, slot: slotPath, prio: 2},
	"document_uri":    {kind: kPath, slot: slotPath, prio: 1},
	"request_method":  {kind: kStr, str: record.Method, slot: slotOther},
	"server_protocol": {kind: kStr, str: record.Protocol, slot: slotOther},

	"status":         {kind: kStatus, slot: slotOther},
	"request_length": {kind: kBytesReceived, slot: slotOther},
	"request_time":   {kind: kRequestTime, slot: slotOther},
	// upstream_header_time is the origin's time to first byte; a cache hit
	// has none ("-") and stores 0.
	"upstream_header_time": {kind: kTTFB, slot: slotOther},

	// The record stores body bytes; $bytes_sent adds the headers.
	"body_bytes_sent": {kind: kBytesSent, slot: slotBytesSent, prio: 2},
	"bytes_sent":      {kind: kBytesSent, slot: slotBytesSent, prio: 1},

	"http_referer":    {kind: kStr, str: record.Referer, slot: slotOther},
	"http_user_agent": {kind: kStr, str: record.UserAgent, slot: slotOther},

	// $host is lower-cased and port-less; $server_name is the config's
	// name and may be "_".
	"host":        {kind: kStr, str: record.Host, slot: slotHost, prio: 3},
	"http_host":   {kind: kStr, str: record.Host, slot: slotHost, prio: 2},
	"server_name": {kind: kStr, str: record.Host, slot: slotHost, prio: 1},

	"scheme": {kind: kStr, str: record.Scheme, slot: slotScheme, prio: 2},
	"https":  {kind: kHTTPS, slot: slotScheme, prio: 1},

	"upstream_cache_status":    {kind: kStr, str: record.CacheStatus, slot: slotCache, prio: 3},
	"sent_http_x_cache_status": {kind: kCache, slot: slotCache, prio: 2},
	"sent_http_x_cache":        {kind: kCache, slot: slotCache, prio: 1},

	// $content_type is the request's, not the response's.
	"sent_http_content_type":     {kind: kStr, str: record.ContentType, slot: slotContentType, prio: 2},
	"upstream_http_content_type": {kind: kStr, str: record.ContentType, slot: slotContentType, prio: 1},

	// Variables an edge server's config sets itself (map or set).
	"edge_pop":      {kind: kStr, str: record.PoP, slot: slotOther},
	"edge_region":   {kind: kStr, str: record.Region, slot: slotOther},
	"edge_customer": {kind: kStr, str: record.Customer, slot: slotOther},
	"hostname":      {kind: kStr, str: record.Server, slot: slotOther},

	// The names the geoip/geoip2 modules' docs and common configs use.
	"geoip2_country_code":                  {kind: kStr, str: record.Country, slot: slotCountry, prio: 3},
	"geoip2_data_country_code":             {kind: kStr, str: record.Country, slot: slotCountry, prio: 3},
	"geoip2_data_country_iso_code":         {kind: kStr, str: record.Country, slot: slotCountry, prio: 3},
	"geoip_country_code":                   {kind: kStr, str: record.Country, slot: slotCountry, prio: 2},
	"http_cf_ipcountry":                    {kind: kStr, str: record.Country, slot: slotCountry, prio: 1},
	"geoip2_asn":                           {kind: kASN, slot: slotASN, prio: 2},
	"geoip2_data_asn":                      {kind: kASN, slot: slotASN, prio: 2},
	"geoip2_data_autonomous_system_number": {kind: kASN, slot: slotASN, prio: 2},
}

// Fixed widths let Parse cut a value without searching for the literal
// after it, and keep a $time_local that is not bracketed (its value holds a
// space) parseable.
var widths = map[string]int{
	"time_local":   len("10/Oct/2026:13:55:36 +0000"),
	"time_iso8601": len("2026-10-10T13:55:36+00:00"),
}

// lookupVar returns what to do with variable name. Unknown variables are
// skipped: nginx has hundreds, and modules and `set` add more.
func lookupVar(name string) varSpec {
	return vars[name]
}

// isList reports whether a variable's value may be a list: the upstream
// module writes one value per upstream tried, separated by ", ", and
// groups for internal redirects by " : ". Such a value holds spaces even
// when the format does not quote it.
func isList(name string) bool {
	return strings.HasPrefix(name, "upstream_")
}
