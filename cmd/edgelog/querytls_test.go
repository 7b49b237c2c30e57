package main

import (
	"crypto/tls"
	"io"
	"net/http"
	"regexp"
	"testing"

	"github.com/edgelog/edgelog/internal/tlsconf/tlstest"
	"github.com/edgelog/edgelog/lab/engines/chtest"
)

// stopQueryTLS (a TestStop state: it needs the binary) runs `edgelog
// query --tls-cert --tls-key` and asks it with Go's TLS client: HTTPS is
// served, TLS 1.1 and plain HTTP are not; then it stops.
func stopQueryTLS(t *testing.T) {
	ch := chtest.Config(t, chtest.NewDB(t))
	cert, key, pool := tlstest.Files(t)
	p := startProc(t, t.TempDir(), "query", "--ch-addr", ch.Addr, "--ch-db", ch.Database, "--listen", "127.0.0.1:0",
		"--metrics-addr", "off", "--tls-cert", cert, "--tls-key", key)
	p.waitFor(t, "query API listening on https://")
	addr := regexp.MustCompile(`https://([0-9.:]+)/`).FindStringSubmatch(p.out.String())[1]
	client := func(c *tls.Config) *http.Client {
		c.RootCAs, c.ServerName = pool, "localhost"
		return &http.Client{Transport: &http.Transport{TLSClientConfig: c}}
	}
	resp, err := client(&tls.Config{MinVersion: tls.VersionTLS12}).Get("https://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("HTTPS: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "ok\n" || resp.TLS == nil || resp.TLS.Version < tls.VersionTLS12 {
		t.Fatalf("HTTPS /healthz: %d %q", resp.StatusCode, body)
	}
	if _, err := client(&tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}).Get("https://" + addr + "/healthz"); err == nil {
		t.Error("TLS 1.1 was served")
	}
	if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Error("plain HTTP was served")
		}
	}
	p.stop(t, []string{"stopped: every request in flight was answered"})
}
