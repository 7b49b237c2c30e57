package tlsconf_test

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"testing"

	"github.com/edgelog/edgelog/internal/tlsconf"
	"github.com/edgelog/edgelog/internal/tlsconf/tlstest"
)

// TestModernOnly serves HTTPS with the configuration and connects with Go's
// own TLS client: TLS 1.3 and TLS 1.2 with an AEAD suite are served; TLS
// 1.1, and TLS 1.2 offering only CBC or RSA key exchange, are refused.
func TestModernOnly(t *testing.T) {
	certFile, keyFile, pool := tlstest.Files(t)
	cfg, err := tlsconf.Server(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") })}
	go srv.Serve(tls.NewListener(ln, cfg))
	t.Cleanup(func() { srv.Close() })
	get := func(c *tls.Config) error {
		c.RootCAs, c.ServerName = pool, "localhost"
		cl := &http.Client{Transport: &http.Transport{TLSClientConfig: c}}
		resp, err := cl.Get("https://" + ln.Addr().String() + "/")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if string(b) != "ok" {
			t.Errorf("body %q", b)
		}
		return nil
	}
	for _, c := range []struct {
		name string
		cfg  *tls.Config
		ok   bool
	}{
		{"TLS 1.3", &tls.Config{MinVersion: tls.VersionTLS13}, true},
		{"TLS 1.2 ECDHE-ECDSA-AES128-GCM", &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}}, true},
		{"TLS 1.2 ECDHE-ECDSA-CHACHA20", &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}}, true},
		{"TLS 1.1", &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}, false},
		{"TLS 1.2 CBC only", &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA}}, false},
		{"TLS 1.2 RSA key exchange only", &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_GCM_SHA256}}, false},
	} {
		err := get(c.cfg)
		if (err == nil) != c.ok {
			t.Errorf("%s: error %v, want served = %v", c.name, err, c.ok)
		}
	}
}

func TestCertAndKeyTogether(t *testing.T) {
	if cfg, err := tlsconf.Server("", ""); cfg != nil || err != nil {
		t.Fatalf("no files: %v, %v; want no TLS", cfg, err)
	}
	if _, err := tlsconf.Server("cert.pem", ""); err == nil {
		t.Fatal("a certificate without a key was accepted")
	}
	if _, err := tlsconf.Server(t.TempDir()+"/none.pem", t.TempDir()+"/none.key"); err == nil {
		t.Fatal("missing files were accepted")
	}
}
