package kafkaconf

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
)

// testCA is a certificate authority made for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

var serial int64

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newCA(t *testing.T, name string) *testCA {
	t.Helper()
	key := newKey(t)
	serial++
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue signs a leaf certificate for a server (127.0.0.1) or a client and
// returns its PEM certificate and key.
func (ca *testCA) issue(t *testing.T, name string, server bool) (certPEM, keyPEM []byte) {
	t.Helper()
	key := newKey(t)
	serial++
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
}

func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// mtlsBroker starts a Kafka-protocol broker (kfake) on 127.0.0.1 whose
// listener demands a client certificate signed by clientCA.
func mtlsBroker(t *testing.T, serverCA, clientCA *testCA) string {
	t.Helper()
	certPEM, keyPEM := serverCA.issue(t, "broker", true)
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(clientCA.cert)
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "mtls"),
		kfake.TLS(&tls.Config{Certificates: []tls.Certificate{cert}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c.ListenAddrs()[0]
}

// produce writes one message through the Transport of cfg and reads it
// back through its Dialer, as the collector and ingest do.
func produce(t *testing.T, cfg Config, value string) error {
	t.Helper()
	if err := cfg.Validate(); err != nil {
		return err
	}
	tr, err := cfg.Transport()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	w := &kafka.Writer{Addr: kafka.TCP(cfg.Brokers...), Topic: "mtls", Transport: tr, RequiredAcks: kafka.RequireAll, MaxAttempts: 1}
	defer w.Close()
	if err := w.WriteMessages(ctx, kafka.Message{Value: []byte(value)}); err != nil {
		return err
	}
	d, err := cfg.Dialer()
	if err != nil {
		return err
	}
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: cfg.Brokers, Topic: "mtls", Partition: 0, Dialer: d, MaxWait: 100 * time.Millisecond})
	defer r.Close()
	m, err := r.ReadMessage(ctx)
	if err != nil {
		return err
	}
	if string(m.Value) != value {
		t.Fatalf("read back %q, wrote %q", m.Value, value)
	}
	return nil
}

// A broker that requires client certificates takes batches from a client
// configured with --kafka-cert-file and --kafka-key-file, and refuses one
// without a certificate or with a certificate of another CA.
func TestMutualTLS(t *testing.T) {
	dir := t.TempDir()
	serverCA, clientCA, otherCA := newCA(t, "kafka-ca"), newCA(t, "edge-ca"), newCA(t, "stranger-ca")
	addr := mtlsBroker(t, serverCA, clientCA)
	caFile := writeFile(t, dir, "kafka-ca.pem", serverCA.pem)
	cert, key := clientCA.issue(t, "edge-fra1-07", false)
	certFile, keyFile := writeFile(t, dir, "client.pem", cert), writeFile(t, dir, "client-key.pem", key)
	strangerCert, strangerKey := otherCA.issue(t, "edge-fra1-07", false)

	good := Config{Brokers: []string{addr}, TLS: true, CAFile: caFile, CertFile: certFile, KeyFile: keyFile}
	if err := produce(t, good, "hello over mutual TLS"); err != nil {
		t.Fatalf("client with a certificate: %v", err)
	}

	noCert := good
	noCert.CertFile, noCert.KeyFile = "", ""
	if err := produce(t, noCert, "x"); err == nil {
		t.Fatal("the broker took a batch from a client without a certificate")
	}

	stranger := good
	stranger.CertFile, stranger.KeyFile = writeFile(t, dir, "stranger.pem", strangerCert), writeFile(t, dir, "stranger-key.pem", strangerKey)
	if err := produce(t, stranger, "x"); err == nil {
		t.Fatal("the broker took a batch from a client whose certificate another CA signed")
	}
}

// Bad client certificate settings fail before connecting, and the error
// names the files but never shows the key.
func TestClientCertErrors(t *testing.T) {
	dir := t.TempDir()
	ca := newCA(t, "edge-ca")
	cert, key := ca.issue(t, "edge", false)
	_, otherKey := ca.issue(t, "other", false)
	certFile, keyFile := writeFile(t, dir, "client.pem", cert), writeFile(t, dir, "client-key.pem", key)
	wrongKey := writeFile(t, dir, "wrong-key.pem", otherKey)
	base := Config{Brokers: []string{"127.0.0.1:1"}, TLS: true}
	keyText := strings.Split(string(otherKey), "\n")[1]

	f := func(name string, c Config, want string) {
		t.Helper()
		err := c.Validate()
		if err == nil {
			_, err = c.Transport()
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("%s: error %v, want one containing %q", name, err, want)
		}
		if strings.Contains(err.Error(), keyText) || strings.Contains(err.Error(), strings.Split(string(key), "\n")[1]) {
			t.Fatalf("%s: the error shows key material: %v", name, err)
		}
	}
	c := base
	c.CertFile = certFile
	f("cert without key", c, "needs both a cert file and a key file")
	c = base
	c.KeyFile = keyFile
	f("key without cert", c, "needs both a cert file and a key file")
	c = Config{Brokers: base.Brokers, CertFile: certFile, KeyFile: keyFile}
	f("cert without TLS", c, "needs TLS")
	c = base
	c.CertFile, c.KeyFile = certFile, wrongKey
	f("key of another certificate", c, "cannot load Kafka client certificate")
	c = base
	c.CertFile, c.KeyFile = certFile, filepath.Join(dir, "missing.pem")
	f("missing key file", c, "missing.pem")

	c = base
	c.CertFile, c.KeyFile = certFile, keyFile
	if _, err := c.Dialer(); err != nil {
		t.Fatalf("a valid pair: %v", err)
	}
}
