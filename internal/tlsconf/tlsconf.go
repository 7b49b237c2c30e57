// Package tlsconf is the one TLS configuration of edgelog's listeners (the
// query API, the collector's syslog TCP input): TLS 1.2 and 1.3 only, and
// in TLS 1.2 only ECDHE key exchange with AEAD ciphers (AES-GCM,
// ChaCha20-Poly1305): Mozilla's "intermediate" profile without the DHE
// suites Go does not implement. No CBC, no RSA key exchange, no 3DES or
// RC4; TLS 1.3's suites are fixed by Go and all modern.
//
// The certificate and key are read once at start: a renewed certificate
// takes a restart (systemctl reload is not wired).
package tlsconf

import (
	"crypto/tls"
	"fmt"
)

// Ciphers are the TLS 1.2 suites offered, strongest first.
var Ciphers = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// Server loads certFile and keyFile (PEM) into a listener's configuration.
// Both empty returns nil (no TLS); one without the other is an error.
func Server(certFile, keyFile string) (*tls.Config, error) {
	if certFile == "" && keyFile == "" {
		return nil, nil
	}
	if certFile == "" || keyFile == "" {
		return nil, fmt.Errorf("TLS needs both a certificate and a key (got cert %q, key %q)", certFile, keyFile)
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("cannot load TLS certificate: %w", err)
	}
	return &tls.Config{
		Certificates:     []tls.Certificate{cert},
		MinVersion:       tls.VersionTLS12,
		CipherSuites:     Ciphers,
		CurvePreferences: []tls.CurveID{tls.X25519, tls.CurveP256, tls.CurveP384},
	}, nil
}
