package plugin

import (
	"encoding/json"
	"sort"
)

// modelEntry is one query type as the frontend's query editor reads it.
type modelEntry struct {
	Type             string            `json:"type"`
	Description      string            `json:"description"`
	Metrics          []string          `json:"metrics"`
	GroupBys         []string          `json:"groupBys"`
	CustomerRequired bool              `json:"customerRequired"`
	NoCustomer       bool              `json:"noCustomer"`
	Limit            bool              `json:"limit"`
	Window           bool              `json:"window"`
	Place            bool              `json:"place"`
	WeekBefore       bool              `json:"weekBefore"`
	TimeSeries       bool              `json:"timeSeries"`
	Fields           map[string]string `json:"fields"`
	Orders           []string          `json:"orders"`
	RowFilters       bool              `json:"rowFilters"`
	MinRequests      bool              `json:"minRequests"`
}

// ModelJSON renders Specs for the frontend (dashboards/plugin/src/
// model.json, kept equal to this by a test): the editor offers exactly
// what the backend accepts.
func ModelJSON() ([]byte, error) {
	var out []modelEntry
	for _, name := range QueryTypes() {
		s := Specs[name]
		e := modelEntry{Type: name, Description: s.Description, Metrics: s.Metrics, GroupBys: s.GroupBys,
			CustomerRequired: s.CustomerRequired, NoCustomer: s.NoCustomer, Limit: s.Limit, Window: s.Window, Place: s.Place, WeekBefore: s.WeekBefore, TimeSeries: s.TimeSeries, Fields: map[string]string{}}
		if e.Metrics == nil {
			e.Metrics = []string{}
		}
		if e.GroupBys == nil {
			e.GroupBys = []string{}
		}
		if e.Orders, e.RowFilters, e.MinRequests = s.Orders, s.RowFilters, s.MinRequests; e.Orders == nil {
			e.Orders = []string{}
		}
		for f, t := range s.Fields {
			e.Fields[f] = t.ItemTypeString()
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Type < out[j].Type })
	b, err := json.MarshalIndent(out, "", "  ")
	return append(b, '\n'), err
}
