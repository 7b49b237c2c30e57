package gen

import (
	"strconv"
	"time"
)

// ApacheLogFormat is the Apache LogFormat gen's "apache" output follows,
// for `edgelog collector --format apache --log-format ...`: the end time
// to the millisecond, the request's own fields, mod_logio's bytes in, the
// time taken in microseconds, and the CDN fields as response headers and
// environment variables an edge server would set.
const ApacheLogFormat = `%a %{end:msec}t "%r" %>s %b "%{Referer}i" "%{User-Agent}i" "%{Host}i" %{X-Forwarded-Proto}i %I %D %{X-Cache-Status}o "%{Content-Type}o" %{EDGE_POP}e %{GEOIP_COUNTRY_CODE}e`

// W3CFields are the fields of gen's "w3c" output, CloudFront's names.
var W3CFields = []string{"date", "time", "x-edge-location", "sc-bytes", "c-ip", "cs-method", "x-host-header", "cs-uri-stem",
	"sc-status", "cs(Referer)", "cs(User-Agent)", "cs-uri-query", "x-edge-result-type", "cs-protocol", "cs-bytes",
	"time-taken", "time-to-first-byte", "sc-content-type", "cs-protocol-version"}

func init() {
	formats["apache"] = func() Formatter { return &apacheEdge{} }
	formats["jsonl"] = func() Formatter { return &jsonEdge{} }
	formats["w3c"] = func() Formatter { return &w3cEdge{} }
	formats["combined"] = func() Formatter { return &nginxCombined{} }
}

// nginxCombined writes nginx's predefined combined log_format
// (collector/format/nginx.Combined):
//
//	$remote_addr - $remote_user [$time_local] "$request" $status
//	$body_bytes_sent "$http_referer" "$http_user_agent"
//
// The request's edge fields (host, PoP, cache status...) are not in it: a
// collector reading it maps every line to its default customer and looks
// country and ASN up in its GeoIP files.
type nginxCombined struct {
	clock clock
}

func (w *nginxCombined) AppendLine(b []byte, e *Event) []byte {
	return appendCombined(b, e, &w.clock)
}

// appendCombined appends e in the combined layout, which nginxEdge's
// begins with.
func appendCombined(b []byte, e *Event, c *clock) []byte {
	b = appendIP(b, e)
	b = append(b, " - - ["...)
	b = append(b, c.local(e.TimeMs)...)
	b = append(b, "] \""...)
	b = appendRequestLine(b, e)
	b = append(b, "\" "...)
	b = strconv.AppendUint(b, uint64(e.Status), 10)
	b = append(b, ' ')
	b = strconv.AppendUint(b, e.BytesSent, 10)
	b = append(b, " \""...)
	b = append(b, e.Referer...)
	b = append(b, "\" \""...)
	b = append(b, e.UserAgent...)
	return append(b, '"')
}

// headerer is a Formatter whose files start with header lines.
type headerer interface {
	Header() []byte
}

type apacheEdge struct{}

func (apacheEdge) AppendLine(b []byte, e *Event) []byte {
	b = appendIP(b, e)
	b = append(b, ' ')
	b = strconv.AppendInt(b, e.TimeMs, 10)
	b = append(b, " \""...)
	b = appendRequestLine(b, e)
	b = append(b, "\" "...)
	b = strconv.AppendUint(b, uint64(e.Status), 10)
	b = append(b, ' ')
	if e.BytesSent == 0 {
		b = append(b, '-') // %b
	} else {
		b = strconv.AppendUint(b, e.BytesSent, 10)
	}
	b = append(b, " \""...)
	b = append(b, e.Referer...)
	b = append(b, "\" \""...)
	b = append(b, e.UserAgent...)
	b = append(b, "\" \""...)
	b = append(b, e.Host...)
	b = append(b, "\" "...)
	b = append(b, e.Scheme...)
	b = append(b, ' ')
	b = strconv.AppendUint(b, e.BytesReceived, 10)
	b = append(b, ' ')
	b = strconv.AppendUint(b, uint64(e.RequestTimeUs), 10)
	b = append(b, ' ')
	b = append(b, e.CacheStatus...)
	b = append(b, " \""...)
	b = append(b, e.ContentType...)
	b = append(b, "\" "...)
	b = append(b, e.PoP...)
	b = append(b, ' ')
	return append(b, e.Country...)
}

func appendRequestLine(b []byte, e *Event) []byte {
	b = append(b, e.Method...)
	b = append(b, ' ')
	b = append(b, e.Path...)
	b = append(b, e.Query...)
	b = append(b, ' ')
	return append(b, e.Protocol...)
}

// jsonEdge writes nginx escape=json lines with the variable names as keys
// (collector/format/jsonl.Defaults reads them).
type jsonEdge struct{}

