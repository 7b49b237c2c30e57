package apache

import (
	"fmt"
	"strings"

	"github.com/edgelog/edgelog/internal/record"
)

// kind says what Parse does with a directive's value.
type kind uint8

const (
	kSkip          kind = iota // read past and dropped
	kStr                       // stored in op.str, unescaped ("-" is empty)
	kIP                        // %a: client address
	kHostname                  // %h: an address, or a name under HostnameLookups
	kTimeCLF                   // %t: [10/Oct/2026:13:55:36 +0000]
	kTimeCommon                // %{%d/%b/%Y:%H:%M:%S %z}t: no brackets
	kTimeISO                   // %{%Y-%m-%dT%H:%M:%S%z}t
	kUnixSec                   // %{sec}t
	kUnixMs                    // %{msec}t
	kUnixUs                    // %{usec}t
	kRequest                   // %r: "GET /a?b HTTP/1.1"
	kPath                      // %U: path; a query, if any, is dropped
	kStatus                    // %s, %>s
	kBytesSent                 // %b, %B, %O
	kBytesReceived             // %I
	kSeconds                   // %T, %{s}T: whole seconds
	kMillis                    // %{ms}T
	kMicros                    // %D, %{us}T
	kCache                     // a cache header in any spelling; normalised
	numKinds
)

// slot names the record field a directive fills. When a format logs
// several directives for one slot (%h and %a, %s and %>s), the one with the
// highest prio fills it and the others are skipped, so the result never
// depends on the order of the directives in the format.
type slot uint8

const (
	slotNone slot = iota
	slotTime
	slotIP
	slotPath
	slotStatus
	slotHost
	slotBytesSent
	slotRequestTime
	slotCache
	slotCountry
	slotOther // a slot with one directive only; never contended
)

type spec struct {
	kind kind
	str  record.Str
	slot slot
	prio int
}

// letters maps the directives without an argument. Every letter not here
// (%l %u %A %p %P %k %L %X %R %f %S, ...) is read past and dropped.
var letters = map[byte]spec{
	// %a is the client address (mod_remoteip's, behind a proxy); %h is the
	// peer, or its name when HostnameLookups is on.
	'a': {kind: kIP, slot: slotIP, prio: 2},
	'h': {kind: kHostname, slot: slotIP, prio: 1},
	't': {kind: kTimeCLF, slot: slotTime, prio: 1},

	// %r is the request target as the client sent it; %U is decoded.
	'r': {kind: kRequest, slot: slotPath, prio: 2},
	'U': {kind: kPath, slot: slotPath, prio: 1},
	'm': {kind: kStr, str: record.Method, slot: slotOther},
	'H': {kind: kStr, str: record.Protocol, slot: slotOther},

	's': {kind: kStatus, slot: slotStatus, prio: 1},

	// The record stores body bytes; %O (mod_logio) counts headers too.
	'b': {kind: kBytesSent, slot: slotBytesSent, prio: 2},
	'B': {kind: kBytesSent, slot: slotBytesSent, prio: 2},
	'O': {kind: kBytesSent, slot: slotBytesSent, prio: 1},
	'I': {kind: kBytesReceived, slot: slotOther},

	'D': {kind: kMicros, slot: slotRequestTime, prio: 3},
	'T': {kind: kSeconds, slot: slotRequestTime, prio: 1},

	// %V honours UseCanonicalName off (the client's Host); %v is the
	// config's ServerName.
	'V': {kind: kStr, str: record.Host, slot: slotHost, prio: 2},
	'v': {kind: kStr, str: record.Host, slot: slotHost, prio: 1},
}

