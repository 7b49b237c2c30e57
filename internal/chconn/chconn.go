// Package chconn opens ClickHouse connections the same way in every
// edgelog process: native protocol (the HTTP protocol of clickhouse-go does
// not work with the 18.16 server), LZ4 on the wire unless the server is on
// this host (see Config.Compression), credentials from flags, files or the
// environment.
package chconn

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Config is how to reach ClickHouse.
type Config struct {
	Addr         string // host:port of the native protocol; default 127.0.0.1:9000
	Database     string // default "edgelog"
	User         string // default "default"
	Password     string // prefer PasswordFile or $EDGELOG_CH_PASSWORD
	PasswordFile string
	TLS          bool   // use TLS (secure native port)
	CAFile       string // CA bundle for TLS; system roots when empty
	MaxOpenConns int    // default 16
	// Compression of the blocks on the wire: "lz4", "zstd", "none", or
	// "auto" (the default): none when Addr is a loopback address, lz4
	// otherwise. Over loopback compression saves no network and costs
	// CPU on both ends: LZ4 was a quarter of ingest's CPU in the 20M-line
	// bench (pprof: lz4block CompressBlock 6.8 s of 26.8 s).
	Compression string
}

// compression resolves c.Compression to a clickhouse-go method (nil: none).
func (c *Config) compression() (*clickhouse.Compression, error) {
	switch c.Compression {
	case "", "auto":
		if isLoopback(c.Addr) {
			return nil, nil
		}
		return &clickhouse.Compression{Method: clickhouse.CompressionLZ4}, nil
	case "lz4":
		return &clickhouse.Compression{Method: clickhouse.CompressionLZ4}, nil
	case "zstd":
		return &clickhouse.Compression{Method: clickhouse.CompressionZSTD}, nil
	case "none":
		return nil, nil
	}
	return nil, fmt.Errorf("unknown ClickHouse compression %q (auto, lz4, zstd or none)", c.Compression)
}

// isLoopback reports whether addr (host:port) names this host's loopback
// interface: localhost or a loopback IP.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// RegisterFlags adds the connection flags to fs with prefix "ch-".
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "ch-addr", envOr("EDGELOG_CH_ADDR", "127.0.0.1:9000"), "ClickHouse native protocol address (env EDGELOG_CH_ADDR)")
	fs.StringVar(&c.Database, "ch-db", envOr("EDGELOG_CH_DB", "edgelog"), "ClickHouse database (env EDGELOG_CH_DB)")
	fs.StringVar(&c.User, "ch-user", envOr("EDGELOG_CH_USER", "default"), "ClickHouse user (env EDGELOG_CH_USER)")
	fs.StringVar(&c.PasswordFile, "ch-password-file", os.Getenv("EDGELOG_CH_PASSWORD_FILE"), "file holding the ClickHouse password (or env EDGELOG_CH_PASSWORD)")
	fs.BoolVar(&c.TLS, "ch-tls", false, "connect to ClickHouse with TLS")
	fs.StringVar(&c.CAFile, "ch-ca-file", "", "CA bundle for ClickHouse TLS")
	fs.StringVar(&c.Compression, "ch-compression", envOr("EDGELOG_CH_COMPRESSION", "auto"), "compression of blocks to and from ClickHouse: lz4, zstd, none, or auto: none to a loopback address, lz4 otherwise (env EDGELOG_CH_COMPRESSION)")
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func (c *Config) password() (string, error) {
	if c.Password != "" {
		return c.Password, nil
	}
	if c.PasswordFile != "" {
		b, err := os.ReadFile(c.PasswordFile)
		if err != nil {
			return "", fmt.Errorf("cannot read ClickHouse password file: %w", err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	return os.Getenv("EDGELOG_CH_PASSWORD"), nil
}

// Open opens a connection pool and pings the server. database may override
// c.Database (the schema migrator connects to "default" before its
// database exists).
func Open(ctx context.Context, c Config) (driver.Conn, error) {
	pw, err := c.password()
	if err != nil {
		return nil, err
	}
	if c.Addr == "" {
		c.Addr = "127.0.0.1:9000"
	}
	if c.User == "" {
		c.User = "default"
	}
	if c.MaxOpenConns == 0 {
		c.MaxOpenConns = 16
	}
	comp, err := c.compression()
	if err != nil {
		return nil, err
	}
	opts := &clickhouse.Options{
		Addr:            []string{c.Addr},
		Auth:            clickhouse.Auth{Database: "default", Username: c.User, Password: pw},
		Compression:     comp,
		DialTimeout:     5 * time.Second,
		MaxOpenConns:    c.MaxOpenConns,
		MaxIdleConns:    c.MaxOpenConns,
		ConnMaxLifetime: time.Hour,
		ReadTimeout:     5 * time.Minute,
		BlockBufferSize: 4,
	}
	if c.TLS {
		tc := &tls.Config{MinVersion: tls.VersionTLS12}
		if c.CAFile != "" {
			pem, err := os.ReadFile(c.CAFile)
			if err != nil {
				return nil, fmt.Errorf("cannot read ClickHouse CA file: %w", err)
			}
			tc.RootCAs = x509.NewCertPool()
			if !tc.RootCAs.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("no certificates in %s", c.CAFile)
			}
		}
		opts.TLS = tc
	}
	conn, err := clickhouse.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("cannot open ClickHouse connection to %s: %w", c.Addr, err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := conn.Ping(pctx); err != nil {
		conn.Close() // #nosec G104 -- connection given up on; the ping error is returned
		return nil, fmt.Errorf("cannot reach ClickHouse at %s: %w", c.Addr, err)
	}
	return conn, nil
}
