package collector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/edgelog/edgelog/collector/checkpoint"
	"github.com/edgelog/edgelog/collector/enrich"
	"github.com/edgelog/edgelog/collector/geo"
	"github.com/edgelog/edgelog/collector/spool"
	"github.com/edgelog/edgelog/collector/tail"
	"github.com/edgelog/edgelog/internal/deadletter"
	"github.com/edgelog/edgelog/internal/retrylog"
)

// Collector ships its inputs to Kafka.
type Collector struct {
	cfg    Config
	log    *slog.Logger
	m      *metrics
	writer *kafka.Writer
	// kafkaWarn and dlqWarn rate-limit the warnings of the produce and
	// dead-letter retry loops.
	kafkaWarn, dlqWarn *retrylog.Warner
	dlq                deadletter.Sink
	enr                atomic.Pointer[enrichment] // swapped whole by Reload
	spool              *spool.Spool               // nil: no spool configured
	// proxies are the trusted proxies that decide the client of an
	// address chain (Config.TrustedProxies).
	proxies enrich.Proxies

	stateMu sync.Mutex
	state   *checkpoint.State

	// files gives each file to one Tailer at a time, whatever path (glob
	// match) reaches it; reserved once from the checkpoints (reserveOnce).
	files       *tail.Registry
	reserveOnce sync.Once

	// Bytes read so far by import inputs (compressed bytes for compressed
	// files), for progress reports.
	importBytes atomic.Int64
	importLines atomic.Int64
}

// enrichment is what Reload replaces: the host mapping and the databases.
type enrichment struct {
	edge *enrich.Enricher
	geo  *geo.DB
}

// New validates cfg and builds a collector; metrics go to reg.
func New(cfg Config, reg prometheus.Registerer, log *slog.Logger) (*Collector, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	enr, err := loadEnrichment(&cfg)
	if err != nil {
		return nil, err
	}
	kc := cfg.Kafka.conf()
	transport, err := kc.Transport()
	if err != nil {
		return nil, err
	}
	var dlq deadletter.Sink
	if cfg.DeadLetterFile != "" {
		if dlq, err = deadletter.NewFileSink(cfg.DeadLetterFile); err != nil {
			return nil, err
		}
	} else {
		dlq = deadletter.NewKafkaSink(cfg.Kafka.Brokers, cfg.DeadLetterTopic, transport)
	}
	c := &Collector{
		cfg:       cfg,
		log:       log,
		files:     tail.NewRegistry(),
		m:         newMetrics(reg),
		dlq:       dlq,
		kafkaWarn: &retrylog.Warner{Log: log, What: "Kafka"},
		dlqWarn:   &retrylog.Warner{Log: log, What: "the dead-letter sink"},
		writer: &kafka.Writer{
			Addr:                   kafka.TCP(cfg.Kafka.Brokers...),
			Topic:                  cfg.Topic,
			Balancer:               &kafka.Hash{}, // key = customer: a customer's rows stay in order in one partition
			RequiredAcks:           kafka.RequireAll,
			AllowAutoTopicCreation: true,
			Transport:              transport,
			BatchTimeout:           time.Millisecond, // we hand over whole batches; don't wait for more
			BatchSize:              1000,
			BatchBytes:             int64(cfg.MaxMessageBytes), // a record batch over the broker's limit would be refused forever
			MaxAttempts:            3,
			WriteBackoffMin:        50 * time.Millisecond,
			WriteBackoffMax:        time.Second,
		},
	}
	c.enr.Store(enr)
	if c.proxies, err = enrich.ParseProxies(cfg.TrustedProxies); err != nil {
		return nil, fmt.Errorf("trusted_proxies: %w", err)
	}
	if cfg.Spool.Dir != "" {
		if c.spool, err = spool.Open(cfg.Spool.Dir, int64(cfg.Spool.MaxBytes), !cfg.Spool.NoSync); err != nil {
			return nil, err
		}
		c.m.spoolBytes.Set(float64(c.spool.Bytes()))
		c.m.spoolBatches.Set(float64(c.spool.Len()))
		c.spool.OnDiskFull = func(err error) {
			if err != nil {
				c.log.Error("spool disk full: inputs paused until space returns; nothing is dropped", "dir", cfg.Spool.Dir, "err", err)
				return
			}
			c.log.Info("spool disk has space again: inputs resume", "dir", cfg.Spool.Dir)
		}
	}
	return c, nil
}

func loadEnrichment(cfg *Config) (*enrichment, error) {
	ec, err := enrich.Load(cfg.EdgeConfig)
	if err != nil {
		return nil, err
	}
	if cfg.DefaultCustomer != "" {
		ec.DefaultCustomer = cfg.DefaultCustomer
	}
	g, err := geo.Open(cfg.GeoIP.CountryDB, cfg.GeoIP.ASNDB)
	if err != nil {
		return nil, err
	}
	return &enrichment{edge: enrich.New(ec), geo: g}, nil
}

