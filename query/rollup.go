package query

import (
	"errors"
	"fmt"
	"time"

	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/schema"
)

// Range is a validated half-open time range [From, To) with a step.
type Range struct {
	From, To time.Time
	Step     time.Duration
}

// MaxPoints bounds a time series' length; a step too small for its range
// is a client error rather than a million-row answer.
const MaxPoints = 11_000

// MaxStep bounds a series' step (10 years). Steps and times go to
// ClickHouse as UInt32 seconds: they are range-checked before any
// conversion (a step of 71582789m became 44s and passed the point cap).
const MaxStep = 10 * 365 * 24 * time.Hour

// MinTime and MaxTime bound the times a query may name: those a row may
// have (record.ValidTime), all inside ClickHouse's DateTime.
var (
	MinTime = time.UnixMilli(record.MinTimeMs).UTC()
	MaxTime = time.UnixMilli(record.MaxTimeMs).UTC()
)

// CheckTime refuses a time outside [MinTime+lookback, MaxTime]: lookback
// is how far before t the query reads (a window, a baseline).
func CheckTime(name string, t time.Time, lookback time.Duration) error {
	if t.Before(MinTime.Add(lookback)) || t.After(MaxTime) {
		return UserError{fmt.Errorf("%s must be between %s and %s", name, MinTime.Add(lookback).Format(time.RFC3339), MaxTime.Format(time.RFC3339))}
	}
	return nil
}

// CheckStep refuses a step outside [1m, MaxStep].
func CheckStep(step time.Duration) error {
	if step < time.Minute || step > MaxStep {
		return UserError{fmt.Errorf("step must be between 1m and %s", MaxStep)}
	}
	return nil
}

// Validate checks the range and step.
func (r Range) Validate() error {
	switch {
	case r.From.IsZero() || r.To.IsZero():
		return errors.New("from and to are required")
	case !r.To.After(r.From):
		return errors.New("to must be after from")
	case CheckTime("from", r.From, 0) != nil || CheckTime("to", r.To, 0) != nil:
		return fmt.Errorf("from and to must be between %s and %s", MinTime.Format(time.RFC3339), MaxTime.Format(time.RFC3339))
	case CheckStep(r.Step) != nil:
		return CheckStep(r.Step)
	case r.Step%time.Minute != 0:
		return errors.New("step must be a whole number of minutes")
	case r.To.Sub(r.From)/r.Step > MaxPoints:
		return fmt.Errorf("step %s is too small for the range: more than %d points", r.Step, MaxPoints)
	}
	return nil
}

// pickRollup returns the coarsest rollup of family whose bucket divides the
// step and both range ends, so every returned point is exact. Rollups are
// listed finest first.
func pickRollup(family []string, r Range) (schema.Rollup, error) {
	var best schema.Rollup
	found := false
	for _, name := range family {
		ru, ok := schema.RollupByName(name)
		if !ok {
			panic("BUG: unknown rollup " + name)
		}
		step := time.Duration(ru.Step) * time.Second
		if r.Step%step == 0 && r.From.Unix()%int64(ru.Step) == 0 && r.To.Unix()%int64(ru.Step) == 0 {
			best, found = ru, true
		}
	}
	if !found {
		return schema.Rollup{}, fmt.Errorf("from, to and step must be aligned to whole minutes")
	}
	return best, nil
}

var trafficFamily = []string{"traffic_1m", "traffic_1h", "traffic_1d"}
