// Command gpx_edgelog is the backend of edgelog's Grafana data source
// plugin. Grafana starts it from the plugin folder and talks to it over the
// gRPC plugin protocol; see internal/plugin.
package main

import (
	"os"

	"github.com/grafana/grafana-plugin-sdk-go/backend/datasource"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/edgelog/edgelog/dashboards/plugin/pkg/plugin"
)

func main() {
	if err := datasource.Manage(plugin.PluginID, plugin.NewDatasource, datasource.ManageOpts{}); err != nil {
		log.DefaultLogger.Error("plugin stopped", "err", err.Error())
		os.Exit(1)
	}
}
