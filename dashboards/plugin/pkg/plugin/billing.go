package plugin

import (
	"context"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/edgelog/edgelog/query/api"
)

// bill asks for customer's bill of the month holding the panel's end.
func (d *Datasource) bill(ctx context.Context, q Query, dq backend.DataQuery) (api.Bill, time.Time, error) {
	month := monthOf(dq.TimeRange.To)
	p := withFilters(monthParams(month), q)
	var b api.Bill
	err := d.API.Get(ctx, "billing/bill", p, &b)
	return b, month, err
}

func monthParams(m time.Time) url.Values {
	return url.Values{"month": {m.Format("2006-01")}}
}

// billingRegions answers the month's delivered bytes by billing region.
func billingRegions(ctx context.Context, d *Datasource, q Query, dq backend.DataQuery) (data.Frames, error) {
	b, month, err := d.bill(ctx, q, dq)
	if err != nil {
		return nil, err
	}
	regions := make([]string, 0, len(b.ByRegion))
	for r := range b.ByRegion {
		regions = append(regions, r)
	}
	sort.Slice(regions, func(i, j int) bool { return b.ByRegion[regions[i]] > b.ByRegion[regions[j]] })
	gb, out := make([]float64, len(regions)), make([]uint64, len(regions))
	for i, r := range regions {
		out[i] = b.ByRegion[r]
		gb[i] = float64(out[i]) / 1e9 // billing GB are decimal, as on the bill
	}
	f := data.NewFrame("GB by region "+month.Format("2006-01"),
		data.NewField("region", nil, regions),
		data.NewField("gb", nil, gb).SetConfig(&data.FieldConfig{Unit: "decgbytes", Decimals: ptr[uint16](3)}),
		data.NewField("bytes_out", nil, out).SetConfig(&data.FieldConfig{Unit: "decbytes"}),
	)
	return data.Frames{f}, nil
}

// billingP95 answers the panel's 5-minute bandwidth samples in Mbps, idle
// slots as 0 (as the bill counts them), beside the 95th percentile billed
// for the month of the panel's end. The samples are always 5 minutes wide
// whatever the panel's interval: they are what the percentile is taken
// over.
func billingP95(ctx context.Context, d *Datasource, q Query, dq backend.DataQuery) (data.Frames, error) {
	const slot = 5 * time.Minute
	from, to := alignOut(dq.TimeRange, slot)
	p := withFilters(rangeParams(from, to), q)
	p.Set("step", slot.String())
	var s api.Series
	if err := d.API.Get(ctx, "traffic/timeseries", p, &s); err != nil {
		return nil, err
	}
	b, _, err := d.bill(ctx, q, dq)
	if err != nil {
		return nil, err
	}
	// The samples count the bytes the bill counts: total bytes, or body
	// bytes when the price book says billable_bytes: body.
	byT := make(map[int64]uint64, len(s.Points))
	for _, pt := range s.Points {
		byT[pt.Time.Unix()] = pt.BytesTotal
		if b.BillableBytes == "body" {
			byT[pt.Time.Unix()] = pt.BytesOut
		}
	}
	var times []time.Time
	var mbps, p95 []float64
	last := earlier(to, d.now())
	for t := from; t.Before(last); t = t.Add(slot) {
		times = append(times, t)
		mbps = append(mbps, float64(byT[t.Unix()])*8/slot.Seconds()/1e6)
		p95 = append(p95, b.P95Mbps)
	}
	f := data.NewFrame(s.Customer,
		data.NewField("time", nil, times).SetConfig(&data.FieldConfig{Interval: float64(slot.Milliseconds())}),
		data.NewField("mbps", data.Labels{"customer": s.Customer}, mbps).SetConfig(&data.FieldConfig{Unit: "Mbits", DisplayNameFromDS: "5-minute Mbps"}),
		data.NewField("p95_mbps", data.Labels{"customer": s.Customer}, p95).SetConfig(&data.FieldConfig{Unit: "Mbits", DisplayNameFromDS: "95th percentile " + b.Month}),
	)
	return data.Frames{f}, nil
}