// Reload re-reads what can change while running: the host->customer
// mapping (and default customer) and the GeoIP databases, from the paths in
// cfg. Lines parsed after Reload returns use the new ones; a batch being
// filled keeps the rows it has. On error nothing changes. Other settings
// need a restart; Reload logs the ones that differ.
func (c *Collector) Reload(cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("cannot reload: %w", err)
	}
	enr, err := loadEnrichment(&cfg)
	if err != nil {
		return fmt.Errorf("cannot reload: %w", err)
	}
	c.enr.Store(enr)
	c.m.reloads.Inc()
	if fmt.Sprint(cfg.Inputs, cfg.Kafka, cfg.Topic, cfg.Spool, cfg.Checkpoint) != fmt.Sprint(c.cfg.Inputs, c.cfg.Kafka, c.cfg.Topic, c.cfg.Spool, c.cfg.Checkpoint) {
		c.log.Warn("reloaded the edge mapping and GeoIP databases; changes to inputs, Kafka, topic, spool or checkpoint need a restart")
	} else {
		c.log.Info("reloaded the edge mapping and GeoIP databases", "edge_config", cfg.EdgeConfig)
	}
	return nil
}

// Run collects every input until ctx is cancelled (or, without Follow,
// until every input is shipped). On cancel it flushes what it has read and
// waits for Kafka to acknowledge it, or for the spool to hold it, before
// returning.
func (c *Collector) Run(ctx context.Context) error {
	defer c.dlq.Close()
	defer c.writer.Close()
	state, err := checkpoint.Load(c.cfg.Checkpoint)
	if err != nil {
		return err
	}
	c.state = state
	c.log.Info("collecting", "config", c.cfg)

	ship := make(chan shipment, 2) // two batches in flight at most: backpressure on the inputs
	shipDone := make(chan error, 1)
	// Batches a previous run spooled go first, and file inputs wait for
	// them: their acknowledgement moves the checkpoints past them, so the
	// files are not read twice.
	recovered := make(chan struct{})
	go func() { shipDone <- c.deliverAll(ctx, ship, recovered) }()

	var wg sync.WaitGroup
	errs := make(chan error, len(c.cfg.Inputs))
	for _, in := range c.cfg.Inputs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.runInput(ctx, in, ship, recovered); err != nil {
				errs <- fmt.Errorf("%s input %s: %w", in.Type, in.Path+in.Listen, err)
			}
		}()
	}
	wg.Wait()
	close(ship)
	shipErr := <-shipDone
	close(errs)
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	if shipErr != nil {
		all = append(all, shipErr)
	}
	return errors.Join(all...)
}

// reserveCheckpointed reserves each checkpoint's file for its path in the
// registry (see tail.Registry.Reserve). A file that several checkpoints
// name (the old and the new name of a file rotated shortly before the
// collector stopped) goes to the path whose journal reaches furthest into
// it: that path's reader sent its latest batches, and only its journal
// re-cuts them as they were sent. The other path's lines of it are all
// journaled before them (see fileLines), so acknowledged or spooled, and
// the spool is delivered before files are read. (Letting whichever entry
// comes last win, the old name could read the new name's lines again.)
func (c *Collector) reserveCheckpointed() {
	c.stateMu.Lock()
	var keep []checkpoint.File
	for i, f := range c.state.Files {
		if reachesFurthest(c.state.Files, i) {
			keep = append(keep, f)
		}
	}
	c.stateMu.Unlock()
	for _, f := range keep {
		c.files.Reserve(f.Path, f.Inode, f.Fingerprint, f.Offset)
	}
}

// reachesFurthest reports whether no other entry names files[i]'s file
// and reaches further into it (the later entry wins a tie). Only entries
// with both inode and fingerprint known name one file: an entry of the old
// layout without a fingerprint may name an earlier file on a reused inode.
func reachesFurthest(files []checkpoint.File, i int) bool {
	f := files[i]
	if f.Inode == 0 || f.Fingerprint == 0 {
		return true
	}
	for j, o := range files {
		if j != i && o.Inode == f.Inode && o.Fingerprint == f.Fingerprint &&
			(o.Reach() > f.Reach() || o.Reach() == f.Reach() && j > i) {
			return false
		}
	}
	return true
}

func (c *Collector) lookupCheckpoint(path string) checkpoint.File {
	c.stateMu.Lock()
	defer c.stateMu.Unlock()
	cp, _ := c.state.Lookup(path)
	return cp
}
