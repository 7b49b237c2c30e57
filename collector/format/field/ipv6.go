package field

// parseIPv6Hex is netip.ParseAddr for the IPv6 addresses clients have: hex
// groups with at most one "::", no zone, no IPv4 tail. netip's loop
// branches on whether each hex digit is a decimal one or a letter, which
// in a client address is a coin toss: a tenth of the edge format's lines
// are IPv6 and their address took a third of their parse. A table turns
// each digit into its value without that branch. It follows netip's
// parseIPv6 step for step and reports ok only where netip accepts the
// address, with the same bytes; for any other input (a zone, an IPv4
// tail, an error) ok is false and the caller asks ParseIP.
func parseIPv6Hex(s []byte) (ip [16]byte, ok bool) {
	ellipsis := -1 // where "::" is in ip
	if len(s) >= 2 && s[0] == ':' && s[1] == ':' {
		ellipsis = 0
		s = s[2:]
		if len(s) == 0 {
			return ip, false
		}
	}
	i := 0
	for i < 16 {
		off, acc := 0, 0
		for ; off < len(s); off++ {
			v := hexValue[s[off]]
			if v > 15 {
				break
			}
			if off > 3 {
				return ip, false // more than four digits
			}
			acc = acc<<4 | int(v)
		}
		if off == 0 || off < len(s) && s[off] == '.' {
			return ip, false // no digit, or an IPv4 tail
		}
		ip[i], ip[i+1] = byte(acc>>8), byte(acc) // #nosec G115 G602 -- acc has at most four hex digits; i is even and below 16
		i += 2
		s = s[off:]
		if len(s) == 0 {
			break
		}
		if s[0] != ':' || len(s) == 1 {
			return ip, false
		}
		s = s[1:]
		if s[0] == ':' {
			if ellipsis >= 0 {
				return ip, false // a second "::"
			}
			ellipsis = i
			s = s[1:]
			if len(s) == 0 {
				break
			}
		}
	}
	if len(s) != 0 {
		return ip, false
	}
	if i < 16 {
		if ellipsis < 0 {
			return ip, false // too short
		}
		n := 16 - i
		for j := i - 1; j >= ellipsis; j-- {
			ip[j+n] = ip[j]
		}
		clear(ip[ellipsis : ellipsis+n])
	} else if ellipsis >= 0 {
		return ip, false // "::" that stands for no group
	}
	return ip, true
}

// hexValue is each byte's value as a hex digit, 0xff for a byte that is
// none.
var hexValue = func() (t [256]byte) {
	for c := range t {
		t[c] = 0xff
		if isHex(byte(c)) {
			t[c] = unhex(byte(c))
		}
	}
	return t
}()
