package rollupfill

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/edgelog/edgelog/schema"
)

// requests returns the generated requests of minutes [m0, m1) of day: a
// query of the raw table's columns the world draws and a weight, the
// number of requests each row stands for (rawShaped adds the others). Each combo's minute is cut into s.Samples
// rows of equal weight (to the request), each with its own status, cache
// status, edge server, network, path and latency drawn from a hash, so
// every rollup's view, run over these rows with its counts weighted
// (schema.Rollup.InsertWeighted), writes what it would have written from
// the requests themselves. Columns the world does not draw hold their
// type's default. The same arguments give the same rows, so rollups drawn
// by separate statements agree exactly.
//
// A combo's minute has its share of the day's requests along its region's
// diurnal curve (a cosine peaking at 20:00 local, trough at a tenth of the
// peak, mean 1 after dividing by 0.55), with ±10% noise per minute.
// Latency is an exponential tail over a floor of 40% of the combo's mean,
// the shape of CDN request times; time to first byte is 40% of it. Paths
// fall along a Zipf curve (the k-th most requested gets about 1/k of the
// first); a customer's hosts share some paths.
func (f *filler) requests(day time.Time, m0, m1 int) string {
	s := f.s
	k := max(1, s.Samples)
	d := uint32(day.Unix()) // #nosec G115 -- generated days within DateTime's range
	// One uniform draw per row and purpose n.
	u := func(n, mod int) string { return fmt.Sprintf("(cityHash64(id, m, k, %d) %% %d)", n, mod) }
	slow := "1"
	if s.SlowPoP != "" {
		slow = fmt.Sprintf("if(pop = %s AND sec >= %d AND sec < %d, %g, 1)", quote(s.SlowPoP), s.SlowFrom.Unix(), s.SlowTo.Unix(), s.SlowFactor)
	}
	drawn := map[string]string{ // keep drawnColumns in step
		"time":     "toDateTime(sec, 'UTC')",
		"customer": "customer", "host": "host", "region": "region", "pop": "pop", "country": "country",
		"server":          fmt.Sprintf("concat(pop, '-', toString((slot * %d + k) %% %d))", k, max(1, s.ServersPerPoP)),
		"asn":             fmt.Sprintf("asns[1 + (%[1]s >= 60) + (%[1]s >= 90)]", u(2, 100)),
		"path":            fmt.Sprintf("concat('/assets/', toString(toUInt32(floor(pow(%d, %s / 1000000))) - 1 + (cityHash64(host) %% 3) * 50), '.js')", max(1, s.PathsPerHost)+1, u(3, 1000000)),
		"status":          fmt.Sprintf("toUInt16(multiIf(%[1]s < 500, 304, %[1]s < 700, 404, %[1]s < 700 + err5 * 10000, 503, 200))", u(4, 10000)),
		"cache_status":    fmt.Sprintf("multiIf(%[1]s < hit * 10000, 'HIT', %[1]s < (hit + (1 - hit) * 0.95) * 10000, 'MISS', 'BYPASS')", u(5, 10000)),
		"bytes_sent":      "toUInt64(bytes_per_req)",
		"bytes_total":     "bytes_sent + 250", // headers of about 250 bytes, as nginx's $bytes_sent adds
		"bytes_received":  "toUInt64(420)",
		"request_time_us": fmt.Sprintf("toUInt32(latency_ms * 1000 * %s * (0.4 + 0.6 * -log(1 - (%s + 0.5) / 100000)))", slow, u(6, 100000)),
		"ttfb_us":         "toUInt32(request_time_us * 0.4)",
	}
	var cols []string
	for _, c := range schema.RawColumns(schema.Dialect{}) {
		if e, ok := drawn[c.Name]; ok {
			cols = append(cols, e+" AS "+c.Name)
		}
	}
	return fmt.Sprintf(`SELECT %s,
        intDiv(r, %[2]d) + (k < r %% %[2]d) AS weight
    FROM (
        SELECT *, intDiv(i, %[2]d) + %[3]d AS m, i %% %[2]d AS k, %[4]d + m * 60 + intDiv(k * 60, %[2]d) AS sec,
            toUInt64(round(share * %[5]g * (0.55 + 0.45 * cos(2 * pi() * (m / 1440 - phase))) / 0.55
                * (0.9 + 0.2 * (cityHash64(id, %[4]d, m) %% 1000) / 999))) AS r
        FROM {db}.fill_combos
        ARRAY JOIN range(%[6]d) AS i
    )
    WHERE weight > 0`, strings.Join(cols, ",\n        "), k, m0, d, s.RequestsPerDay/1440, (m1-m0)*k)
}

// drawnColumns are the raw columns requests draws.
var drawnColumns = []string{"time", "customer", "host", "region", "pop", "country", "server", "asn", "path",
	"status", "cache_status", "bytes_sent", "bytes_total", "bytes_received", "request_time_us", "ttfb_us"}

// rawShaped returns a subquery of table's rows (written from requests)
// with every column of the raw table: those the world does not draw hold
// their type's default, which costs nothing to store.
func (f *filler) rawShaped(table string) string {
	cols := []string{"weight"}
	for _, c := range schema.RawColumns(schema.Dialect{}) {
		if slices.Contains(drawnColumns, c.Name) {
			cols = append(cols, c.Name)
		} else {
			cols = append(cols, zero(c.Type)+" AS "+c.Name)
		}
	}
	return "(SELECT " + strings.Join(cols, ", ") + " FROM " + table + ")"
}

// zero is the default value of a raw column's type.
func zero(typ string) string {
	if strings.HasPrefix(typ, "String") || strings.HasPrefix(typ, "FixedString") {
		return "CAST('' AS " + typ + ")"
	}
	return "CAST(0 AS " + typ + ")"
}

func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
