# edgelog: the two commands a new user needs are `make demo` and `make test`.
GO ?= go
BIN := bin/edgelog

# The version stamped into the binary (edgelog version) and the packages.
VERSION ?= $(shell deploy/packaging/version.sh)
COMMIT ?= $(shell git rev-parse --short HEAD 2>/dev/null)
DATE ?= $(shell git log -1 --format=%cI 2>/dev/null)
LDFLAGS := -X github.com/edgelog/edgelog/internal/buildinfo.Version=$(VERSION) -X github.com/edgelog/edgelog/internal/buildinfo.Commit=$(COMMIT) -X github.com/edgelog/edgelog/internal/buildinfo.Date=$(DATE)

.PHONY: all build package docs setup demo test bench bench-fresh bench-e2e bench-ingest bench-query bench-collector bench-collector-alone bench-storage bench-layouts bench-schema-cost chaos soak adversarial fuzz plugin plugin-validator lint lint-go lint-tools clean pgo

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/edgelog

# .deb and .rpm packages for amd64 and arm64 in dist/ (nfpm as a library;
# contents in deploy/packaging/nfpm.yaml): the static binary, systemd units,
# example configs under /etc/edgelog, the edgelog user, /var/lib/edgelog.
package:
	$(GO) run ./deploy/packaging/mkpkg --version "$(VERSION)" --commit "$(COMMIT)" --date "$(DATE)" --out dist

# Regenerates the operator's reference (docs/cli/*.md from the flags,
# docs/metrics.md from the Prometheus registries); a test fails while the
# committed pages differ from what this writes.
docs:
	$(GO) test ./docs/ -run TestGenerated -update

# Installs the Debian packages the pipeline runs on (idempotent).
setup:
	deploy/setup.sh

# The main job: the whole pipeline on generated logs, a traffic report, and
# the query API left running (Ctrl-C stops everything).
demo: setup build
	$(BIN) demo $(DEMO_ARGS)

# Every test, including the end-to-end run of the real processes.
# The modern-ClickHouse conformance package runs in chDB (libchdb.so from
# npm, installed into .cache/chdb by deploy/chdb.sh on first use).
test: setup
	$(GO) vet ./...
	$(GO) vet -tags chdb ./schema/conformance/
	$(GO) test -count=1 -timeout 30m ./...
	$(GO) test -count=1 -tags chdb -exec "$(CURDIR)/deploy/chdb-run.sh" -timeout 20m ./schema/conformance/

# Benchmarks that carry the speed bars (see README, Performance): the
# micro-benchmarks, ingest against clickhouse-client, and the end-to-end run
# with its baselines.
bench: setup build
	$(GO) test -run=NONE -bench=. -benchtime=2s ./internal/wire/ ./lab/gen/ ./collector/...
	$(MAKE) bench-collector bench-ingest bench-e2e bench-query bench-storage bench-layouts bench-schema-cost

# Bytes per request of every table on ClickHouse 18.16 and, with the modern
# DDL, on chDB (10M generated requests, about 8 minutes).
bench-storage: setup
	EDGELOG_STORAGE_ROWS=10000000 $(GO) test -tags chdb -exec "$(CURDIR)/deploy/chdb-run.sh" -run=NONE -bench=Storage -benchtime=1x -timeout 60m ./schema/conformance/

# What the whole schema costs ClickHouse per million requests, INSERTs and
# merges, on 18.16 and on modern ClickHouse (chDB), the same 10M generated
# requests at the bench's two densities (about 10 minutes). Both engines
# keep their data in TMPDIR; on ext4 without a journal the figures include
# its inode search (the benchmark says so): on a journaled ext4, about 5
# minutes: TMPDIR="$(lab/bench/journaled-fs.sh)/tmp" make bench-schema-cost
bench-schema-cost: setup
	EDGELOG_COST_ROWS=10000000 $(GO) test -tags chdb -exec "$(CURDIR)/deploy/chdb-run.sh" -run=NONE -bench=SchemaCost -benchtime=1x -timeout 60m ./schema/conformance/

# The modern raw table's layout choices, each undone in turn against the
# final layout on chDB (2M requests, about 90 s).
bench-layouts: setup
	EDGELOG_STORAGE_ROWS=2000000 $(GO) test -tags chdb -exec "$(CURDIR)/deploy/chdb-run.sh" -run=NONE -bench=RawLayouts -benchtime=1x -timeout 30m ./schema/conformance/

