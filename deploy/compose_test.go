package deploy_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"gopkg.in/yaml.v3"
)

// No Docker engine runs here: the compose file is loaded and validated
// with compose-go (the library docker compose itself uses: schema,
// interpolation, normalization, dependency consistency), then checked
// against the files it wires together.

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("the deploy tests run from deploy/: %v", err)
	}
	return root
}

func loadCompose(t *testing.T) *types.Project {
	t.Helper()
	root := repoRoot(t)
	opts, err := cli.NewProjectOptions([]string{filepath.Join(root, "docker-compose.yml")},
		cli.WithWorkingDirectory(root), cli.WithResolvedPaths(true), cli.WithInterpolation(true),
		cli.WithNormalization(true), cli.WithConsistency(true))
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	return p
}

func service(t *testing.T, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	s, err := p.GetService(name)
	if err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	return s
}

func env(s types.ServiceConfig, k string) string {
	if v := s.Environment[k]; v != nil {
		return *v
	}
	return ""
}

// flag returns the value of --name in a service's command.
func flag(s types.ServiceConfig, name string) string {
	for i, a := range s.Command {
		if a == "--"+name && i+1 < len(s.Command) {
			return s.Command[i+1]
		}
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			return v
		}
	}
	return ""
}

// mount returns the service's volume mounted at target.
func mount(s types.ServiceConfig, target string) (types.ServiceVolumeConfig, bool) {
	for _, v := range s.Volumes {
		if v.Target == target {
			return v, true
		}
	}
	return types.ServiceVolumeConfig{}, false
}

func pluginID(t *testing.T, root string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "dashboards", "plugin", "src", "plugin.json"))
	if err != nil {
		t.Fatal(err)
	}
	var pj struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(b, &pj); err != nil || pj.ID == "" {
		t.Fatalf("plugin.json: %v", err)
	}
	return pj.ID
}

