package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/edgelog/edgelog/collector"
	"github.com/edgelog/edgelog/internal/kafkaconf"
)

func init() {
	register("collector", "tail access logs (files, stdin, syslog) and ship them to Kafka", runCollector)
}

// collectorFlags are the command-line settings; each one given overrides
// the config file and the environment.
type collectorFlags struct {
	fs     *flag.FlagSet
	config string
	kafka  kafkaconf.Config
	cfg    collector.Config
	stdin  bool
	syslog string
	spool  string
}

func newCollectorFlags(name, usageLine, help string) *collectorFlags {
	f := &collectorFlags{fs: newFlags(name, usageLine, help)}
	fs := f.fs
	fs.StringVar(&f.config, "config", os.Getenv("EDGELOG_CONFIG"), "YAML config file (env EDGELOG_CONFIG); flags and EDGELOG_* variables override it")
	f.kafka.RegisterFlags(fs)
	fs.StringVar(&f.cfg.File, "file", "", "access log to tail (a shorthand for one file input)")
	fs.BoolVar(&f.stdin, "stdin", false, "read log lines from standard input")
	fs.StringVar(&f.syslog, "syslog", "", "receive syslog, e.g. udp://127.0.0.1:5514 or tcp://127.0.0.1:5514")
	fs.StringVar(&f.cfg.FormatKind, "format", "", "log family: "+strings.Join(collector.Formats, ", ")+" (default nginx)")
	fs.StringVar(&f.cfg.Format, "log-format", "", "the family's format: an nginx log_format (default: combined + edgelog CDN fields), an Apache LogFormat (default: combined), W3C field names, or jsonl field=key overrides")
	fs.StringVar(&f.cfg.EdgeConfig, "edge-config", "", "edge mapping file: customer per host, region per PoP (reloaded on SIGHUP)")
	fs.StringVar(&f.cfg.DefaultCustomer, "default-customer", "", "customer for hosts the mapping does not know (default: the mapping's default_customer)")
	fs.StringVar(&f.cfg.GeoIP.CountryDB, "geoip-country", "", "MaxMind-format country database (.mmdb)")
	fs.StringVar(&f.cfg.GeoIP.ASNDB, "geoip-asn", "", "MaxMind-format ASN database (.mmdb)")
	fs.StringVar(&f.cfg.Topic, "topic", "", "Kafka topic (default edgelog-requests)")
	fs.StringVar(&f.cfg.Checkpoint, "checkpoint", "", "checkpoint file (default FILE.checkpoint)")
	fs.StringVar(&f.cfg.DeadLetterFile, "dead-letter-file", "", "write rejected lines here as JSON lines (default: the dead-letter topic)")
	fs.StringVar(&f.cfg.DeadLetterTopic, "dead-letter-topic", "", "dead-letter topic (default edgelog-deadletter)")
	fs.IntVar(&f.cfg.BatchRows, "batch-rows", 0, "rows per batch (default 50000)")
	fs.DurationVar(&f.cfg.BatchWait, "batch-wait", 0, "flush a batch at most this long after its first row (default 250ms; at most 1m)")
	fs.DurationVar(&f.cfg.BatchWaitMin, "batch-wait-min", 0, "flush a batch at least this long after its first row; in between the wait grows with the previous batch's rows (default 250ms, and at most --batch-wait: equal, a fixed wait; lower is fresher at low rates and costs more CPU per line)")
	fs.BoolVar(&f.cfg.Follow, "follow", true, "keep tailing at end of file (false: exit once shipped)")
	fs.StringVar(&f.spool, "spool-dir", "", "disk spool for batches Kafka does not take")
	fs.Var(&f.cfg.Spool.MaxBytes, "spool-max-bytes", "spool size limit, e.g. 512MiB (default 1GiB)")
	fs.StringVar(&f.cfg.SourceID, "source-id", "", "this collector's name in the source ledger (default: host name)")
	fs.StringVar(&f.cfg.MetricsAddr, "metrics-addr", "", "serve /metrics and /healthz here, off: nowhere (default "+map[bool]string{true: importMetricsAddr, false: collectorMetricsAddr}[name == "import"]+")")
	return f
}