# The collector's read loop (parse, enrich, batch, encode; no Kafka) per CPU
# second, and against GoAccess on the same file in the same run. Compiled
# with the profile the edgelog binary is built with (go build picks up
# cmd/edgelog/default.pgo by itself; go test of a library package does not).
PGO := $(CURDIR)/cmd/edgelog/default.pgo
bench-collector: setup
	$(GO) test -pgo=$(PGO) -run=NONE -bench=Pipeline -benchtime=2000000x -count=3 ./collector/
	EDGELOG_BENCH_LINES=500000 $(GO) test -pgo=$(PGO) -run=NONE -bench=VsGoAccess -benchtime=1x ./collector/

# Refreshes the profile-guided optimization profile of the edgelog binary,
# from binaries built without it (so it does not feed on itself): the CPU
# profiles of BenchmarkPipeline (the collector's read loop on every format
# the benchmark has, the lenient path's odd lines included) and of one
# `edgelog bench` run (the collector, the broker and ingest as the pipeline
# runs them: 20M distinct lines from a file, Kafka, ClickHouse), merged.
# About 4 minutes; PGO_DIR holds the run's files meanwhile. Two profiles made
# this way can differ by a few per cent in what they gain (which call sites
# come out hot): keep a new one only when it measures better than the one
# it replaces (README, "Collector").
PGO_DIR ?= $(CURDIR)/.data/pgo
pgo: setup
	rm -rf $(PGO_DIR) && mkdir -p $(PGO_DIR)/profiles
	$(GO) test -pgo=off -run=NONE -bench=Pipeline -benchtime=3000000x -cpuprofile $(PGO_DIR)/profiles/pipeline.pprof -o $(PGO_DIR)/collector.test ./collector/
	$(GO) build -pgo=off -o $(PGO_DIR)/edgelog ./cmd/edgelog
	$(PGO_DIR)/edgelog bench --dir $(PGO_DIR)/bench --skip clickhouse-client,goaccess,kcat --profile $(PGO_DIR)/profiles
	$(GO) tool pprof -proto $(PGO_DIR)/profiles/pipeline.pprof $(PGO_DIR)/profiles/collector-*[0-9].pprof \
		$(PGO_DIR)/profiles/broker-*[0-9].pprof $(PGO_DIR)/profiles/ingest-*[0-9].pprof > $(PGO)
	rm -rf $(PGO_DIR)

BENCH_ROWS ?= 5000000
bench-ingest: setup
	EDGELOG_BENCH_ROWS=$(BENCH_ROWS) $(GO) test -run=NONE -bench=IngestVsClickHouseClient -benchtime=1x -timeout 60m ./ingest/

# Dashboard-query latencies and the 200-client load run on a month of
# rollups at 43.71 billion requests a day (the fill takes tens of minutes;
# EDGELOG_BENCH_CH_ADDR=host:port keeps it on a server of your own for reuse).
bench-query: setup
	$(GO) test -run=NONE -bench='DashboardQueries|Load200Clients' -benchtime=1x -timeout 120m ./query/

BENCH_LINES ?= 20000000
# freshness at 20/50/80% of the measured maximum: raw rows, rollups, the
# live API and the plugin's live stream (BENCH fresh_p50_<pct>_<what>)
bench-fresh: setup build
	$(BIN) bench --fresh --duration 40s $(FRESH_FLAGS)

bench-e2e: setup build
	$(BIN) bench --lines $(BENCH_LINES)

# The collector and the broker alone on the same generated lines (no ingest,
# no ClickHouse): the collector's own CPU per line, reading the file and
# producing to Kafka included, and kcat alone on the same file, in about a
# minute: what a change to the collector is measured with (lab/bench/alone.go).
bench-collector-alone: setup build
	$(BIN) bench --collector-alone --lines $(BENCH_LINES)

# The long chaos run (>= 10M lines, 10 faults of each kind); its short form
# runs in `make test`.
chaos: setup build
	$(BIN) chaos $(CHAOS_ARGS)

