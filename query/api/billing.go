package api

// Bill answers GET /billing/bill: one customer's usage and charges for one
// calendar month (UTC). A closed month's bill is stored in this form too
// (bill_snapshots.bill).
type Bill struct {
	Customer string `json:"customer"`
	Month    string `json:"month"` // 2026-10
	Plan     string `json:"plan,omitempty"`
	Currency string `json:"currency,omitempty"`

	Requests uint64 `json:"requests"`
	// BillableBytes is what BytesOut, ByRegion and P95Mbps count, as the
	// price book chose: "total", every byte the edge wrote (the log's
	// total where it has one, else its body bytes), or "body". Absent in
	// bills closed before it existed, which counted body bytes.
	BillableBytes string            `json:"billable_bytes,omitempty"`
	BytesOut      uint64            `json:"bytes_out"` // billed bytes
	ByRegion      map[string]uint64 `json:"bytes_out_by_region"`
	// BytesTotal and BytesBody are the month's total and body bytes,
	// whichever is billed; absent in bills closed before they existed.
	BytesTotal *uint64 `json:"bytes_total,omitempty"`
	BytesBody  *uint64 `json:"bytes_body,omitempty"`
	// P95Mbps is the 95th-percentile bandwidth: the month's 5-minute
	// samples (every slot, idle ones as 0) sorted, the top 5% dropped, the
	// highest remaining one, in megabits per second.
	P95Mbps float64 `json:"p95_mbps"`
	Samples int     `json:"samples"`

	Lines []BillLine `json:"lines"`
	Total string     `json:"total,omitempty"` // sum of the lines, decimal
}

// BillLine is one invoice line: quantity x unit price = amount (rounded to
// the cent).
type BillLine struct {
	Item      string `json:"item"` // "bandwidth", "requests", "p95_bandwidth", "adjustment"
	Region    string `json:"region,omitempty"`
	Tier      string `json:"tier,omitempty"`
	Quantity  string `json:"quantity"` // decimal, in Unit
	Unit      string `json:"unit"`
	UnitPrice string `json:"unit_price"`
	Amount    string `json:"amount"`
}

// Bills answers GET /billing/bills: every customer's bill of a month. The
// fields are in the order the answer has always had (a map's sorted keys).
type Bills struct {
	Bills []Bill `json:"bills"`
	Month string `json:"month"` // 2026-10
}
