# edgelog: the two commands a new user needs are `make demo` and `make test`.
GO ?= go
BIN := bin/edgelog

.PHONY: all build setup demo test bench fuzz lint clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/edgelog

# Installs the Debian packages the pipeline runs on (idempotent).
setup:
	deploy/setup.sh

# The main job: the whole pipeline on generated logs, a traffic report, and
# the query API left running (Ctrl-C stops everything).
demo: setup build
	$(BIN) demo $(DEMO_ARGS)

# Every test, including the end-to-end run of the real processes.
test: setup
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 30m ./...

# Benchmarks that carry the speed bars (see README, Performance).
bench: setup build
	$(GO) test -run=NONE -bench=. -benchtime=2s ./internal/wire/ ./collector/...

# Runs every fuzzer for FUZZTIME each, one at a time.
FUZZTIME ?= 30s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list 'Fuzz.*' $$pkg | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$f"; $(GO) test -run=NONE -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

clean:
	rm -rf bin .data
