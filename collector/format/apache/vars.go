package apache

import (
	"fmt"
	"strings"

	"github.com/edgelog/edgelog/collector/format/field"
	"github.com/edgelog/edgelog/internal/record"
)

// slot names the record field a directive fills. When a format logs
// several directives for one slot (%h and %a, %s and %>s), the one with the
// highest prio fills it and the others are skipped, so the result never
// depends on the order of the directives in the format.
const (
	slotNone = iota // uncontended: the directive is the only one for its field
	slotTime
	slotIP
	slotPath
	slotStatus
	slotHost
	slotBytesSent
	slotRequestTime
	slotCache
	slotCountry
)

// slotOther marks a directive that is the only one for its field.
const slotOther = slotNone

type spec = field.Spec

// letters maps the directives without an argument. Every letter not here
// (%l %u %A %p %P %k %L %X %R %f %S, ...) is read past and dropped.
var letters = map[byte]spec{
	// %a is the client address (mod_remoteip's, behind a proxy); %h is the
	// peer, or its name when HostnameLookups is on.
	'a': {Kind: field.KIP, Slot: slotIP, Prio: 2},
	'h': {Kind: field.KHostname, Slot: slotIP, Prio: 1},
	't': {Kind: field.KTimeCLF, Slot: slotTime, Prio: 1},

	// %r is the request target as the client sent it; %U is decoded.
	'r': {Kind: field.KRequest, Slot: slotPath, Prio: 2},
	'U': {Kind: field.KPath, Slot: slotPath, Prio: 1},
	'm': {Kind: field.KStr, Str: record.Method, Slot: slotOther},
	'H': {Kind: field.KStr, Str: record.Protocol, Slot: slotOther},

	's': {Kind: field.KStatus, Slot: slotStatus, Prio: 1},

	// The record stores body bytes; %O (mod_logio) counts headers too.
	'b': {Kind: field.KBytesSent, Slot: slotBytesSent, Prio: 2},
	'B': {Kind: field.KBytesSent, Slot: slotBytesSent, Prio: 2},
	'O': {Kind: field.KBytesTotal, Slot: slotOther}, // headers and body; the body too when the format has no %b or %B
	'I': {Kind: field.KBytesReceived, Slot: slotOther},

	'D': {Kind: field.KMicros, Slot: slotRequestTime, Prio: 3},
	'T': {Kind: field.KSeconds, Slot: slotRequestTime, Prio: 1},

	// %V honours UseCanonicalName off (the client's Host); %v is the
	// config's ServerName.
	'V': {Kind: field.KStr, Str: record.Host, Slot: slotHost, Prio: 2},
	'v': {Kind: field.KStr, Str: record.Host, Slot: slotHost, Prio: 1},
}

// headers maps %{Name}i (request) and %{Name}o (response) headers and
// %{NAME}e environment variables, by "i:name" with name lower-cased as
// header names are case-insensitive.
var headers = map[string]spec{
	"i:host":              {Kind: field.KStr, Str: record.Host, Slot: slotHost, Prio: 3},
	"i:referer":           {Kind: field.KStr, Str: record.Referer, Slot: slotOther},
	"i:user-agent":        {Kind: field.KStr, Str: record.UserAgent, Slot: slotOther},
	"i:x-forwarded-proto": {Kind: field.KStr, Str: record.Scheme, Slot: slotOther},
	"i:x-forwarded-for":   {Kind: field.KForwarded, Slot: slotOther}, // for the client choice; stored nowhere
	"i:cf-ipcountry":      {Kind: field.KStr, Str: record.Country, Slot: slotCountry, Prio: 1},
	"o:content-type":      {Kind: field.KStr, Str: record.ContentType, Slot: slotOther},
	"o:x-cache-status":    {Kind: field.KCache, Slot: slotCache, Prio: 2},
	"o:x-cache":           {Kind: field.KCache, Slot: slotCache, Prio: 1},
	// mod_geoip's variable, and the ones an edge server's config sets
	// (SetEnv/SetEnvIf), as nginx's $edge_* variables.
	"e:geoip_country_code": {Kind: field.KStr, Str: record.Country, Slot: slotCountry, Prio: 2},
	"e:edge_pop":           {Kind: field.KStr, Str: record.PoP, Slot: slotOther},
	"e:edge_region":        {Kind: field.KStr, Str: record.Region, Slot: slotOther},
	"e:edge_customer":      {Kind: field.KStr, Str: record.Customer, Slot: slotOther},
}

// timeFormats are the %{format}t arguments Parse understands, begin: or
// end: already cut off. A strftime format would need a strftime parser;
// these two are the ones configs use to get a parseable zoned time, and
// anything else is refused at compile time rather than mis-read.
var timeFormats = map[string]spec{
	"sec":                  {Kind: field.KUnixSec, Slot: slotTime, Prio: 2},
	"msec":                 {Kind: field.KUnixMs, Slot: slotTime, Prio: 3},
	"usec":                 {Kind: field.KUnixUs, Slot: slotTime, Prio: 3},
	"msec_frac":            {}, // a fraction alone; no use without the rest
	"usec_frac":            {},
	"%d/%b/%Y:%H:%M:%S %z": {Kind: field.KTimeLocal, Slot: slotTime, Prio: 1},
	"%Y-%m-%dT%H:%M:%S%z":  {Kind: field.KTimeISO, Slot: slotTime, Prio: 1},
	"%FT%T%z":              {Kind: field.KTimeISO, Slot: slotTime, Prio: 1},
}

// widths are the fixed value widths of the times, which hold a space or
// may be followed by a literal they contain.
var widths = [field.NumKinds]int{
	field.KTimeCLF:   len("[10/Oct/2026:13:55:36 +0000]"),
	field.KTimeLocal: len("10/Oct/2026:13:55:36 +0000"),
	field.KTimeISO:   len("2026-10-10T13:55:36+0000"),
}

// lookup returns what to do with directive letter c with argument arg
// (has says whether it had {}), and whether its time is the request's
// start. origStatus is true for %s (and %<s), the status before internal
// redirects.
func lookup(c byte, arg string, has, origStatus bool) (s spec, begin bool, err error) {
	switch {
	case c == 's' && !origStatus:
		return spec{Kind: field.KStatus, Slot: slotStatus, Prio: 2}, false, nil
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
			return spec{Kind: field.KSeconds, Slot: slotRequestTime, Prio: 1}, false, nil
		case "ms":
			return spec{Kind: field.KMillis, Slot: slotRequestTime, Prio: 2}, false, nil
		case "us":
			return spec{Kind: field.KMicros, Slot: slotRequestTime, Prio: 3}, false, nil
		}
		return spec{}, false, fmt.Errorf("unknown unit %%{%s}T (want s, ms or us)", arg)
	case c == 'i' || c == 'o' || c == 'e':
		return headers[string(c)+":"+strings.ToLower(arg)], false, nil
	case c == 'a' && has: // %{c}a: the peer, a proxy under mod_remoteip
		return spec{Kind: field.KIP, Slot: slotIP, Prio: 1}, false, nil
	case has: // %{format}p, %{VAR}n, %{VAR}C, ...
		return spec{}, false, nil
	}
	return letters[c], false, nil
}
