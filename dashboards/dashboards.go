// Package dashboards holds edgelog's Grafana dashboards (the *.json files
// of provisioning/dashboards), provisioned by docker-compose.yml and shipped in the
// plugin folder. The package's test checks every dashboard against the
// plugin's query model and runs every panel's query through the plugin.
package dashboards

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
)

//go:embed provisioning/dashboards/*.json
var files embed.FS

// Dashboard is the part of a dashboard's JSON model the checks read.
type Dashboard struct {
	UID        string                    `json:"uid"`
	Title      string                    `json:"title"`
	Editable   bool                      `json:"editable"`
	Time       struct{ From, To string } `json:"time"`
	Templating struct {
		List []Variable `json:"list"`
	} `json:"templating"`
	Panels []Panel `json:"panels"`
}

// Ref names a data source.
type Ref struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

// Panel is a panel or a row (whose collapsed panels are nested).
type Panel struct {
	ID          int                      `json:"id"`
	Type        string                   `json:"type"`
	Title       string                   `json:"title"`
	Description string                   `json:"description"`
	Datasource  *Ref                     `json:"datasource"`
	Targets     []json.RawMessage        `json:"targets"`
	Panels      []Panel                  `json:"panels"`
	GridPos     struct{ X, Y, W, H int } `json:"gridPos"`
	Options     struct {
		ReduceOptions struct {
			Fields string `json:"fields"`
		} `json:"reduceOptions"`
	} `json:"options"`
	FieldConfig struct {
		Defaults struct {
			Unit string `json:"unit"`
		} `json:"defaults"`
		Overrides []struct {
			Properties []struct {
				ID    string `json:"id"`
				Value any    `json:"value"`
			} `json:"properties"`
		} `json:"overrides"`
	} `json:"fieldConfig"`
}

// Units are the panel's units: the default one and every override's.
func (p *Panel) Units() []string {
	var units []string
	if p.FieldConfig.Defaults.Unit != "" {
		units = append(units, p.FieldConfig.Defaults.Unit)
	}
	for _, o := range p.FieldConfig.Overrides {
		for _, prop := range o.Properties {
			if u, ok := prop.Value.(string); ok && prop.ID == "unit" {
				units = append(units, u)
			}
		}
	}
	return units
}

// Variable is a dashboard template variable.
type Variable struct {
	Name       string          `json:"name"`
	Label      string          `json:"label"`
	Type       string          `json:"type"`
	Query      json.RawMessage `json:"query"`
	Datasource *Ref            `json:"datasource"`
	Refresh    int             `json:"refresh"` // 2: on time range change
	Multi      bool            `json:"multi"`
	IncludeAll bool            `json:"includeAll"`
	AllValue   string          `json:"allValue"`
	Current    struct {
		Value any `json:"value"`
	} `json:"current"`
}

// File is one dashboard file.
type File struct {
	Name      string
	JSON      []byte
	Dashboard Dashboard
}

// All returns every dashboard, by file name.
func All() ([]File, error) {
	names, err := fs.Glob(files, "provisioning/dashboards/*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []File
	for _, n := range names {
		b, err := files.ReadFile(n)
		if err != nil {
			return nil, err
		}
		f := File{Name: path.Base(n), JSON: b}
		if err := json.Unmarshal(b, &f.Dashboard); err != nil {
			return nil, fmt.Errorf("dashboard %s: %w", n, err)
		}
		out = append(out, f)
	}
	return out, nil
}

// AllPanels returns the dashboard's panels, rows' nested panels included,
// rows themselves left out.
func (d *Dashboard) AllPanels() []Panel {
	var out []Panel
	var walk func([]Panel)
	walk = func(ps []Panel) {
		for _, p := range ps {
			if p.Type == "row" {
				walk(p.Panels)
				continue
			}
			out = append(out, p)
		}
	}
	walk(d.Panels)
	return out
}

// Variable returns the variable called name.
func (d *Dashboard) Variable(name string) (Variable, bool) {
	for _, v := range d.Templating.List {
		if v.Name == name {
			return v, true
		}
	}
	return Variable{}, false
}
