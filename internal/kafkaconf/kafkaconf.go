// Package kafkaconf turns edgelog's Kafka flags (brokers, TLS, SASL) into
// segmentio/kafka-go dialers and transports, so the collector, ingest and
// the tools connect the same way, and says how a partition is read
// (PartitionReader). Secrets come from files or the environment and are
// never logged.
package kafkaconf

import (
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/segmentio/kafka-go/sasl/scram"
)

// Default topic names.
const (
	DefaultTopic           = "edgelog-requests"
	DefaultDeadLetterTopic = "edgelog-deadletter"
)

// Config is how to reach Kafka.
type Config struct {
	Brokers []string
	TLS     bool
	CAFile  string
	// CertFile and KeyFile are a PEM client certificate and its private
	// key for mutual TLS (ssl.client.auth=required on the brokers). Both
	// or neither; they need TLS. The key is read from the file only when
	// connecting and never logged.
	CertFile     string
	KeyFile      string
	SASL         string // "", "plain", "scram-sha-256" or "scram-sha-512"
	User         string
	PasswordFile string // or $EDGELOG_KAFKA_PASSWORD
}

// RegisterFlags adds --brokers, --kafka-tls, --kafka-ca-file,
// --kafka-cert-file, --kafka-key-file, --kafka-sasl, --kafka-user and
// --kafka-password-file to fs.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	brokers := os.Getenv("EDGELOG_BROKERS")
	if brokers == "" {
		brokers = "127.0.0.1:9092"
	}
	c.Brokers = strings.Split(brokers, ",")
	fs.Func("brokers", "comma-separated Kafka bootstrap brokers (env EDGELOG_BROKERS; default 127.0.0.1:9092)", func(s string) error {
		c.Brokers = strings.Split(s, ",")
		return nil
	})
	fs.BoolVar(&c.TLS, "kafka-tls", false, "connect to Kafka with TLS")
	fs.StringVar(&c.CAFile, "kafka-ca-file", "", "CA bundle for Kafka TLS")
	fs.StringVar(&c.CertFile, "kafka-cert-file", os.Getenv("EDGELOG_KAFKA_CERT_FILE"), "PEM client certificate for Kafka mutual TLS (env EDGELOG_KAFKA_CERT_FILE)")
	fs.StringVar(&c.KeyFile, "kafka-key-file", os.Getenv("EDGELOG_KAFKA_KEY_FILE"), "PEM private key of --kafka-cert-file (env EDGELOG_KAFKA_KEY_FILE)")
	fs.StringVar(&c.SASL, "kafka-sasl", "", "SASL mechanism: plain, scram-sha-256 or scram-sha-512")
	fs.StringVar(&c.User, "kafka-user", os.Getenv("EDGELOG_KAFKA_USER"), "SASL user (env EDGELOG_KAFKA_USER)")
	fs.StringVar(&c.PasswordFile, "kafka-password-file", os.Getenv("EDGELOG_KAFKA_PASSWORD_FILE"), "file holding the SASL password (or env EDGELOG_KAFKA_PASSWORD)")
}

// Validate checks the settings.
func (c *Config) Validate() error {
	if len(c.Brokers) == 0 || c.Brokers[0] == "" {
		return fmt.Errorf("no Kafka brokers configured")
	}
	switch c.SASL {
	case "", "plain", "scram-sha-256", "scram-sha-512":
	default:
		return fmt.Errorf("unknown SASL mechanism %q (want plain, scram-sha-256 or scram-sha-512)", c.SASL)
	}
	switch {
	case (c.CertFile == "") != (c.KeyFile == ""):
		return fmt.Errorf("a Kafka client certificate needs both a cert file and a key file")
	case c.CertFile != "" && !c.TLS:
		return fmt.Errorf("a Kafka client certificate needs TLS (kafka tls / --kafka-tls)")
	}
	return nil
}

func (c *Config) tlsConfig() (*tls.Config, error) {
	if !c.TLS {
		return nil, nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("cannot read Kafka CA file: %w", err)
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("no certificates in %s", c.CAFile)
		}
	}
	if c.CertFile != "" || c.KeyFile != "" {
		// The error names the files, never their contents.
		cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("cannot load Kafka client certificate %s and key %s: %w", c.CertFile, c.KeyFile, err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

func (c *Config) mechanism() (sasl.Mechanism, error) {
	if c.SASL == "" {
		return nil, nil
	}
	pw := os.Getenv("EDGELOG_KAFKA_PASSWORD")
	if c.PasswordFile != "" {
		b, err := os.ReadFile(c.PasswordFile)
		if err != nil {
			return nil, fmt.Errorf("cannot read Kafka password file: %w", err)
		}
		pw = strings.TrimSpace(string(b))
	}
	switch c.SASL {
	case "plain":
		return plain.Mechanism{Username: c.User, Password: pw}, nil
	case "scram-sha-256":
		return scram.Mechanism(scram.SHA256, c.User, pw)
	case "scram-sha-512":
		return scram.Mechanism(scram.SHA512, c.User, pw)
	}
	return nil, fmt.Errorf("unknown SASL mechanism %q", c.SASL)
}

// Transport returns a transport for kafka.Writer and kafka.Client.
func (c *Config) Transport() (*kafka.Transport, error) {
	tc, err := c.tlsConfig()
	if err != nil {
		return nil, err
	}
	m, err := c.mechanism()
	if err != nil {
		return nil, err
	}
	return &kafka.Transport{TLS: tc, SASL: m, DialTimeout: 5 * time.Second, IdleTimeout: 30 * time.Second, MetadataTTL: 10 * time.Second}, nil
}

// Dialer returns a dialer for kafka.Reader and kafka.ConsumerGroup.
func (c *Config) Dialer() (*kafka.Dialer, error) {
	tc, err := c.tlsConfig()
	if err != nil {
		return nil, err
	}
	m, err := c.mechanism()
	if err != nil {
		return nil, err
	}
	return &kafka.Dialer{Timeout: 5 * time.Second, DualStack: true, TLS: tc, SASLMechanism: m}, nil
}
