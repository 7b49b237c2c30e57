package gen

import (
	"fmt"
	"net/netip"
	"strconv"
	"time"
)

// Formatter appends one event as a log line (without the newline). A
// Formatter keeps a little state (the formatted current second) and is not
// safe for concurrent use.
type Formatter interface {
	AppendLine(dst []byte, e *Event) []byte
}

// formats are the log formats gen writes, by Options.Format.
var formats = map[string]func() Formatter{
	"nginx": func() Formatter { return &nginxEdge{} },
}

// TotalFormats are the formats whose lines log the total bytes written
// (headers and body) beside the body bytes: nginx's escape=json layout
// with $bytes_sent.
var TotalFormats = map[string]bool{"jsonl": true}

// NewFormatter returns a Formatter for format ("nginx", "apache", "jsonl",
// "w3c" or "combined").
func NewFormatter(format string) (Formatter, error) {
	f, ok := formats[format]
	if !ok {
		return nil, fmt.Errorf("gen: unknown format %q", format)
	}
	return f(), nil
}

// nginxEdge writes collector/format/nginx.Edge:
//
//	$remote_addr - $remote_user [$time_local] "$request" $status
//	$body_bytes_sent "$http_referer" "$http_user_agent" "$host" $scheme
//	$request_length $request_time $upstream_header_time
//	$upstream_cache_status "$sent_http_content_type" $edge_pop $hostname
//	$geoip2_country_code $geoip2_asn $msec
type nginxEdge struct {
	clock clock
}

func (w *nginxEdge) AppendLine(b []byte, e *Event) []byte {
	b = appendCombined(b, e, &w.clock)
	b = append(b, " \""...)
	b = append(b, e.Host...)
	b = append(b, "\" "...)
	b = append(b, e.Scheme...)
	b = append(b, ' ')
	b = strconv.AppendUint(b, e.BytesReceived, 10)
	b = append(b, ' ')
	b = appendSeconds(b, e.RequestTimeUs)
	b = append(b, ' ')
	if e.TTFBUs == 0 {
		b = append(b, '-')
	} else {
		b = appendSeconds(b, e.TTFBUs)
	}
	b = append(b, ' ')
	b = append(b, e.CacheStatus...)
	b = append(b, " \""...)
	b = append(b, e.ContentType...)
	b = append(b, "\" "...)
	b = append(b, e.PoP...)
	b = append(b, ' ')
	b = append(b, e.Server...)
	b = append(b, ' ')
	b = append(b, e.Country...)
	b = append(b, ' ')
	b = strconv.AppendUint(b, uint64(e.ASN), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, e.TimeMs/1000, 10)
	b = append(b, '.')
	return appendPadded(b, uint64(e.TimeMs%1000), 3) // #nosec G115 -- TimeMs%1000 of a generated positive time is in [0, 999]
}

func appendIP(b []byte, e *Event) []byte {
	if e.ClientIPv4 {
		return netip.AddrFrom4([4]byte(e.ClientIP[12:])).AppendTo(b)
	}
	return netip.AddrFrom16(e.ClientIP).AppendTo(b)
}

// appendSeconds writes microseconds as nginx writes times: seconds with
// three decimals.
func appendSeconds(b []byte, us uint32) []byte {
	ms := us / 1000
	b = strconv.AppendUint(b, uint64(ms/1000), 10)
	b = append(b, '.')
	return appendPadded(b, uint64(ms%1000), 3)
}

func appendPadded(b []byte, v uint64, width int) []byte {
	var tmp [20]byte
	s := strconv.AppendUint(tmp[:0], v, 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// clock caches the formatted current second: lines come in time order, so
// most share their second with the line before.
type clock struct {
	sec  int64
	text []byte
}

func (c *clock) local(ms int64) []byte {
	sec := ms / 1000
	if c.text == nil || sec != c.sec {
		c.sec = sec
		c.text = time.Unix(sec, 0).UTC().AppendFormat(c.text[:0], "02/Jan/2006:15:04:05 -0700")
	}
	return c.text
}
