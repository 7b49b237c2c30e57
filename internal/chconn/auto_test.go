package chconn

import "testing"

// TestAutoCompression: auto compresses with LZ4 unless the server is on
// this host's loopback.
func TestAutoCompression(t *testing.T) {
	for addr, compressed := range map[string]bool{
		"127.0.0.1:9000": false, "127.0.0.53:9000": false, "[::1]:9000": false, "localhost:9000": false,
		"10.0.0.7:9000": true, "ch-1.example.net:9440": true, "[2001:db8::1]:9000": true,
	} {
		c := Config{Addr: addr}
		m, err := c.compression()
		if err != nil || (m != nil) != compressed {
			t.Errorf("%s: compression %v, %v; want compressed %v", addr, m, err, compressed)
		}
	}
}