// billingSummary answers one row: the bill so far and its projection to
// the month's end at the run rate so far (amount / share of the month
// elapsed at the panel's end). The projection is a forecast for the
// dashboard, not a bill: tiers and the 95th percentile do not scale
// linearly.
func billingSummary(ctx context.Context, d *Datasource, q Query, dq backend.DataQuery) (data.Frames, error) {
	b, month, err := d.bill(ctx, q, dq)
	if err != nil {
		return nil, err
	}
	elapsed := monthElapsed(month, dq.TimeRange.To)
	total := parseAmount(b.Total)
	money := &data.FieldConfig{Unit: currencyUnit(b.Currency), Decimals: ptr[uint16](2)}
	f := data.NewFrame("bill "+b.Customer+" "+b.Month,
		data.NewField("customer", nil, []string{b.Customer}),
		data.NewField("month", nil, []string{b.Month}),
		data.NewField("plan", nil, []string{b.Plan}),
		data.NewField("currency", nil, []string{b.Currency}),
		data.NewField("requests", nil, []uint64{b.Requests}).SetConfig(&data.FieldConfig{Unit: "short"}),
		data.NewField("bytes_out", nil, []uint64{b.BytesOut}).SetConfig(&data.FieldConfig{Unit: "decbytes"}),
		data.NewField("p95_mbps", nil, []float64{b.P95Mbps}).SetConfig(&data.FieldConfig{Unit: "Mbits"}),
		data.NewField("total", nil, []float64{total}).SetConfig(money),
		data.NewField("projected_total", nil, []float64{total / elapsed}).SetConfig(money),
		data.NewField("month_elapsed", nil, []float64{elapsed}).SetConfig(&data.FieldConfig{Unit: "percentunit"}),
	)
	return data.Frames{f}, nil
}

// billingCustomers answers one row per customer the token may see.
func billingCustomers(ctx context.Context, d *Datasource, q Query, dq backend.DataQuery) (data.Frames, error) {
	month := monthOf(dq.TimeRange.To)
	var res api.Bills
	if err := d.API.Get(ctx, "billing/bills", monthParams(month), &res); err != nil {
		return nil, err
	}
	elapsed := monthElapsed(month, dq.TimeRange.To)
	n := len(res.Bills)
	cust, plan, cur := make([]string, n), make([]string, n), make([]string, n)
	req, out := make([]uint64, n), make([]uint64, n)
	p95, total, proj := make([]float64, n), make([]float64, n), make([]float64, n)
	unit := "short"
	for i, b := range res.Bills {
		cust[i], plan[i], cur[i], req[i], out[i], p95[i] = b.Customer, b.Plan, b.Currency, b.Requests, b.BytesOut, b.P95Mbps
		total[i] = parseAmount(b.Total)
		proj[i] = total[i] / elapsed
		unit = currencyUnit(b.Currency) // one price book, one currency
	}
	money := &data.FieldConfig{Unit: unit, Decimals: ptr[uint16](2)}
	f := data.NewFrame("bills "+month.Format("2006-01"),
		data.NewField("customer", nil, cust),
		data.NewField("plan", nil, plan),
		data.NewField("currency", nil, cur),
		data.NewField("requests", nil, req).SetConfig(&data.FieldConfig{Unit: "short"}),
		data.NewField("bytes_out", nil, out).SetConfig(&data.FieldConfig{Unit: "decbytes"}),
		data.NewField("p95_mbps", nil, p95).SetConfig(&data.FieldConfig{Unit: "Mbits"}),
		data.NewField("total", nil, total).SetConfig(money),
		data.NewField("projected_total", nil, proj).SetConfig(money),
	)
	return data.Frames{f}, nil
}

// parseAmount reads a bill's decimal amount for display; "" (a bill
// without a price book) is 0. The exact decimal stays on the bill itself.
func parseAmount(s string) float64 {
	v, _ := strconv.ParseFloat(s, 64)
	return v
}

// currencyUnit is the Grafana unit of an ISO currency code.
func currencyUnit(code string) string {
	switch code {
	case "USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "INR", "BRL", "SEK", "NOK", "DKK", "PLN", "CZK", "RUB", "KRW", "CNY":
		return "currency" + code
	case "":
		return "short"
	}
	return "suffix: " + code
}
