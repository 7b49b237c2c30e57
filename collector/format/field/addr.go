package field

import (
	"bytes"
	"net/netip"
	"unsafe"
)

// AddrField reads an address field that is not one plain address, as real
// servers write them:
//
//	203.0.113.7, 10.0.0.1            an X-Forwarded-For list
//	"203.0.113.7, 10.0.0.1" 10.0.0.2  the list quoted, then the proxy's own address
//	[2001:db8::1]:51234  192.0.2.1:8080   an address with a port, IPv6 bracketed
//	unix:                            nginx, a client on a unix socket
//	localhost, crawl-1.example.net   Apache's %h under HostnameLookups On
//	www.example.com:443 203.0.113.7  a virtual-host prefix (vhost_combined)
//
// It appends the addresses found to n.Addrs in the order logged and notes
// why the field was odd. It returns the virtual host when the field began
// with one (host[:port] and then an address), for a format that logs no
// host of its own. Words that are neither addresses nor names ("-",
// "unknown", garbage) are passed over, as are names in a list that holds
// an address.
func AddrField(v []byte, n *Notes) (vhost []byte) {
	var lead []byte // a first word that is a name followed by a space
	found, words, names := 0, 0, 0
	for i := 0; i < len(v); {
		for i < len(v) && isAddrSep(v[i]) {
			i++
		}
		start := i
		for i < len(v) && !isAddrSep(v[i]) {
			i++
		}
		w := v[start:i]
		if len(w) == 0 {
			break
		}
		words++
		if a, ok := parseAddrPort(w); ok {
			if len(n.Addrs) < maxAddrs {
				n.Addrs = append(n.Addrs, a)
			}
			found++
			continue
		}
		switch {
		case bytes.HasPrefix(w, []byte("unix:")):
			n.Add("client_ip", ReasonUnixSocket)
		case bytes.EqualFold(w, []byte("unknown")) || !isHostName(w):
			// RFC 7239's "unknown", garbage: passed over
		case words == 1 && i < len(v) && v[i] == ' ':
			lead = w // a vhost prefix when an address follows
		default:
			names++
		}
	}
	switch {
	case lead != nil && found > 0:
		vhost = lead
		n.Add("host", ReasonVHostPrefix)
	case lead != nil:
		names++
	}
	if names > 0 && found == 0 {
		n.Add("client_ip", ReasonHostname) // a name where an address belongs: no client
	}
	if found > 1 {
		n.Add("client_ip", ReasonAddressList)
	}
	return vhost
}

func isAddrSep(c byte) bool { return c == ',' || c == ' ' || c == '\t' || c == '"' }

// parseAddrPort reads an address, maybe bracketed, maybe with a port.
func parseAddrPort(w []byte) (netip.Addr, bool) {
	if ip, ok := parseIPv4(w); ok {
		return netip.AddrFrom16(ip).Unmap(), true
	}
	s := unsafe.String(&w[0], len(w)) // #nosec G103 -- zero-copy view of w for ParseAddr, which does not keep it
	if a, err := netip.ParseAddr(s); err == nil {
		return a.WithZone(""), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().WithZone(""), true
	}
	if w[0] == '[' && w[len(w)-1] == ']' && len(w) > 2 {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil {
			return a.WithZone(""), true
		}
	}
	return netip.Addr{}, false
}

// isHostName reports whether w looks like a DNS name, maybe with a port:
// letters, digits, '-', '.', '_' and at least one letter.
func isHostName(w []byte) bool {
	if i := bytes.LastIndexByte(w, ':'); i > 0 {
		for _, c := range w[i+1:] {
			if c < '0' || c > '9' {
				return false
			}
		}
		w = w[:i]
	}
	if len(w) == 0 || len(w) > 253 {
		return false
	}
	letter := false
	for _, c := range w {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			letter = true
		case c >= '0' && c <= '9', c == '-', c == '.', c == '_':
		default:
			return false
		}
	}
	return letter
}
