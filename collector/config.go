package collector

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/edgelog/edgelog/collector/enrich"
	"github.com/edgelog/edgelog/internal/kafkaconf"
	"github.com/edgelog/edgelog/internal/tlsconf"
)

// Config configures a collector. It is read from a YAML file (LoadConfig),
// then environment variables (ApplyEnv) and flags override it. Zero values
// take the defaults in the field comments; DefaultConfig has them filled.
type Config struct {
	Kafka KafkaConfig `yaml:"kafka"`
	// Topic to produce to. Default kafkaconf.DefaultTopic.
	Topic string `yaml:"topic"`
	// File is a shorthand for one file input (the --file flag).
	File string `yaml:"file"`
	// Inputs are what to collect: files (globs), stdin, syslog.
	Inputs []Input `yaml:"inputs"`
	// FormatKind is the log family: nginx (default), apache, w3c,
	// cloudfront, jsonl or caddy; see NewParser. An input may override it.
	FormatKind string `yaml:"format"`
	// Format is the family's format text (an nginx log_format, an Apache
	// LogFormat, W3C field names, JSON key overrides). Default: the
	// family's standard one (for nginx, nginx.Edge).
	Format string `yaml:"log_format"`
	// EdgeConfig is the edge mapping file (customer per host, region per
	// PoP); see package enrich. Reloaded on SIGHUP.
	EdgeConfig string `yaml:"edge_config"`
	// DefaultCustomer, when set, overrides the mapping file's
	// default_customer: the customer of lines whose host matches nothing.
	DefaultCustomer string `yaml:"default_customer"`
	// TrustedProxies are the CIDRs of the operator's own proxies and load
	// balancers (nginx's set_real_ip_from). When a line names an address
	// chain (an X-Forwarded-For list in the address field, or an
	// X-Forwarded-For field and a trusted peer), the client is the last
	// address, walking from the right, that is not one of them. The
	// X-Forwarded-For fields read: nginx's $http_x_forwarded_for, Apache's
	// %{X-Forwarded-For}i, W3C's x-forwarded-for (CloudFront) and
	// cs(X-Forwarded-For) (IIS), JSON's x_forwarded_for key (Caddy's
	// request header X-Forwarded-For). Without
	// it, the client of an address list is its first public address, and
	// an X-Forwarded-For field is not read. Country and ASN are those of
	// the client. Default none.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// GeoIP names MaxMind-format databases for country and ASN of lines
	// that do not carry them. Reloaded on SIGHUP.
	GeoIP GeoIPConfig `yaml:"geoip"`
	// Checkpoint file. Default File + ".checkpoint" for a single file;
	// required with globs or several file inputs.
	Checkpoint string `yaml:"checkpoint"`
	// DeadLetterFile receives rejected lines as JSON lines; when empty they
	// go to DeadLetterTopic.
	DeadLetterFile string `yaml:"dead_letter_file"`
	// DeadLetterTopic default kafkaconf.DefaultDeadLetterTopic.
	DeadLetterTopic string `yaml:"dead_letter_topic"`
	// BatchRows flushes when this many rows are pending. Default 50,000.
	// A batch goes as one Kafka message per customer, so this sets the
	// messages' size: below about a thousand requests a message the
	// broker's and the collector's cost per request climbs (per-message
	// and per-batch work; README, "the batch size the collector needs"),
	// while the batch being filled holds up to BatchRows rows in memory.
	BatchRows int `yaml:"batch_rows"`
	// BatchWait is the longest pending rows wait after the first;
	// BatchWaitMin the shortest. In between the wait adapts to load, from
	// the previous batch's size (wait.go). Defaults 250ms and 250ms (a
	// fixed wait: see wait.go for why 250 ms and what 100ms costs); both at most
	// MaxBatchWait, BatchWaitMin at most BatchWait.
	BatchWait    time.Duration `yaml:"batch_wait"`
	BatchWaitMin time.Duration `yaml:"batch_wait_min"`
	// Follow keeps tailing at EOF. When false the collector exits once every
	// file is shipped (backfill). DefaultConfig sets it.
	Follow bool `yaml:"follow"`
	// DiscoverInterval is how often file globs are matched again for new
	// files. Default 10s.
	DiscoverInterval time.Duration `yaml:"discover_interval"`
	// ForgetDeleted is how long the checkpoint of a file deleted after it
	// was read to its end is kept (its last batches are acknowledged by
	// then) before it is dropped, so the checkpoint does not grow with
	// every rotated name a glob ever matched. Default 5m.
	ForgetDeleted time.Duration `yaml:"forget_deleted_after"`
	// MaxLineBytes caps a line; longer ones are dead-lettered. Default 1 MiB.
	MaxLineBytes int `yaml:"max_line_bytes"`
	// MaxMessageBytes caps one Kafka message (and one produce batch);
	// larger customer batches are split. Kafka's default message.max.bytes
	// is 1 MiB. Default 1,000,000.
	MaxMessageBytes int `yaml:"max_message_bytes"`
	// SourceID names this collector in the source ledger; a file's source
	// is "<SourceID>:<absolute path>". Default the host name. It must be
	// unique across the fleet and stable across restarts.
	SourceID string `yaml:"source_id"`
	// Spool is the on-disk buffer for batches Kafka does not take.
	Spool SpoolConfig `yaml:"spool"`
	// MetricsAddr serves /metrics and /healthz (used by the command).
	// Default 127.0.0.1:9101; "off" serves nothing.
	MetricsAddr string `yaml:"metrics_addr"`
}

