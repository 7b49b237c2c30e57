package schema

import (
	"fmt"
	"strconv"
	"strings"
)

// Dialect is what the DDL may use on a given server.
type Dialect struct {
	// Modern servers (20.3 and later) get codecs, LowCardinality,
	// DateTime64(3) and TTL. 18.16 has none of them.
	Modern bool
	// GCD servers (24.4 and later) have the GCD codec, which divides a
	// block of integers by their greatest common divisor: request times
	// logged in milliseconds but stored in microseconds shrink by half. It
	// came in 23.8; a decompression crash in it was fixed in 24.4.
	GCD bool
	// OptimizeOnInsert servers (21.1 and later) have the
	// optimize_on_insert setting, which ingest turns off (package ingest,
	// workerInsertSettings). An older modern server gets no such setting
	// from ingest, so an unknown setting never fails its INSERTs.
	OptimizeOnInsert bool
	// Cluster, when set, creates replicated tables ON CLUSTER with
	// Distributed tables in front of them.
	Cluster string
	// RetentionDays is the raw table's TTL on modern servers (0 = keep).
	// On 18.16 `edgelog schema retention` drops old partitions instead.
	RetentionDays int
}

// DialectFor returns the dialect of a server version string ("18.16.1",
// "26.3.1.1").
func DialectFor(version string) (Dialect, error) {
	parts := strings.SplitN(version, ".", 3)
	if len(parts) < 2 {
		return Dialect{}, fmt.Errorf("cannot parse server version %q", version)
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return Dialect{}, fmt.Errorf("cannot parse server version %q", version)
	}
	atLeast := func(maj, min int) bool { return major > maj || (major == maj && minor >= min) }
	return Dialect{Modern: atLeast(20, 3), GCD: atLeast(24, 4), OptimizeOnInsert: atLeast(21, 1)}, nil
}

// TimeType is the type of the raw table's time column.
func (d Dialect) TimeType() string {
	if d.Modern {
		return "DateTime64(3, 'UTC')"
	}
	return "DateTime('UTC')"
}

// lowCard wraps a string type in LowCardinality on modern servers.
func (d Dialect) lowCard(t string) string {
	if d.Modern {
		return "LowCardinality(" + t + ")"
	}
	return t
}
