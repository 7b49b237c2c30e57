package collector_test

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edgelog/edgelog/collector"
)

// TestConfigFiles loads every testdata/config file: *.good.yml must
// validate, *.bad.yml must fail with the error its first line names
// ("# error: ...").
func TestConfigFiles(t *testing.T) {
	files, _ := filepath.Glob("testdata/config/*.yml")
	if len(files) < 10 {
		t.Fatalf("found %d config files", len(files))
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			cfg, err := collector.LoadConfig(path)
			if err == nil {
				err = cfg.Validate()
			}
			if strings.HasSuffix(path, ".good.yml") {
				if err != nil {
					t.Fatalf("good config refused: %v", err)
				}
				return
			}
			b, _ := os.ReadFile(path)
			first, _, _ := strings.Cut(string(b), "\n")
			want, ok := strings.CutPrefix(first, "# error: ")
			if !ok {
				t.Fatalf("bad config without a '# error: ' first line")
			}
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("error %v, want one containing %q", err, want)
			}
		})
	}
}

func TestConfigValues(t *testing.T) {
	cfg, err := collector.LoadConfig("testdata/config/full.good.yml")
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(cfg.TrustedProxies) != 3 || cfg.TrustedProxies[1] != "2001:db8:ffff::/48" {
		t.Fatalf("trusted_proxies %q", cfg.TrustedProxies)
	}
	if cfg.Spool.MaxBytes != 512<<20 || cfg.Spool.After != 2*time.Second || cfg.BatchWait != 250*time.Millisecond || cfg.BatchWaitMin != 50*time.Millisecond {
		t.Fatalf("spool %+v, batch_wait %s", cfg.Spool, cfg.BatchWait)
	}
	if len(cfg.Inputs) != 4 || cfg.Inputs[2].Network != "udp" || cfg.Inputs[3].Network != "tcp" {
		t.Fatalf("inputs %+v: syslog network must default to udp", cfg.Inputs)
	}
	if !strings.HasPrefix(cfg.Format, `$remote_addr - $remote_user [$time_local] "$request"`) {
		t.Fatalf("log_format %q", cfg.Format)
	}

	// Defaults: follow on, single file checkpointed beside itself.
	min, err := collector.LoadConfig("testdata/config/minimal.good.yml")
	if err != nil {
		t.Fatal(err)
	}
	if err := min.Validate(); err != nil {
		t.Fatal(err)
	}
	if !min.Follow || min.Checkpoint != "/var/log/nginx/access.log.checkpoint" || min.BatchRows != 50_000 || min.Spool.MaxBytes != 1<<30 {
		t.Fatalf("defaults not applied: %+v", min)
	}
}

func TestConfigEnvOverrides(t *testing.T) {
	cfg, err := collector.LoadConfig("testdata/config/full.good.yml")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"EDGELOG_BROKERS":         "a:1,b:2",
		"EDGELOG_SPOOL_MAX_BYTES": "2GiB",
		"EDGELOG_SOURCE_ID":       "edge-ams1-01",
		"EDGELOG_KAFKA_PASSWORD":  "hunter2", // read at connect time only
		"EDGELOG_KAFKA_CERT_FILE": "/etc/edgelog/edge-ams1-01.pem",
		"EDGELOG_KAFKA_KEY_FILE":  "/run/secrets/edge-ams1-01.key",
	}
	if err := collector.ApplyEnv(&cfg, func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err != nil {
		t.Fatal(err)
	}
	if strings.Join(cfg.Kafka.Brokers, ",") != "a:1,b:2" || cfg.Spool.MaxBytes != 2<<30 || cfg.SourceID != "edge-ams1-01" {
		t.Fatalf("env not applied: brokers %v spool %d source %q", cfg.Kafka.Brokers, cfg.Spool.MaxBytes, cfg.SourceID)
	}
	if cfg.Kafka.CertFile != "/etc/edgelog/edge-ams1-01.pem" || cfg.Kafka.KeyFile != "/run/secrets/edge-ams1-01.key" {
		t.Fatalf("client certificate from the environment not applied: %q %q", cfg.Kafka.CertFile, cfg.Kafka.KeyFile)
	}
	if cfg.Topic != "edgelog-requests" {
		t.Fatalf("a setting without a variable changed: topic %q", cfg.Topic)
	}
	env["EDGELOG_SPOOL_MAX_BYTES"] = "lots"
	if err := collector.ApplyEnv(&cfg, func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err == nil {
		t.Fatal("a bad size in the environment was accepted")
	}
}

// TestConfigLogNoSecrets: what the collector logs of its config names no
// credential, not even the password file's contents or the variable.
func TestConfigLogNoSecrets(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte("s3cret-pw\n"), 0o600)
	t.Setenv("EDGELOG_KAFKA_PASSWORD", "env-s3cret")
	cfg, _ := collector.LoadConfig("testdata/config/full.good.yml")
	cfg.Kafka.PasswordFile = pw
	cfg.Kafka.KeyFile = filepath.Join(dir, "client-key.pem")
	var out bytes.Buffer
	slog.New(slog.NewTextHandler(&out, nil)).Info("collecting", "config", cfg)
	slog.New(slog.NewJSONHandler(&out, nil)).Info("collecting", "config", cfg)
	if strings.Contains(out.String(), "s3cret") || strings.Contains(out.String(), pw) || strings.Contains(out.String(), "client-key") {
		t.Fatalf("config log shows a secret or its file:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "kafka1:9093") {
		t.Fatalf("config log lacks the brokers:\n%s", out.String())
	}
}
