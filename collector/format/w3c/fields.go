package w3c

import (
	"strings"

	"github.com/edgelog/edgelog/internal/record"
)

// kind says what Parse does with a field's value.
type kind uint8

const (
	kSkip          kind = iota // read past and dropped
	kStr                       // stored as is in col.str ("-" is empty)
	kUserAgent                 // percent-decoded (CloudFront), '+' is a space (IIS)
	kIP                        // c-ip
	kDate                      // 2026-03-04
	kTime                      // 21:02:31, UTC, maybe with a fraction
	kUnixSeconds               // timestamp: 1772611200.123
	kUnixMillis                // timestamp(ms): 1772611200123
	kPath                      // cs-uri-stem, cs-uri: the query is dropped
	kStatus                    // sc-status
	kBytesSent                 // sc-bytes: the total, and the body bytes (no W3C field has them apart)
	kBytesReceived             // cs-bytes
	kDuration                  // time-taken: seconds, or IIS's milliseconds
	kTTFB                      // time-to-first-byte: seconds
	kCache                     // x-edge-result-type and kin; normalised
	kASN                       // asn
	kForwarded                 // x-forwarded-for, cs(X-Forwarded-For): kept for the client choice
)

// slot names the record field a W3C field fills when several can; the
// one with the highest prio fills it, whatever the order of #Fields.
type slot uint8

const (
	slotNone slot = iota
	slotTime
	slotPath
	slotHost
	slotProtocol
	slotCache
)

type spec struct {
	kind kind
	str  record.Str
	slot slot
	prio int
}

// names maps the W3C, IIS and CloudFront field names, lower-cased, to what
// they fill. Every other field (cs(Cookie), x-edge-request-id, ssl-cipher,
// sc-substatus, ...) is read past and dropped.
var names = map[string]spec{
	"date": {kind: kDate, slot: slotTime, prio: 1},
	"time": {kind: kTime, slot: slotTime, prio: 1},
	// CloudFront's newer and real-time logs: one field, to the millisecond.
	"timestamp":     {kind: kUnixSeconds, slot: slotTime, prio: 2},
	"timestamp(ms)": {kind: kUnixMillis, slot: slotTime, prio: 2},

	"c-ip":      {kind: kIP},
	"cs-method": {kind: kStr, str: record.Method},
	// cs-uri-stem is the path; the W3C cs-uri may carry the query.
	"cs-uri-stem": {kind: kPath, slot: slotPath, prio: 2},
	"cs-uri":      {kind: kPath, slot: slotPath, prio: 1},
	"sc-status":   {kind: kStatus},

	// CloudFront's cs(Host) is the distribution's own name
	// (d111111abcdef8.cloudfront.net); x-host-header is what the viewer
	// asked for, the customer's domain.
	"x-host-header": {kind: kStr, str: record.Host, slot: slotHost, prio: 3},
	"cs(host)":      {kind: kStr, str: record.Host, slot: slotHost, prio: 2},
	"cs-host":       {kind: kStr, str: record.Host, slot: slotHost, prio: 1},

	"cs(user-agent)": {kind: kUserAgent, str: record.UserAgent},
	"cs(referer)":    {kind: kStr, str: record.Referer},
	"cs(referrer)":   {kind: kStr, str: record.Referer},

	"cs-protocol":         {kind: kStr, str: record.Scheme},
	"cs-protocol-version": {kind: kStr, str: record.Protocol, slot: slotProtocol, prio: 2},
	"cs-version":          {kind: kStr, str: record.Protocol, slot: slotProtocol, prio: 1},

	// x-edge-result-type is how CloudFront classified the request (Hit,
	// RefreshHit, Miss, ...); the two others refine it for errors.
	"x-edge-result-type":          {kind: kCache, slot: slotCache, prio: 3},
	"x-edge-response-result-type": {kind: kCache, slot: slotCache, prio: 2},
	"x-edge-detailed-result-type": {kind: kCache, slot: slotCache, prio: 1},
	"x-edge-location":             {kind: kStr, str: record.PoP},

	// sc-bytes counts the response headers too, but it is the only byte
	// count a W3C log has: sc-content-len is the Content-Length header, not
	// what was sent, and is "-" for chunked responses.
	"sc-bytes":           {kind: kBytesSent},
	"cs-bytes":           {kind: kBytesReceived},
	"time-taken":         {kind: kDuration},
	"time-to-first-byte": {kind: kTTFB},
	"sc-content-type":    {kind: kStr, str: record.ContentType},
	"c-country":          {kind: kStr, str: record.Country},
	"asn":                {kind: kASN},
	"s-computername":     {kind: kStr, str: record.Server},
	// The X-Forwarded-For list: CloudFront's x-forwarded-for ("a,%20b"),
	// IIS's custom field cs(X-Forwarded-For) ("a,+b"). Stored nowhere;
	// with trusted_proxies the collector takes the client from it
	// (Parser.Forwarded).
	"x-forwarded-for":     {kind: kForwarded},
	"cs(x-forwarded-for)": {kind: kForwarded},
}

// CloudFrontFields are the fields of a CloudFront standard (legacy) access
// log, in order, as its #Fields header names them.
var CloudFrontFields = strings.Fields(`date time x-edge-location sc-bytes c-ip
	cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent)
	cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id
	x-host-header cs-protocol cs-bytes time-taken x-forwarded-for
	ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version
	fle-status fle-encrypted-fields c-port time-to-first-byte
	x-edge-detailed-result-type sc-content-type sc-content-len
	sc-range-start sc-range-end`)
