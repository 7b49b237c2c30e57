package enrich

import (
	"fmt"
	"net/netip"
	"strings"
)

// Proxies are the networks whose addresses are the operator's own proxies
// and load balancers (the collector's trusted_proxies), as nginx's
// set_real_ip_from lists them. The zero value trusts none.
type Proxies struct {
	nets []netip.Prefix
}

// ParseProxies reads CIDRs ("10.0.0.0/8", "2001:db8::/32") or single
// addresses, which stand for themselves.
func ParseProxies(cidrs []string) (Proxies, error) {
	var p Proxies
	for _, s := range cidrs {
		s = strings.TrimSpace(s)
		pre, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return Proxies{}, fmt.Errorf("trusted proxy %q: want a CIDR (10.0.0.0/8) or an address", s)
			}
			pre = netip.PrefixFrom(a, a.BitLen())
		}
		p.nets = append(p.nets, pre.Masked())
	}
	return p, nil
}

// Set reports whether any proxy network is configured.
func (p Proxies) Set() bool { return len(p.nets) > 0 }

// Trusted reports whether a is one of the proxies.
func (p Proxies) Trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, n := range p.nets {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// Client picks the client of an address chain, addrs in the order logged:
// the X-Forwarded-For list (the client first, each proxy after), then the
// peer that connected, if logged. With trusted proxies it does what nginx's
// realip module does with real_ip_recursive on: walking from the right, the
// first address that is not a trusted proxy is the client (the leftmost
// when all are). Without, it takes the first valid public address, as the
// log shippers do, and the first address when none is public. It returns
// the zero Addr for an empty chain.
func (p Proxies) Client(addrs []netip.Addr) netip.Addr {
	if len(addrs) == 0 {
		return netip.Addr{}
	}
	if p.Set() {
		for i := len(addrs) - 1; i >= 0; i-- {
			if !p.Trusted(addrs[i]) {
				return addrs[i]
			}
		}
		return addrs[0]
	}
	for _, a := range addrs {
		if Public(a) {
			return a
		}
	}
	return addrs[0]
}

// Public reports whether a is a global unicast address outside the
// private, shared (100.64.0.0/10, carrier-grade NAT) and documentation
// ranges a proxy chain is made of.
func Public(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || !a.IsGlobalUnicast() || a.IsPrivate() {
		return false
	}
	for _, n := range nonPublic {
		if n.Contains(a) {
			return false
		}
	}
	return true
}

var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("100.64.0.0/10"), // RFC 6598 shared address space
	netip.MustParsePrefix("192.0.0.0/24"),  // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"), // benchmarking
}