func (jsonEdge) AppendLine(b []byte, e *Event) []byte {
	str := func(b []byte, k, v string) []byte {
		b = append(b, '"')
		b = append(b, k...)
		b = append(b, `":`...)
		return appendJSONString(b, v)
	}
	num := func(b []byte, k string, v uint64) []byte {
		b = append(b, '"')
		b = append(b, k...)
		b = append(b, `":`...)
		return strconv.AppendUint(b, v, 10)
	}
	b = append(b, `{"msec":"`...)
	b = strconv.AppendInt(b, e.TimeMs/1000, 10)
	b = append(b, '.')
	b = appendPadded(b, uint64(e.TimeMs%1000), 3) // #nosec G115 -- TimeMs%1000 of a generated positive time is in [0, 999]
	b = append(b, `","remote_addr":"`...)
	b = appendIP(b, e)
	b = append(b, `",`...)
	b = str(b, "request", string(appendRequestLine(nil, e)))
	b = append(b, ',')
	b = num(b, "status", uint64(e.Status))
	b = append(b, ',')
	b = num(b, "body_bytes_sent", e.BytesSent)
	b = append(b, ',')
	b = num(b, "bytes_sent", e.BytesTotal)
	b = append(b, ',')
	b = num(b, "request_length", e.BytesReceived)
	b = append(b, `,"request_time":"`...)
	b = appendSeconds(b, e.RequestTimeUs)
	b = append(b, `","upstream_header_time":"`...)
	if e.TTFBUs == 0 {
		b = append(b, '-')
	} else {
		b = appendSeconds(b, e.TTFBUs)
	}
	b = append(b, `",`...)
	for _, kv := range [...][2]string{{"http_referer", e.Referer}, {"http_user_agent", e.UserAgent}, {"host", e.Host}, {"scheme", e.Scheme},
		{"upstream_cache_status", e.CacheStatus}, {"sent_http_content_type", e.ContentType}, {"edge_pop", e.PoP},
		{"hostname", e.Server}, {"geoip2_country_code", e.Country}} {
		b = str(b, kv[0], kv[1])
		b = append(b, ',')
	}
	b = num(b, "geoip2_asn", uint64(e.ASN))
	return append(b, '}')
}

// appendJSONString quotes s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// w3cEdge writes a CloudFront-style W3C log: tab-separated W3CFields,
// second-resolution date and time, the user agent percent-encoded.
type w3cEdge struct{}

func (w3cEdge) Header() []byte {
	h := []byte("#Version: 1.0\n#Fields:")
	for _, f := range W3CFields {
		h = append(h, ' ')
		h = append(h, f...)
	}
	return append(h, '\n')
}

func (w3cEdge) AppendLine(b []byte, e *Event) []byte {
	t := time.UnixMilli(e.TimeMs).UTC()
	b = t.AppendFormat(b, "2006-01-02\t15:04:05")
	field := func(b []byte, v string) []byte {
		b = append(b, '\t')
		if v == "" {
			return append(b, '-')
		}
		return append(b, v...)
	}
	b = field(b, e.PoP)
	b = append(b, '\t')
	b = strconv.AppendUint(b, e.BytesSent, 10)
	b = append(b, '\t')
	b = appendIP(b, e)
	b = field(b, e.Method)
	b = field(b, e.Host)
	b = field(b, e.Path)
	b = append(b, '\t')
	b = strconv.AppendUint(b, uint64(e.Status), 10)
	b = field(b, e.Referer)
	b = append(b, '\t')
	b = appendPercentEncoded(b, e.UserAgent)
	q := e.Query
	if q != "" {
		q = q[1:]
	}
	b = field(b, q)
	b = field(b, w3cResult[e.CacheStatus])
	b = field(b, e.Scheme)
	b = append(b, '\t')
	b = strconv.AppendUint(b, e.BytesReceived, 10)
	b = append(b, '\t')
	b = appendSeconds(b, e.RequestTimeUs)
	b = append(b, '\t')
	if e.TTFBUs == 0 {
		b = append(b, '-')
	} else {
		b = appendSeconds(b, e.TTFBUs)
	}
	b = field(b, e.ContentType)
	return field(b, e.Protocol)
}

// w3cResult maps nginx cache statuses to CloudFront result types.
var w3cResult = map[string]string{"HIT": "Hit", "STALE": "Hit", "MISS": "Miss", "EXPIRED": "RefreshHit", "BYPASS": "Miss"}

// appendPercentEncoded encodes what CloudFront encodes in a user agent:
// spaces, tabs, '%' and non-printable bytes.
func appendPercentEncoded(b []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c == '%' || c >= 0x7f {
			b = append(b, '%', hex[c>>4], hex[c&15])
			continue
		}
		b = append(b, c)
	}
	return b
}
