package nginx

import (
	"strings"

	"github.com/edgelog/edgelog/collector/format/field"
	"github.com/edgelog/edgelog/internal/record"
)

// slot names the record field a variable fills. When a format logs several
// variables for one slot ($host and $http_host), the one with the highest
// prio fills it and the others are skipped, so the result never depends on
// the order of the variables in the format.
const (
	slotNone = iota // uncontended: the variable is the only one for its field
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
)

// slotOther marks a variable that is the only one for its field.
const slotOther = slotNone

// vars maps the nginx variables edgelog stores to what they fill. Every
// other variable ($remote_user, $upstream_addr, $ssl_protocol, $request_id,
// $sent_http_*, $cookie_*, $arg_*, ...) is read past
// and dropped; see lookupVar.
var vars = map[string]field.Spec{
	"remote_addr": {Kind: field.KIP, Slot: slotIP, Prio: 1},

	// $msec has milliseconds, the other two only seconds.
	"msec":         {Kind: field.KUnixFrac, Slot: slotTime, Prio: 3},
	"time_iso8601": {Kind: field.KTimeISO, Slot: slotTime, Prio: 2},
	"time_local":   {Kind: field.KTimeLocal, Slot: slotTime, Prio: 1},

	// $request carries the client's request target, as $request_uri does;
	// $uri and $document_uri are normalised and rewritten, so last.
	"request":         {Kind: field.KRequest, Slot: slotPath, Prio: 4},
	"request_uri":     {Kind: field.KPath, Slot: slotPath, Prio: 3},
	"uri":             {Kind: field.KPath, Slot: slotPath, Prio: 2},
	"document_uri":    {Kind: field.KPath, Slot: slotPath, Prio: 1},
	"request_method":  {Kind: field.KStr, Str: record.Method, Slot: slotOther},
	"server_protocol": {Kind: field.KStr, Str: record.Protocol, Slot: slotOther},

	"status":         {Kind: field.KStatus, Slot: slotOther},
	"request_length": {Kind: field.KBytesReceived, Slot: slotOther},
	"request_time":   {Kind: field.KRequestTime, Slot: slotOther},
	// upstream_header_time is the origin's time to first byte; a cache hit
	// has none ("-") and stores 0.
	"upstream_header_time": {Kind: field.KTTFB, Slot: slotOther},

	// The record stores body bytes and, apart, the total: $bytes_sent adds
	// the headers. A format with $bytes_sent alone gives both from it.
	"body_bytes_sent": {Kind: field.KBytesSent, Slot: slotBytesSent, Prio: 2},
	"bytes_sent":      {Kind: field.KBytesTotal, Slot: slotOther},

	"http_referer": {Kind: field.KStr, Str: record.Referer, Slot: slotOther},
	// Read for the client choice when the peer is a trusted proxy
	// (the collector's trusted_proxies); stored nowhere.
	"http_x_forwarded_for": {Kind: field.KForwarded, Slot: slotOther},
	"http_user_agent":      {Kind: field.KStr, Str: record.UserAgent, Slot: slotOther},

	// $host is lower-cased and port-less; $server_name is the config's
	// name and may be "_".
	"host":        {Kind: field.KStr, Str: record.Host, Slot: slotHost, Prio: 3},
	"http_host":   {Kind: field.KStr, Str: record.Host, Slot: slotHost, Prio: 2},
	"server_name": {Kind: field.KStr, Str: record.Host, Slot: slotHost, Prio: 1},

	"scheme": {Kind: field.KStr, Str: record.Scheme, Slot: slotScheme, Prio: 2},
	"https":  {Kind: field.KHTTPS, Slot: slotScheme, Prio: 1},

	"upstream_cache_status":    {Kind: field.KStr, Str: record.CacheStatus, Slot: slotCache, Prio: 3},
	"sent_http_x_cache_status": {Kind: field.KCache, Slot: slotCache, Prio: 2},
	"sent_http_x_cache":        {Kind: field.KCache, Slot: slotCache, Prio: 1},

	// $content_type is the request's, not the response's.
	"sent_http_content_type":     {Kind: field.KStr, Str: record.ContentType, Slot: slotContentType, Prio: 2},
	"upstream_http_content_type": {Kind: field.KStr, Str: record.ContentType, Slot: slotContentType, Prio: 1},

	// Variables an edge server's config sets itself (map or set).
	"edge_pop":      {Kind: field.KStr, Str: record.PoP, Slot: slotOther},
	"edge_region":   {Kind: field.KStr, Str: record.Region, Slot: slotOther},
	"edge_customer": {Kind: field.KStr, Str: record.Customer, Slot: slotOther},
	"hostname":      {Kind: field.KStr, Str: record.Server, Slot: slotOther},

	// The names the geoip/geoip2 modules' docs and common configs use.
	"geoip2_country_code":                  {Kind: field.KStr, Str: record.Country, Slot: slotCountry, Prio: 3},
	"geoip2_data_country_code":             {Kind: field.KStr, Str: record.Country, Slot: slotCountry, Prio: 3},
	"geoip2_data_country_iso_code":         {Kind: field.KStr, Str: record.Country, Slot: slotCountry, Prio: 3},
	"geoip_country_code":                   {Kind: field.KStr, Str: record.Country, Slot: slotCountry, Prio: 2},
	"http_cf_ipcountry":                    {Kind: field.KStr, Str: record.Country, Slot: slotCountry, Prio: 1},
	"geoip2_asn":                           {Kind: field.KASN, Slot: slotASN, Prio: 2},
	"geoip2_data_asn":                      {Kind: field.KASN, Slot: slotASN, Prio: 2},
	"geoip2_data_autonomous_system_number": {Kind: field.KASN, Slot: slotASN, Prio: 2},
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
func lookupVar(name string) field.Spec {
	return vars[name]
}

// isList reports whether a variable's value may be a list: the upstream
// module writes one value per upstream tried, separated by ", ", and
// groups for internal redirects by " : ". Such a value holds spaces even
// when the format does not quote it.
func isList(name string) bool {
	return strings.HasPrefix(name, "upstream_")
}