func TestComposeServices(t *testing.T) {
	p := loadCompose(t)
	want := []string{"kafka", "clickhouse", "schema", "retention", "ingest", "query", "generator", "collector", "prometheus", "grafana-plugin", "grafana"}
	got := p.ServiceNames()
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("no service %s (have %v)", w, got)
		}
	}
	if slices.Contains(got, "zookeeper") {
		t.Error("Kafka runs in KRaft mode: no ZooKeeper service")
	}
	kafka := service(t, p, "kafka")
	if roles := env(kafka, "KAFKA_PROCESS_ROLES"); !strings.Contains(roles, "controller") || !strings.Contains(roles, "broker") {
		t.Errorf("kafka process roles %q: want a KRaft broker and controller", roles)
	}
	// The project's services take the brokers and ClickHouse from the
	// environment and name services that exist.
	for _, name := range []string{"schema", "retention", "ingest", "query", "collector"} {
		s := service(t, p, name)
		for k, svc := range map[string]string{"EDGELOG_BROKERS": "kafka", "EDGELOG_CH_ADDR": "clickhouse"} {
			host, _, _ := strings.Cut(env(s, k), ":")
			if host != svc {
				t.Errorf("%s: %s=%q, want the %s service", name, k, env(s, k), svc)
			}
		}
		if s.Build == nil {
			t.Errorf("%s is not built from the repository", name)
		} else if _, err := os.Stat(filepath.Join(s.Build.Context, s.Build.Dockerfile)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// What a user opens: Grafana, the API, Prometheus, on localhost only.
	for name, port := range map[string]uint32{"grafana": 3000, "query": 8080, "prometheus": 9090} {
		s := service(t, p, name)
		found := false
		for _, pc := range s.Ports {
			if pc.Target == port {
				found = true
				if pc.HostIP != "127.0.0.1" {
					t.Errorf("%s publishes %d on %q, want 127.0.0.1", name, port, pc.HostIP)
				}
			}
		}
		if !found {
			t.Errorf("%s does not publish port %d", name, port)
		}
	}
	// Every bind mount's source is in the repository.
	for _, s := range p.Services {
		for _, v := range s.Volumes {
			if v.Type == types.VolumeTypeBind {
				if _, err := os.Stat(v.Source); err != nil {
					t.Errorf("%s mounts %s: %v", s.Name, v.Source, err)
				}
			}
		}
	}
}

// TestComposeGrafana checks that Grafana gets the plugin, the provisioning
// and the dashboards where the provisioning files expect them.
func TestComposeGrafana(t *testing.T) {
	p := loadCompose(t)
	root := repoRoot(t)
	id := pluginID(t, root)
	g := service(t, p, "grafana")
	if !slices.Contains(strings.Split(env(g, "GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS"), ","), id) {
		t.Errorf("Grafana does not allow the unsigned plugin %s", id)
	}

	// The plugin: a volume the grafana-plugin service fills and exits.
	pm, ok := mount(g, "/var/lib/grafana/plugins/"+id)
	if !ok || pm.Type != types.VolumeTypeVolume {
		t.Fatalf("Grafana has no plugin volume at /var/lib/grafana/plugins/%s", id)
	}
	builder := service(t, p, "grafana-plugin")
	bm, ok := mount(builder, "/out")
	if !ok || bm.Source != pm.Source {
		t.Errorf("the grafana-plugin service does not write the volume %q Grafana loads the plugin from", pm.Source)
	}
	if d, ok := g.DependsOn["grafana-plugin"]; !ok || d.Condition != types.ServiceConditionCompletedSuccessfully {
		t.Errorf("Grafana must start after the plugin is built: %+v", g.DependsOn)
	}
	if builder.Build == nil {
		t.Fatal("grafana-plugin is not built from the repository")
	}
	checkDockerfile(t, builder.Build.Context, filepath.Join(builder.Build.Context, builder.Build.Dockerfile))

	// Provisioning: the folder Grafana reads, holding data sources and
	// dashboard providers.
	prov, ok := mount(g, "/etc/grafana/provisioning")
	if !ok || prov.Type != types.VolumeTypeBind {
		t.Fatal("Grafana has no provisioning mount at /etc/grafana/provisioning")
	}
	var providers struct {
		Providers []struct {
			Type    string
			Options struct{ Path string }
		}
	}
	readYAML(t, filepath.Join(prov.Source, "dashboards", "edgelog.yaml"), &providers)
	if len(providers.Providers) == 0 {
		t.Fatal("no dashboard provider")
	}
	for _, pr := range providers.Providers {
		dm, ok := mount(g, pr.Options.Path)
		if !ok {
			t.Errorf("the dashboard provider reads %s, which nothing mounts", pr.Options.Path)
			continue
		}
		n, _ := filepath.Glob(filepath.Join(dm.Source, "*.json"))
		if len(n) == 0 {
			t.Errorf("%s (mounted at %s) holds no dashboards", dm.Source, pr.Options.Path)
		}
	}
	if home := env(g, "GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"); home != "" {
		dm, ok := mount(g, filepath.Dir(home))
		if !ok {
			t.Errorf("home dashboard %s is not in a mounted folder", home)
		} else if _, err := os.Stat(filepath.Join(dm.Source, filepath.Base(home))); err != nil {
			t.Errorf("home dashboard: %v", err)
		}
	}

	// Data sources: each URL names a compose service and the port it
	// listens on.
	var ds struct {
		Datasources []struct {
			Name, Type, URL string
		}
	}
	readYAML(t, filepath.Join(prov.Source, "datasources", "edgelog.yaml"), &ds)
	kinds := map[string]bool{}
	for _, d := range ds.Datasources {
		kinds[d.Type] = true
		u, err := url.Parse(d.URL)
		if err != nil {
			t.Errorf("data source %s: %v", d.Name, err)
			continue
		}
		s := service(t, p, u.Hostname())
		if !listensOn(s, u.Port()) {
			t.Errorf("data source %s: %s does not listen on %s", d.Name, s.Name, u.Port())
		}
	}
	if !kinds[id] || !kinds["prometheus"] {
		t.Errorf("provisioned data source types %v, want %s and prometheus", kinds, id)
	}
}

// listensOn reports whether a service listens on port: the project's
// services by their --listen / --metrics-addr flags, others by the ports
// they publish or their well-known port.
func listensOn(s types.ServiceConfig, port string) bool {
	for _, f := range []string{"listen", "metrics-addr"} {
		if _, p, ok := strings.Cut(flag(s, f), ":"); ok && p == port {
			return true
		}
	}
	for _, pc := range s.Ports {
		if strconv.Itoa(int(pc.Target)) == port {
			return true
		}
	}
	return false
}

// TestComposePrometheus checks that Prometheus scrapes each service on its
// metrics port, and that the query service reads the mounted tokens and
// price book.
func TestComposePrometheus(t *testing.T) {
	p := loadCompose(t)
	prom := service(t, p, "prometheus")
	cfg, ok := mount(prom, "/etc/prometheus/prometheus.yml")
	if !ok {
		t.Fatal("Prometheus has no config mount")
	}
	var c struct {
		ScrapeConfigs []struct {
			JobName       string                       `yaml:"job_name"`
			StaticConfigs []struct{ Targets []string } `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	readYAML(t, cfg.Source, &c)
	scraped := map[string]bool{}
	for _, sc := range c.ScrapeConfigs {
		for _, st := range sc.StaticConfigs {
			for _, target := range st.Targets {
				host, port, _ := strings.Cut(target, ":")
				s := service(t, p, host)
				if _, mp, _ := strings.Cut(flag(s, "metrics-addr"), ":"); mp != port {
					t.Errorf("Prometheus scrapes %s, but %s serves metrics on %q", target, host, flag(s, "metrics-addr"))
				}
				scraped[host] = true
			}
		}
	}
	for _, s := range []string{"collector", "ingest", "query"} {
		if !scraped[s] {
			t.Errorf("Prometheus does not scrape %s", s)
		}
	}
	q := service(t, p, "query")
	for _, f := range []string{"tokens", "prices"} {
		path := flag(q, f)
		m, ok := mount(q, filepath.Dir(path))
		if !ok {
			t.Errorf("query --%s %s: the folder is not mounted", f, path)
			continue
		}
		if _, err := os.Stat(filepath.Join(m.Source, filepath.Base(path))); err != nil {
			t.Errorf("query --%s: %v", f, err)
		}
	}
}

// checkDockerfile checks that every file a Dockerfile copies from the
// build context exists.
func checkDockerfile(t *testing.T, context, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	copyLine := regexp.MustCompile(`^COPY\s+(.+)$`)
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		m := copyLine.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil || strings.Contains(m[1], "--from=") {
			continue
		}
		args := strings.Fields(m[1])
		for _, src := range args[:len(args)-1] {
			matches, _ := filepath.Glob(filepath.Join(context, src))
			if len(matches) == 0 {
				t.Errorf("%s copies %s, which is not in the build context", path, src)
			}
			n++
		}
	}
	if n == 0 {
		t.Errorf("%s copies nothing from the repository", path)
	}
}

func readYAML(t *testing.T, path string, into any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestComposeRunsRetention checks that the Compose stack drops old
// partitions as the packages' daily timer does: without it every table,
// the live counter's 24 hour partitions a day among them, grows for good.
func TestComposeRunsRetention(t *testing.T) {
	s := service(t, loadCompose(t), "retention")
	script := strings.Join(s.Entrypoint, " ")
	if !strings.Contains(script, "edgelog schema retention") || !strings.Contains(script, "sleep") {
		t.Errorf("retention entrypoint %q: want `edgelog schema retention` in a loop", script)
	}
	if d, ok := s.DependsOn["schema"]; !ok || d.Condition != types.ServiceConditionCompletedSuccessfully {
		t.Errorf("retention depends on %v: want the schema migration completed", s.DependsOn)
	}
}