// Input is one thing to collect.
type Input struct {
	// Type is file, stdin, syslog or import (a whole file, plain, gzip or
	// zstd, read once; see `edgelog import`).
	Type string `yaml:"type"`
	// Path (file, import) is a path or a glob (`/var/log/nginx/*.log`).
	// The tailer of a path follows its file through rotation (after a
	// rename, the renamed file until the new one has a line); a glob that
	// also matches the rotated names (access.log*) does not read a file
	// twice: a file is read by one tailer at a time, from where the last
	// one stopped (tail.Registry). A glob skips the compressed files it
	// matches (logrotate's .gz and kin, by name or first bytes): they are
	// copies of files read under their earlier names. A followed path that
	// does not exist yet is waited for, with a warning every 30 s. An
	// import glob imports each file it matches, in name order.
	Path string `yaml:"path"`
	// Network (syslog) is udp (default; what nginx sends) or tcp.
	Network string `yaml:"network"`
	// Listen (syslog) is the address to listen on, e.g. 127.0.0.1:5514.
	Listen string `yaml:"listen"`
	// Allow (syslog) lists the source networks accepted (CIDR, e.g.
	// 10.0.0.0/8); empty accepts any, and the collector warns when it
	// listens beyond loopback without one.
	Allow []string `yaml:"allow"`
	// MaxConnections (syslog, tcp) caps concurrent connections. Default
	// 256 (syslog.DefaultMaxConns).
	MaxConnections int `yaml:"max_connections"`
	// IdleTimeout (syslog, tcp) closes a connection that starts no
	// message for this long. Default 5m.
	IdleTimeout time.Duration `yaml:"idle_timeout"`
	// ReadTimeout (syslog, tcp) closes a connection whose message is not
	// complete this long after its first byte. Default 30s.
	ReadTimeout time.Duration `yaml:"read_timeout"`
	// TLSCert and TLSKey (syslog, tcp) serve the input over TLS (RFC
	// 5425: octet-counted frames only), TLS 1.2+ with ECDHE and AEAD
	// ciphers only (internal/tlsconf). PEM files, read at start.
	TLSCert string `yaml:"tls_cert"`
	TLSKey  string `yaml:"tls_key"`
	// Format and LogFormat override the collector's for this input.
	Format    string `yaml:"format"`
	LogFormat string `yaml:"log_format"`
}

