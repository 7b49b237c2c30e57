package field

import (
	"errors"
	"net/netip"
)

// Fallback reasons: why a lenient parse left a field empty, or took it
// from an odd place. The set is fixed, so that a metric labelled with it
// has a bounded number of series.
const (
	ReasonMissing      = "missing"      // the line ends before the field
	ReasonInvalid      = "invalid"      // the value cannot be read as its field
	ReasonAddressList  = "address_list" // the address field held several addresses; the client was chosen
	ReasonHostname     = "hostname"     // a host name where an address belongs
	ReasonUnixSocket   = "unix_socket"  // nginx's "unix:" client
	ReasonVHostPrefix  = "vhost_prefix" // a "host[:port] " before the address
	ReasonInvalidUTF8  = "invalid_utf8" // a field reports and bills show is not UTF-8
	ReasonUnterminated = "unterminated" // the line does not end as the format ends
	ReasonExtra        = "extra"        // bytes after the last field
	ReasonPrefix       = "prefix"       // the line does not start as the format starts
	ReasonTooLong      = "too_long"     // a value longer than its field may be (country)
	ReasonMisaligned   = "misaligned"   // fields before the time did not match the format
	maxNotes           = 64             // fallbacks kept per line; more are dropped
	maxAddrs           = 16             // addresses kept per line
)

// Fallback is one field a lenient parse could not take as the format says.
type Fallback struct {
	Field  string // the record field, as KindField names it ("client_ip")
	Reason string // one of the Reason constants
}

// Notes is what a lenient parse says about a line besides its record: the
// fallbacks it took, and the client addresses it found when the address
// field held more than one. A Notes is reused across lines (Reset), so a
// lenient parse does not allocate once its slices have grown; Fallbacks
// holds at most 64 entries and Addrs at most 16 per line.
type Notes struct {
	Fallbacks []Fallback
	// Addrs are the addresses of an address list, in the order logged
	// (the client first, each proxy after it): the caller picks the client
	// (collector/enrich.Client). Empty when the field held one address.
	Addrs []netip.Addr
}

// Reset empties n for the next line.
func (n *Notes) Reset() {
	n.Fallbacks = n.Fallbacks[:0]
	n.Addrs = n.Addrs[:0]
}

// Add notes a fallback.
func (n *Notes) Add(field, reason string) {
	if len(n.Fallbacks) < maxNotes {
		n.Fallbacks = append(n.Fallbacks, Fallback{Field: field, Reason: reason})
	}
}

// Billing errors: a lenient parse still refuses a line for these, as a
// request without its time, status or size cannot be counted.
var (
	ErrNoStatus = errors.New("no status")
)

// IsBilling reports whether a field is one without which a line is not a
// billable request: its time, status or bytes sent.
func IsBilling(field string) bool {
	return field == "time" || field == "status" || field == "bytes_sent"
}
