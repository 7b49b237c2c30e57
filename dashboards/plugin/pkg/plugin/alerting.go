package plugin

import (
	"fmt"
	"slices"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// Grafana's alerting asks QueryData itself, without the frontend: the
// query is the rule's model as provisioned (no template variables are
// replaced), and what it reads is numbers. A wide time series is such an
// answer already (one series per value field, reduced by the rule); a
// table is one when it has exactly one numeric field, its string fields
// becoming the number's labels. Value picks that field: the answer keeps
// it and the string fields, as a numeric-long frame (Grafana's dataplane
// contract, read the same way by its older numeric-table path).

// checkAlerting checks the alerting keys of q against its spec.
func (q *Query) checkAlerting(s Spec) error {
	switch {
	case q.MinRequests != 0 && !s.MinRequests:
		return fmt.Errorf("%s does not take minRequests", q.QueryType)
	case q.Value == "":
		return nil
	case s.TimeSeries:
		return fmt.Errorf("%s answers a time series, which alerting reads as it is: it takes no value", q.QueryType)
	}
	t, ok := s.Fields[q.Value]
	if !ok || !t.Numeric() {
		var numeric []string
		for name, ft := range s.Fields {
			if ft.Numeric() {
				numeric = append(numeric, name)
			}
		}
		slices.Sort(numeric)
		return fmt.Errorf("value of %s must be one of its numeric fields %v, not %q", q.QueryType, numeric, q.Value)
	}
	return nil
}

// numericFrames keeps of each frame the string fields and the value field
// (validated against the spec), typed numeric-long.
func numericFrames(frames data.Frames, value string) (data.Frames, error) {
	out := make(data.Frames, 0, len(frames))
	for _, f := range frames {
		var keep []*data.Field
		found := false
		for _, fd := range f.Fields {
			switch {
			case fd.Name == value:
				keep, found = append(keep, fd), true
			case fd.Type() == data.FieldTypeString || fd.Type() == data.FieldTypeNullableString:
				keep = append(keep, fd)
			}
		}
		if !found {
			panic("BUG: frame " + f.Name + " has no field " + value + " its spec lists")
		}
		nf := data.NewFrame(f.Name, keep...)
		nf.Meta = f.Meta
		if nf.Meta == nil {
			nf.Meta = &data.FrameMeta{}
		}
		nf.Meta.Type = data.FrameTypeNumericLong
		out = append(out, nf)
	}
	return out, nil
}