// headers maps %{Name}i (request) and %{Name}o (response) headers and
// %{NAME}e environment variables, by "i:name" with name lower-cased as
// header names are case-insensitive.
var headers = map[string]spec{
	"i:host":              {kind: kStr, str: record.Host, slot: slotHost, prio: 3},
	"i:referer":           {kind: kStr, str: record.Referer, slot: slotOther},
	"i:user-agent":        {kind: kStr, str: record.UserAgent, slot: slotOther},
	"i:x-forwarded-proto": {kind: kStr, str: record.Scheme, slot: slotOther},
	"i:cf-ipcountry":      {kind: kStr, str: record.Country, slot: slotCountry, prio: 1},
	"o:content-type":      {kind: kStr, str: record.ContentType, slot: slotOther},
	"o:x-cache-status":    {kind: kCache, slot: slotCache, prio: 2},
	"o:x-cache":           {kind: kCache, slot: slotCache, prio: 1},
	// mod_geoip's variable, and the ones an edge server's config sets
	// (SetEnv/SetEnvIf), as nginx's $edge_* variables.
	"e:geoip_country_code": {kind: kStr, str: record.Country, slot: slotCountry, prio: 2},
	"e:edge_pop":           {kind: kStr, str: record.PoP, slot: slotOther},
	"e:edge_region":        {kind: kStr, str: record.Region, slot: slotOther},
	"e:edge_customer":      {kind: kStr, str: record.Customer, slot: slotOther},
}

// timeFormats are the %{format}t arguments Parse understands, begin: or
// end: already cut off. A strftime format would need a strftime parser;
// these two are the ones configs use to get a parseable zoned time, and
// anything else is refused at compile time rather than mis-read.
var timeFormats = map[string]spec{
	"sec":                  {kind: kUnixSec, slot: slotTime, prio: 2},
	"msec":                 {kind: kUnixMs, slot: slotTime, prio: 3},
	"usec":                 {kind: kUnixUs, slot: slotTime, prio: 3},
	"msec_frac":            {}, // a fraction alone; no use without the rest
	"usec_frac":            {},
	"%d/%b/%Y:%H:%M:%S %z": {kind: kTimeCommon, slot: slotTime, prio: 1},
	"%Y-%m-%dT%H:%M:%S%z":  {kind: kTimeISO, slot: slotTime, prio: 1},
	"%FT%T%z":              {kind: kTimeISO, slot: slotTime, prio: 1},
}

// widths are the fixed value widths of the times, which hold a space or
// may be followed by a literal they contain.
var widths = [numKinds]int{
	kTimeCLF:    len("[10/Oct/2026:13:55:36 +0000]"),
	kTimeCommon: len("10/Oct/2026:13:55:36 +0000"),
	kTimeISO:    len("2026-10-10T13:55:36+0000"),
}

// lookup returns what to do with directive letter c with argument arg
// (has says whether it had {}), and whether its time is the request's
// start. origStatus is true for %s (and %<s), the status before internal
// redirects.
func lookup(c byte, arg string, has, origStatus bool) (s spec, begin bool, err error) {
	switch {
	case c == 's' && !origStatus:
		return spec{kind: kStatus, slot: slotStatus, prio: 2}, false, nil
	case c == 't' && has:
		// Apache's %t is the time the request was received; end: asks for
		// the time the log entry was written.
		begin = true
		if a, ok := strings.CutPrefix(arg, "begin:"); ok {
			arg = a
		} else if a, ok := strings.CutPrefix(arg, "end:"); ok {
			arg, begin = a, false
		}
		s, ok := timeFormats[arg]
		if !ok {
			return spec{}, false, fmt.Errorf("unsupported time format %%{%s}t (want sec, msec, usec, %%d/%%b/%%Y:%%H:%%M:%%S %%z or %%Y-%%m-%%dT%%H:%%M:%%S%%z)", arg)
		}
		return s, begin, nil
	case c == 't':
		return letters[c], true, nil
	case c == 'T' && has:
		switch arg {
		case "s":
			return spec{kind: kSeconds, slot: slotRequestTime, prio: 1}, false, nil
		case "ms":
			return spec{kind: kMillis, slot: slotRequestTime, prio: 2}, false, nil
		case "us":
			return spec{kind: kMicros, slot: slotRequestTime, prio: 3}, false, nil
		}
		return spec{}, false, fmt.Errorf("unknown unit %%{%s}T (want s, ms or us)", arg)
	case c == 'i' || c == 'o' || c == 'e':
		return headers[string(c)+":"+strings.ToLower(arg)], false, nil
	case c == 'a' && has: // %{c}a: the peer, a proxy under mod_remoteip
		return spec{kind: kIP, slot: slotIP, prio: 1}, false, nil
	case has: // %{format}p, %{VAR}n, %{VAR}C, ...
		return spec{}, false, nil
	}
	return letters[c], false, nil
}