// allowed parses Allow; a bare address is a network of one.
func (in Input) allowed() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, a := range in.Allow {
		p, err := netip.ParsePrefix(a)
		if err != nil {
			ip, ipErr := netip.ParseAddr(a)
			if ipErr != nil {
				return nil, fmt.Errorf("allow %q: want a network (10.0.0.0/8) or an address: %w", a, err)
			}
			p = netip.PrefixFrom(ip, ip.BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// KafkaConfig is how to reach Kafka. Secrets are never in the config: the
// SASL password is read from PasswordFile or $EDGELOG_KAFKA_PASSWORD, the
// mutual-TLS client key from KeyFile.
type KafkaConfig struct {
	Brokers []string `yaml:"brokers"`
	TLS     bool     `yaml:"tls"`
	CAFile  string   `yaml:"ca_file"`
	// CertFile and KeyFile: PEM client certificate and key for mutual TLS.
	CertFile     string `yaml:"cert_file"`
	KeyFile      string `yaml:"key_file"`
	SASL         string `yaml:"sasl"` // plain, scram-sha-256, scram-sha-512
	User         string `yaml:"user"`
	PasswordFile string `yaml:"password_file"`
}

func (k KafkaConfig) conf() kafkaconf.Config {
	return kafkaconf.Config{Brokers: k.Brokers, TLS: k.TLS, CAFile: k.CAFile, CertFile: k.CertFile, KeyFile: k.KeyFile,
		SASL: k.SASL, User: k.User, PasswordFile: k.PasswordFile}
}

// GeoIPConfig names the .mmdb files (GeoLite2/GeoIP2 Country and ASN).
type GeoIPConfig struct {
	CountryDB string `yaml:"country_db"`
	ASNDB     string `yaml:"asn_db"`
}

// SpoolConfig configures the disk spool. Without Dir there is no spool:
// while Kafka is down the collector retries in place and the tailer waits.
type SpoolConfig struct {
	Dir string `yaml:"dir"`
	// MaxBytes bounds the spool; when full the inputs pause. Default 1 GiB.
	MaxBytes ByteSize `yaml:"max_bytes"`
	// After is how long a batch is retried against Kafka before it goes to
	// the spool. Default 5s.
	After time.Duration `yaml:"after"`
	// NoSync skips fsync of each spooled batch. File inputs do not need it
	// (the file is re-read from the checkpoint); stdin and syslog do.
	NoSync bool `yaml:"no_sync"`
}

// DefaultConfig is the configuration before any file, variable or flag.
func DefaultConfig() Config {
	return Config{Follow: true}
}

// Formats of an input, after the collector-wide ones are applied.
func (c *Config) formatOf(in Input) (kind, text string) {
	kind, text = c.FormatKind, c.Format
	if in.Format != "" {
		kind, text = in.Format, ""
	}
	if in.LogFormat != "" {
		text = in.LogFormat
	}
	return kind, text
}

func (c *Config) setDefaults() {
	if c.Topic == "" {
		c.Topic = kafkaconf.DefaultTopic
	}
	if c.DeadLetterTopic == "" {
		c.DeadLetterTopic = kafkaconf.DefaultDeadLetterTopic
	}
	if c.File != "" && len(c.Inputs) == 0 {
		c.Inputs = []Input{{Type: "file", Path: c.File}}
	}
	for i := range c.Inputs {
		if c.Inputs[i].Type == "syslog" && c.Inputs[i].Network == "" {
			c.Inputs[i].Network = "udp"
		}
	}
	if c.Checkpoint == "" && len(c.Inputs) == 1 && c.Inputs[0].Type == "file" && !isGlob(c.Inputs[0].Path) {
		c.Checkpoint = c.Inputs[0].Path + ".checkpoint"
	}
	if c.BatchRows == 0 {
		c.BatchRows = 50_000
	}
	if c.BatchWait == 0 {
		c.BatchWait = DefaultBatchWait
	}
	if c.BatchWaitMin == 0 {
		c.BatchWaitMin = min(DefaultBatchWaitMin, c.BatchWait)
	}
	if c.DiscoverInterval == 0 {
		c.DiscoverInterval = 10 * time.Second
	}
	if c.ForgetDeleted == 0 {
		c.ForgetDeleted = 5 * time.Minute
	}
	if c.MaxLineBytes == 0 {
		c.MaxLineBytes = 1 << 20
	}
	if c.MaxMessageBytes == 0 {
		c.MaxMessageBytes = 1_000_000
	}
	if c.Spool.MaxBytes == 0 {
		c.Spool.MaxBytes = 1 << 30
	}
	if c.Spool.After == 0 {
		c.Spool.After = 5 * time.Second
	}
	if c.SourceID == "" {
		c.SourceID, _ = os.Hostname()
	}
}

func isGlob(path string) bool { return strings.ContainsAny(path, "*?[") }

// Validate fills defaults and checks the configuration. Errors name the
// setting at fault.
func (c *Config) Validate() error {
	c.setDefaults()
	if len(c.Inputs) == 0 {
		return errors.New("no inputs: set file or inputs")
	}
	if c.File != "" && len(c.Inputs) > 0 && (c.Inputs[0].Type != "file" || c.Inputs[0].Path != c.File) {
		return errors.New("file and inputs are both set: list the file under inputs")
	}
	files, stdin := 0, 0
	for i, in := range c.Inputs {
		where := fmt.Sprintf("inputs[%d]", i)
		switch in.Type {
		case "file", "import":
			if in.Path == "" {
				return fmt.Errorf("%s: %s input without path", where, in.Type)
			}
			if _, err := filepath.Match(in.Path, ""); err != nil {
				return fmt.Errorf("%s: path %q: %w", where, in.Path, err)
			}
			if in.Type == "file" {
				files++
				if isGlob(in.Path) {
					files++
				}
			}
		case "stdin":
			if stdin++; stdin > 1 {
				return fmt.Errorf("%s: stdin can be read by one input only", where)
			}
		case "syslog":
			if in.Listen == "" {
				return fmt.Errorf("%s: syslog input without listen address", where)
			}
			if in.Network != "udp" && in.Network != "tcp" {
				return fmt.Errorf("%s: syslog network %q: want udp or tcp", where, in.Network)
			}
			if _, err := in.allowed(); err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
			if in.MaxConnections < 0 || in.IdleTimeout < 0 || in.ReadTimeout < 0 {
				return fmt.Errorf("%s: max_connections, idle_timeout and read_timeout must be positive", where)
			}
			if (in.TLSCert != "" || in.TLSKey != "") && in.Network != "tcp" {
				return fmt.Errorf("%s: tls_cert and tls_key need network tcp (RFC 5425)", where)
			}
			if _, err := tlsconf.Server(in.TLSCert, in.TLSKey); err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
		case "":
			return fmt.Errorf("%s: input without type (file, stdin, syslog, import)", where)
		default:
			return fmt.Errorf("%s: unknown input type %q (want file, stdin, syslog, import)", where, in.Type)
		}
		if in.Type != "syslog" && (len(in.Allow) > 0 || in.MaxConnections != 0 || in.IdleTimeout != 0 || in.ReadTimeout != 0 || in.TLSCert != "" || in.TLSKey != "") {
			return fmt.Errorf("%s: allow, max_connections, idle_timeout, read_timeout, tls_cert and tls_key are only for syslog inputs", where)
		}
		if in.Type != "file" && in.Type != "import" && in.Path != "" {
			return fmt.Errorf("%s: path is only for file and import inputs", where)
		}
		kind, text := c.formatOf(in)
		if _, err := NewParser(kind, text); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
	}
	if files > 1 && c.Checkpoint == "" {
		return errors.New("checkpoint: required with a glob or several file inputs")
	}
	if _, err := enrich.ParseProxies(c.TrustedProxies); err != nil {
		return fmt.Errorf("trusted_proxies: %w", err)
	}
	if c.EdgeConfig == "" {
		return errors.New("no edge mapping file (edge_config, --edge-config)")
	}
	switch {
	case c.BatchRows < 0:
		return fmt.Errorf("batch_rows %d: must be positive", c.BatchRows)
	case c.BatchWait < 0 || c.BatchWait > MaxBatchWait:
		return fmt.Errorf("batch_wait %s: must be positive and at most %s", c.BatchWait, MaxBatchWait)
	case c.BatchWaitMin < 0 || c.BatchWaitMin > c.BatchWait:
		return fmt.Errorf("batch_wait_min %s: must be positive and at most batch_wait (%s)", c.BatchWaitMin, c.BatchWait)
	case c.ForgetDeleted < 0:
		return fmt.Errorf("forget_deleted_after %s: must be positive", c.ForgetDeleted)
	case c.MaxLineBytes < 0:
		return fmt.Errorf("max_line_bytes %d: must be positive", c.MaxLineBytes)
	case c.MaxMessageBytes < 4096:
		return fmt.Errorf("max_message_bytes %d: must be at least 4096", c.MaxMessageBytes)
	case c.Spool.MaxBytes < 0:
		return fmt.Errorf("spool.max_bytes %d: must be positive", c.Spool.MaxBytes)
	case c.Spool.Dir != "" && int64(c.Spool.MaxBytes) < int64(c.MaxMessageBytes):
		return fmt.Errorf("spool.max_bytes %d: smaller than one message (max_message_bytes %d)", c.Spool.MaxBytes, c.MaxMessageBytes)
	}
	kc := c.Kafka.conf()
	if err := kc.Validate(); err != nil {
		return fmt.Errorf("kafka: %w", err)
	}
	return nil
}
