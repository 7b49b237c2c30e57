package field

import (
	"strings"
	"testing"
)

func TestAddrField(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.7, 10.0.0.1":                 "addrs=203.0.113.7,10.0.0.1 fallbacks=client_ip/address_list",
		`"203.0.113.7, 10.0.0.1" 10.0.0.2`:      "addrs=203.0.113.7,10.0.0.1,10.0.0.2 fallbacks=client_ip/address_list",
		"[2001:db8::7]:443":                     "addrs=2001:db8::7",
		"192.0.2.1:8080":                        "addrs=192.0.2.1",
		"fe80::1%eth0":                          "addrs=fe80::1",
		"unix:":                                 "fallbacks=client_ip/unix_socket",
		"localhost":                             "fallbacks=client_ip/hostname",
		"crawl-66-249-66-1.googlebot.com":       "fallbacks=client_ip/hostname",
		"www.example.com:443 203.0.113.7":       "vhost=www.example.com:443 addrs=203.0.113.7 fallbacks=host/vhost_prefix",
		"unknown, 203.0.113.7":                  "addrs=203.0.113.7",
		"proxy.internal, 203.0.113.7, 10.0.0.1": "addrs=203.0.113.7,10.0.0.1 fallbacks=client_ip/address_list",
		"not-an-ip!!":                           "",
		"-":                                     "",
	} {
		var n Notes
		vhost := AddrField([]byte(in), &n)
		var parts []string
		if vhost != nil {
			parts = append(parts, "vhost="+string(vhost))
		}
		var as, fs []string
		for _, a := range n.Addrs {
			as = append(as, a.String())
		}
		for _, f := range n.Fallbacks {
			fs = append(fs, f.Field+"/"+f.Reason)
		}
		if as != nil {
			parts = append(parts, "addrs="+strings.Join(as, ","))
		}
		if fs != nil {
			parts = append(parts, "fallbacks="+strings.Join(fs, ","))
		}
		if got := strings.Join(parts, " "); got != want {
			t.Errorf("AddrField(%q): %s, want %s", in, got, want)
		}
	}
}

// FuzzAddrField: no input panics it, it keeps its bounds, and every
// address it returns is valid and has no zone.
func FuzzAddrField(f *testing.F) {
	for _, s := range []string{"203.0.113.7, 10.0.0.1", `"a, b" c`, "[::1]:80", "unix:/x", "h:1 1.2.3.4", strings.Repeat("1.2.3.4,", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var n Notes
		AddrField([]byte(s), &n)
		if len(n.Addrs) > maxAddrs || len(n.Fallbacks) > maxNotes {
			t.Fatalf("%d addresses, %d fallbacks", len(n.Addrs), len(n.Fallbacks))
		}
		for _, a := range n.Addrs {
			if !a.IsValid() || a.Zone() != "" {
				t.Fatalf("%q: address %v", s, a)
			}
		}
	})
}

// parseIPv6Hex accepts only what ParseIP accepts, and reads the same
// address; it accepts the addresses of the generated traffic.
func FuzzIPv6Hex(f *testing.F) {
	for _, s := range []string{"2a02:490c::dae5:28cf:9cd2:20e1", "::1", "::", "1::", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "::ffff:1.2.3.4", "fe80::1%eth0", "1:2:3:4:5:6:7:8:9", "12345::", "1:::2", "1::2::3", "ABCD:ef01::", "1:2", ":1::"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ip, ok := parseIPv6Hex(b)
		if !ok {
			return
		}
		want, err := ParseIP(b)
		if err != nil || ip != want {
			t.Fatalf("%q: %v, ParseIP %v %v", b, ip, want, err)
		}
	})
}

func TestIPv6Hex(t *testing.T) {
	for _, s := range []string{"2a02:490c::dae5:28cf:9cd2:20e1", "2001:db8::77", "1:2:3:4:5:6:7:8", "::1", "ABCD:ef01::"} {
		ip, ok := parseIPv6Hex([]byte(s))
		want, err := ParseIP([]byte(s))
		if !ok || err != nil || ip != want {
			t.Errorf("%q: %v %v, ParseIP %v %v", s, ip, ok, want, err)
		}
	}
}
