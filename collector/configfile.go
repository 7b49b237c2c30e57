package collector

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// LoadConfig reads a YAML config file over DefaultConfig. Unknown keys are
// an error (a typo must not silently fall back to a default), and so is a
// second document. It does not validate: apply env and flags first.
func LoadConfig(path string) (Config, error) {
	cfg := DefaultConfig()
	b, err := os.ReadFile(path) // #nosec G304 -- path from the operator's command line
	if err != nil {
		return cfg, fmt.Errorf("cannot read config: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		return cfg, fmt.Errorf("cannot parse config %s: %w%s", path, err, configHint(err))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return cfg, fmt.Errorf("cannot parse config %s: more than one YAML document", path)
	}
	return cfg, nil
}

// EnvVars are the environment variables ApplyEnv reads, each overriding
// one setting of the file. EDGELOG_KAFKA_PASSWORD (the SASL password
// itself) is read only when connecting, never stored in a Config.
var EnvVars = []string{
	"EDGELOG_BROKERS", "EDGELOG_TOPIC", "EDGELOG_KAFKA_USER", "EDGELOG_KAFKA_PASSWORD_FILE",
	"EDGELOG_KAFKA_CERT_FILE", "EDGELOG_KAFKA_KEY_FILE",
	"EDGELOG_EDGE_CONFIG", "EDGELOG_CHECKPOINT", "EDGELOG_SPOOL_DIR", "EDGELOG_SPOOL_MAX_BYTES",
	"EDGELOG_SOURCE_ID", "EDGELOG_GEOIP_COUNTRY_DB", "EDGELOG_GEOIP_ASN_DB",
}

// ApplyEnv overrides cfg with the EnvVars that lookup finds set
// (os.LookupEnv in production).
func ApplyEnv(cfg *Config, lookup func(string) (string, bool)) error {
	for _, name := range EnvVars {
		v, ok := lookup(name)
		if !ok || v == "" {
			continue
		}
		switch name {
		case "EDGELOG_BROKERS":
			cfg.Kafka.Brokers = strings.Split(v, ",")
		case "EDGELOG_TOPIC":
			cfg.Topic = v
		case "EDGELOG_KAFKA_USER":
			cfg.Kafka.User = v
		case "EDGELOG_KAFKA_PASSWORD_FILE":
			cfg.Kafka.PasswordFile = v
		case "EDGELOG_KAFKA_CERT_FILE":
			cfg.Kafka.CertFile = v
		case "EDGELOG_KAFKA_KEY_FILE":
			cfg.Kafka.KeyFile = v
		case "EDGELOG_EDGE_CONFIG":
			cfg.EdgeConfig = v
		case "EDGELOG_CHECKPOINT":
			cfg.Checkpoint = v
		case "EDGELOG_SPOOL_DIR":
			cfg.Spool.Dir = v
		case "EDGELOG_SPOOL_MAX_BYTES":
			if err := cfg.Spool.MaxBytes.Set(v); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		case "EDGELOG_SOURCE_ID":
			cfg.SourceID = v
		case "EDGELOG_GEOIP_COUNTRY_DB":
			cfg.GeoIP.CountryDB = v
		case "EDGELOG_GEOIP_ASN_DB":
			cfg.GeoIP.ASNDB = v
		}
	}
	return nil
}

// LogValue is what a log line shows of the config: where it reads and
// writes, never credentials (the config holds none, only file names).
func (c Config) LogValue() slog.Value {
	inputs := make([]string, len(c.Inputs))
	for i, in := range c.Inputs {
		inputs[i] = in.Type + ":" + in.Path + in.Listen
	}
	return slog.GroupValue(
		slog.String("inputs", strings.Join(inputs, ",")),
		slog.String("brokers", strings.Join(c.Kafka.Brokers, ",")),
		slog.String("topic", c.Topic),
		slog.Bool("tls", c.Kafka.TLS),
		slog.Bool("tls_client_cert", c.Kafka.CertFile != ""),
		slog.Bool("sasl", c.Kafka.SASL != ""),
		slog.String("spool", c.Spool.Dir),
	)
}

// ByteSize is a size in bytes, written in YAML as a number or with a unit:
// 512MiB, 1GiB, 10MB.
type ByteSize int64

var units = []struct {
	suffix string
	mult   int64
}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1}}

// Set parses s.
func (b *ByteSize) Set(s string) error {
	s = strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return fmt.Errorf("size %q: want a number of bytes, optionally with KiB, MiB, GiB, KB, MB, GB", s)
	}
	*b = ByteSize(n * mult)
	return nil
}

func (b ByteSize) String() string { return strconv.FormatInt(int64(b), 10) }

// UnmarshalYAML accepts a number or a string with a unit.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: size must be a scalar", n.Line)
	}
	if err := b.Set(n.Value); err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	return nil
}

// configHints say what to write instead of a key the config refuses, by
// the key: secrets are never inline, they live in a file of their own.
var configHints = map[string]string{ // #nosec G101 -- advice naming a config key, not a credential
	"password": "the config holds no secrets: put the SASL password in a file readable only by edgelog and name it with password_file (or set EDGELOG_KAFKA_PASSWORD)",
}

// configHint is the advice for a decoding error of unknown keys ("" when
// there is none): the hint of each refused key, else where every key is
// described.
func configHint(err error) string {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return ""
	}
	var hints []string
	unknown := false
	for _, e := range te.Errors {
		_, rest, ok := strings.Cut(e, "field ")
		if !ok {
			continue
		}
		key, _, ok := strings.Cut(rest, " not found in type")
		if !ok {
			continue
		}
		unknown = true
		if h, ok := configHints[key]; ok {
			hints = append(hints, key+": "+h)
		}
	}
	if len(hints) > 0 {
		return "\n" + strings.Join(hints, "\n")
	}
	if unknown {
		return "\n(every key is shown, with its meaning, in /etc/edgelog/collector.yaml as installed, deploy/examples/collector.yaml in the source)"
	}
	return ""
}
