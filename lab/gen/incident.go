package gen

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Incident is a scripted fault in the generated traffic, recorded in the
// truth so tests can check that the pipeline's answers point at it.
type Incident struct {
	// Kind is "latency" (a PoP answers Factor times slower) or "errors"
	// (a customer's origin answers 5xx at ErrorRate).
	Kind      string    `json:"kind"`
	PoP       string    `json:"pop,omitempty"`
	Region    string    `json:"region,omitempty"`
	Customer  string    `json:"customer,omitempty"`
	Factor    float64   `json:"factor,omitempty"`
	ErrorRate float64   `json:"error_rate,omitempty"`
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
}

func (in *Incident) active(tMs int64) bool {
	return tMs >= in.From.UnixMilli() && tMs < in.To.UnixMilli()
}

// DefaultIncidents is the script `edgelog gen` and the demo use unless told
// otherwise: the Mumbai PoP five times slower from 14:05 to 14:40, and the
// second-largest customer's origin failing a third of its requests from
// 10:00 to 10:20, on the day of start.
func DefaultIncidents(start time.Time) []Incident {
	day := start.UTC().Truncate(24 * time.Hour)
	at := func(h, m int) time.Time { return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute) }
	return []Incident{
		{Kind: "latency", PoP: "bom1", Region: "ap-south", Factor: 5, From: at(14, 5), To: at(14, 40)},
		{Kind: "errors", Customer: customerNames[1], ErrorRate: 0.33, From: at(10, 0), To: at(10, 20)},
	}
}

// ParseIncident parses the command-line form of an incident, with clock
// times on the day of start:
//
//	latency:POP:xFACTOR:HH:MM-HH:MM     latency:bom1:x5:14:05-14:40
//	errors:CUSTOMER:RATE%:HH:MM-HH:MM   errors:globex:30%:10:00-10:20
func ParseIncident(s string, start time.Time) (Incident, error) {
	parts := strings.SplitN(s, ":", 4)
	if len(parts) != 4 {
		return Incident{}, fmt.Errorf("incident %q: want KIND:PLACE:AMOUNT:HH:MM-HH:MM", s)
	}
	from, to, ok := strings.Cut(parts[3], "-")
	if !ok {
		return Incident{}, fmt.Errorf("incident %q: window %q is not HH:MM-HH:MM", s, parts[3])
	}
	day := start.UTC().Truncate(24 * time.Hour)
	var in Incident
	var err error
	if in.From, err = clockOn(day, from); err != nil {
		return Incident{}, fmt.Errorf("incident %q: %w", s, err)
	}
	if in.To, err = clockOn(day, to); err != nil {
		return Incident{}, fmt.Errorf("incident %q: %w", s, err)
	}
	if !in.To.After(in.From) {
		return Incident{}, fmt.Errorf("incident %q: window ends before it starts", s)
	}
	in.Kind = parts[0]
	switch in.Kind {
	case "latency":
		in.PoP = parts[1]
		for _, r := range regions {
			for _, p := range r.pops {
				if p.name == in.PoP {
					in.Region = r.name
				}
			}
		}
		if in.Region == "" {
			return Incident{}, fmt.Errorf("incident %q: unknown PoP %q", s, in.PoP)
		}
		f, err := strconv.ParseFloat(strings.TrimPrefix(parts[2], "x"), 64)
		if err != nil || f <= 0 {
			return Incident{}, fmt.Errorf("incident %q: factor %q is not xN with N > 0", s, parts[2])
		}
		in.Factor = f
	case "errors":
		in.Customer = parts[1]
		pct, err := strconv.ParseFloat(strings.TrimSuffix(parts[2], "%"), 64)
		if err != nil || pct < 0 || pct > 100 {
			return Incident{}, fmt.Errorf("incident %q: rate %q is not a percentage", s, parts[2])
		}
		in.ErrorRate = pct / 100
	default:
		return Incident{}, fmt.Errorf("incident %q: kind %q is not latency or errors", s, in.Kind)
	}
	return in, nil
}

func clockOn(day time.Time, hhmm string) (time.Time, error) {
	t, err := time.Parse("15:04", hhmm)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not HH:MM", hhmm)
	}
	return day.Add(time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute), nil
}