# The soak (issue 17): SOAK (default 60m) at 80% of the maximum measured
# first (or SOAK_ARGS=--rate N), a fault every 3 minutes, every process
# sampled each minute; fails on inexact accounting or a growing series.
# Its leak detector is unit-tested in make test (lab/chaos TestLeakFails).
SOAK ?= 60m
soak: setup build
	$(BIN) chaos --soak $(SOAK) --dir .data/soak $(SOAK_ARGS)

# Bad input at scale (issue 17): ADVERSARIAL_LINES (default 10M) lines with
# hostile ones among them, truncated imports, a corrupt checkpoint and a
# corrupt wire message; a 20k-line form runs in make test.
ADVERSARIAL_LINES ?= 10000000
adversarial: setup build
	$(BIN) chaos --adversarial --lines $(ADVERSARIAL_LINES) --dir .data/adversarial $(ADVERSARIAL_ARGS)

# Runs every fuzzer for FUZZTIME each, one at a time.
FUZZTIME ?= 30s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list 'Fuzz.*' $$pkg | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$f"; $(GO) test -run=NONE -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

# Static analysis: staticcheck and gosec at pinned versions, installed into
# bin/tools by `go install` on first use (the module proxy serves them; the
# Go build cache makes later runs quick). Each gosec finding left is
# annotated in the code (#nosec RULE -- why it is safe); the README states
# the count. `make lint` runs them (lint-go) with the ecosystem checkers below.
STATICCHECK_VERSION := v0.8.2
GOSEC_VERSION := v2.30.0
GOTOOLS := $(CURDIR)/bin/tools
lint-tools:
	@test -x $(GOTOOLS)/staticcheck-$(STATICCHECK_VERSION) || { GOBIN=$(GOTOOLS) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) && mv $(GOTOOLS)/staticcheck $(GOTOOLS)/staticcheck-$(STATICCHECK_VERSION); }
	@test -x $(GOTOOLS)/gosec-$(GOSEC_VERSION) || { GOBIN=$(GOTOOLS) $(GO) install github.com/securego/gosec/v2/cmd/gosec@$(GOSEC_VERSION) && mv $(GOTOOLS)/gosec $(GOTOOLS)/gosec-$(GOSEC_VERSION); }

lint-go: lint-tools
	$(GOTOOLS)/staticcheck-$(STATICCHECK_VERSION) ./...
	$(GOTOOLS)/gosec-$(GOSEC_VERSION) -quiet -nosec-require-rules -nosec-require-justification ./...

# Builds the Grafana plugin folder dashboards/plugin/dist/edgelog-edgelog-datasource
# (Go backend for linux amd64 and arm64, TypeScript frontend, dashboards;
# needs Node 20 and npm).
plugin:
	dashboards/plugin/build.sh

# The ecosystem's own checkers (npm packages pinned in tools/package.json,
# installed by `npm ci` on first use): Redocly lints the API document with
# the recommended-strict rules (0 errors, 0 warnings; the two exceptions are
# in query/api/.redocly.lint-ignore.yaml with their reasons).
TOOLS := tools/node_modules/.bin
$(TOOLS)/redocly: tools/package.json tools/package-lock.json
	cd tools && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Grafana's dashboard linter (a Go tool pinned in its own module,
# tools/dashboard-linter/go.mod) checks every dashboard with --strict.
lint: $(TOOLS)/redocly lint-go
	$(TOOLS)/redocly lint --config query/api/redocly.yaml
	cd tools/dashboard-linter && for f in ../../dashboards/provisioning/dashboards/*.json; do \
	  $(GO) tool dashboard-linter lint --strict $$f >lint.out 2>&1 || { grep -v '^Checks that' lint.out; rm -f lint.out; echo "dashboard linter: $$f fails"; exit 1; }; \
	done; rm -f lint.out; echo "dashboard linter: every dashboard passes (--strict)"

# Grafana's own plugin validator on the zip `make plugin` writes. It
# downloads its binary from GitHub on first use, so it needs that network
# (CI and this project's machines do not have it: build.sh runs
# dashboards/plugin/validate.mjs, its offline rules, instead).
plugin-validator: $(TOOLS)/redocly
	$(TOOLS)/plugin-validator -strict $$(ls -t dashboards/plugin/dist/edgelog-edgelog-datasource-*.zip | head -1)

clean:
	rm -rf bin dist .data
