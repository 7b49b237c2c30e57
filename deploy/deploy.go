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
