package enrich

import (
	"net/netip"
	"testing"
)

func addrs(ss ...string) []netip.Addr {
	var a []netip.Addr
	for _, s := range ss {
		a = append(a, netip.MustParseAddr(s))
	}
	return a
}

func TestClient(t *testing.T) {
	none := Proxies{}
	lb, err := ParseProxies([]string{"10.0.0.0/8", "192.0.2.10", "2001:db8:ffff::/48"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		p     Proxies
		chain []string
		want  string
	}{
		{none, []string{"203.0.113.7", "10.0.0.1"}, "203.0.113.7"},
		{none, []string{"10.1.1.1", "100.64.3.2", "198.51.100.9", "10.0.0.1"}, "198.51.100.9"},    // first public
		{none, []string{"10.1.1.1", "172.16.0.2"}, "10.1.1.1"},                                    // none public: the first
		{lb, []string{"203.0.113.7", "198.51.100.66", "10.0.0.1", "192.0.2.10"}, "198.51.100.66"}, // a spoofed first entry is passed over
		{lb, []string{"10.0.0.5", "10.0.0.1"}, "10.0.0.5"},                                        // all trusted: the leftmost
		{lb, []string{"2001:db8::7", "2001:db8:ffff::1"}, "2001:db8::7"},
		{lb, []string{"::ffff:203.0.113.9", "::ffff:10.0.0.1"}, "::ffff:203.0.113.9"},
	} {
		if got := c.p.Client(addrs(c.chain...)); got != netip.MustParseAddr(c.want) {
			t.Errorf("Client(%v) = %v, want %v", c.chain, got, c.want)
		}
	}
	if (Proxies{}).Client(nil).IsValid() {
		t.Error("an empty chain has a client")
	}
	for _, bad := range []string{"10.0.0.0/33", "lb.internal", ""} {
		if _, err := ParseProxies([]string{bad}); err == nil {
			t.Errorf("ParseProxies(%q): no error", bad)
		}
	}
}
