// Package deploy holds the files that start edgelog's engines outside Go
// code: the ClickHouse server config template shared by deploy/clickhouse.sh
// and the Go test harness, and the compose demo's files (compose/).
package deploy

import (
	_ "embed"
	"strconv"
	"strings"
)

//go:embed clickhouse/config.xml.tmpl
var clickhouseConfig string

//go:embed clickhouse/malloc_conf
var mallocConf string

// ClickHouseMallocConf is the jemalloc configuration edgelog's ClickHouse
// servers run with (the MALLOC_CONF environment variable; deploy/clickhouse.sh
// reads the same file). Debian's clickhouse-server 18.16 links the system
// jemalloc, whose defaults serve every allocation over 8 MiB from an arena
// that returns its pages to the kernel at once (oversize_threshold) and
// the others after 10 s: an INSERT of a few hundred thousand rows
// allocates columns and hash tables of that size and then faults every
// page in afresh, zeroed by the kernel. perf of ClickHouse during a
// 20M-line `edgelog bench`: page faults and page zeroing 12-18% of the
// INSERT threads' time. With oversize_threshold:0 (the large ones in the
// ordinary arenas, as modern ClickHouse configures its own jemalloc) and
// pages kept a minute: 9.7M -> 3.5M minor page faults in that run,
// ClickHouse 5.19 -> 4.74 CPU-s per million requests (one run each; the
// server's resident memory 0.8 -> 1.2 GiB at the end). Keeping pages for
// ever (decay -1) faulted 2.9M times but held 3.9 GiB.
var ClickHouseMallocConf = strings.TrimSpace(mallocConf)

// DemoPriceBook is the price book of the compose demo and `edgelog demo`
// (compose/pricebook.yaml), so the demo's bills carry amounts.
//
//go:embed compose/pricebook.yaml
var DemoPriceBook []byte

// ClickHouseConfig is the parameters of a project-local ClickHouse server.
type ClickHouseConfig struct {
	Dir             string // server directory: data/, log/, tmp/ under it
	TCPPort         int    // native protocol
	HTTPPort        int
	InterserverPort int
	Extra           string // raw XML appended inside <yandex>, e.g. cluster config
}

// RenderClickHouseConfig returns the server config.xml for c.
func RenderClickHouseConfig(c ClickHouseConfig) string {
	return strings.NewReplacer(
		"@DIR@", c.Dir,
		"@TCP_PORT@", strconv.Itoa(c.TCPPort),
		"@HTTP_PORT@", strconv.Itoa(c.HTTPPort),
		"@INTERSERVER_PORT@", strconv.Itoa(c.InterserverPort),
		"@EXTRA@", c.Extra,
	).Replace(clickhouseConfig)
}