// resolve builds the config: defaults, then the file, then EDGELOG_*
// variables, then the flags that were given.
func (f *collectorFlags) resolve() (collector.Config, error) {
	cfg := collector.DefaultConfig()
	if f.config != "" {
		var err error
		if cfg, err = collector.LoadConfig(f.config); err != nil {
			return cfg, err
		}
	}
	if err := collector.ApplyEnv(&cfg, os.LookupEnv); err != nil {
		return cfg, err
	}
	if f.config == "" {
		cfg.Kafka.Brokers = f.kafka.Brokers // the flag's default: $EDGELOG_BROKERS or 127.0.0.1:9092
	}
	var err error
	f.fs.Visit(func(fl *flag.Flag) {
		v := f.cfg
		switch fl.Name {
		case "brokers":
			cfg.Kafka.Brokers = f.kafka.Brokers
		case "kafka-tls":
			cfg.Kafka.TLS = f.kafka.TLS
		case "kafka-ca-file":
			cfg.Kafka.CAFile = f.kafka.CAFile
		case "kafka-cert-file":
			cfg.Kafka.CertFile = f.kafka.CertFile
		case "kafka-key-file":
			cfg.Kafka.KeyFile = f.kafka.KeyFile
		case "kafka-sasl":
			cfg.Kafka.SASL = f.kafka.SASL
		case "kafka-user":
			cfg.Kafka.User = f.kafka.User
		case "kafka-password-file":
			cfg.Kafka.PasswordFile = f.kafka.PasswordFile
		case "file":
			cfg.File = v.File
		case "stdin":
			if f.stdin {
				cfg.Inputs = append(cfg.Inputs, collector.Input{Type: "stdin"})
			}
		case "syslog":
			network, addr, ok := strings.Cut(f.syslog, "://")
			if !ok {
				network, addr = "udp", f.syslog
			}
			cfg.Inputs = append(cfg.Inputs, collector.Input{Type: "syslog", Network: network, Listen: addr})
		case "format":
			cfg.FormatKind = v.FormatKind
		case "log-format":
			cfg.Format = v.Format
		case "edge-config":
			cfg.EdgeConfig = v.EdgeConfig
		case "default-customer":
			cfg.DefaultCustomer = v.DefaultCustomer
		case "geoip-country":
			cfg.GeoIP.CountryDB = v.GeoIP.CountryDB
		case "geoip-asn":
			cfg.GeoIP.ASNDB = v.GeoIP.ASNDB
		case "topic":
			cfg.Topic = v.Topic
		case "checkpoint":
			cfg.Checkpoint = v.Checkpoint
		case "dead-letter-file":
			cfg.DeadLetterFile = v.DeadLetterFile
		case "dead-letter-topic":
			cfg.DeadLetterTopic = v.DeadLetterTopic
		case "batch-rows":
			cfg.BatchRows = v.BatchRows
		case "batch-wait":
			cfg.BatchWait = v.BatchWait
		case "batch-wait-min":
			cfg.BatchWaitMin = v.BatchWaitMin
		case "follow":
			cfg.Follow = v.Follow
		case "spool-dir":
			cfg.Spool.Dir = f.spool
		case "spool-max-bytes":
			cfg.Spool.MaxBytes = v.Spool.MaxBytes
		case "source-id":
			cfg.SourceID = v.SourceID
		case "metrics-addr":
			cfg.MetricsAddr = v.MetricsAddr
		case "config":
		default:
			err = fmt.Errorf("BUG: flag --%s is not applied to the config", fl.Name)
		}
	})
	if cfg.File != "" && len(cfg.Inputs) > 0 {
		// --file beside inputs from the file or --stdin/--syslog: one more input.
		cfg.Inputs = append(cfg.Inputs, collector.Input{Type: "file", Path: cfg.File})
		cfg.File = ""
	}
	return cfg, err
}

func runCollector(ctx context.Context, args []string) error {
	f := newCollectorFlags("collector", "[--config collector.yaml] [--file PATH | --stdin | --syslog udp://ADDR] --edge-config edge.yaml [flags]",
		`Collects access logs from files (globs, followed through rotation), stdin and
syslog, parses and enriches each line, batches rows per customer into
zstd-compressed columnar messages and produces them to Kafka with acks=all.
A file's checkpoint advances only after Kafka acknowledged a batch. SIGHUP
reloads the edge mapping and GeoIP databases.`)
	if err := parseFlags(ctx, f.fs, args); err != nil {
		return err
	}
	cfg, err := f.resolve()
	if err != nil {
		return err
	}
	log := newLogger()
	reg := newRegistry()
	c, err := collector.New(cfg, reg, log)
	if err != nil {
		return err
	}
	if cfg.MetricsAddr == "" {
		cfg.MetricsAddr = collectorMetricsAddr
	}
	if err := serveOps(ctx, log, cfg.MetricsAddr, reg, nil); err != nil {
		return err
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				next, err := f.resolve()
				if err == nil {
					err = c.Reload(next)
				}
				if err != nil {
					log.Error("SIGHUP: reload failed, keeping the running config", "err", err)
				}
			}
		}
	}()
	start := time.Now()
	err = c.Run(ctx)
	if !cfg.Follow { // a run that ends by itself ends with what it did
		fmt.Printf("SUMMARY collector %s\n", c.Summary(time.Since(start)))
	}
	return err
}
