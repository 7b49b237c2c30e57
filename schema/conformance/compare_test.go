//go:build chdb

package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/edgelog/edgelog/schema"
)

// serverJSON runs sql on the 18.16 server over HTTP in the same format
// chDB answers in.
func serverJSON(sql string) (*jsonCompact, error) {
	u := fmt.Sprintf("http://127.0.0.1:%d/?default_format=JSONCompact", server.HTTPPort)
	resp, err := http.Post(u, "text/plain", strings.NewReader(sql))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s\n%s", resp.Status, strings.TrimSpace(string(b)), sql)
	}
	var out jsonCompact
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("cannot decode 18.16 answer %.200q: %w", b, err)
	}
	return &out, nil
}

// quantileTolerance bounds the relative difference of a quantile (and
// of any Float column) between the engines, at every quantile level of
// schema.Quantiles and in every row. The latency rollups keep histograms
// since schema migration 24 (quantileTiming of a log code, package
// schema, sketch.go), and a histogram's quantile does not depend on the
// order its values were inserted and merged in, so both engines answer
// the same: the tolerance is float rounding. (With t-digests, whose
// answer depends on that order, it was 1% at p50 and p90 and 5% at p99,
// and quantiles of rows of fewer than 1,000 requests were not compared.)
const quantileTolerance = 1e-9

// column says how a column compares.
type column struct {
	name string
	// quantiles: an array of latency quantiles (a Float type on either
	// engine); each element compares within its level's tolerance.
	quantiles bool
	// topK: an approximate top list whose order depends on merge order;
	// compared as a set while it holds every distinct value (shorter than
	// its capacity), not compared once it is truncated.
	topK bool
}

func columnsOf(a, b *jsonCompact) []column {
	out := make([]column, len(a.Meta))
	for j := range a.Meta {
		types := a.Meta[j].Type + b.Meta[j].Type
		out[j] = column{
			name:      a.Meta[j].Name,
			quantiles: strings.Contains(a.Meta[j].Name, "quantile") || strings.Contains(types, "Float"),
			topK:      strings.HasPrefix(a.Meta[j].Name, "topK"),
		}
	}
	return out
}

// sameAnswer compares two answers cell by cell: exact, except quantiles
// and top lists. Rows of a statement without ORDER BY compare in any order.
// It returns the largest relative quantile deviation per level.
func sameAnswer(sql string, a, b *jsonCompact) (map[int]float64, error) {
	worst := map[int]float64{}
	if len(a.Data) != len(b.Data) {
		return worst, fmt.Errorf("%d rows on 18.16, %d on chDB", len(a.Data), len(b.Data))
	}
	if len(a.Meta) != len(b.Meta) {
		return worst, fmt.Errorf("%d columns on 18.16, %d on chDB", len(a.Meta), len(b.Meta))
	}
	cols := columnsOf(a, b)
	if !strings.Contains(sql, "ORDER BY") {
		sortRows(a.Data, cols)
		sortRows(b.Data, cols)
	}
	for i := range a.Data {
		for j, c := range cols {
			if err := sameCell(c, a.Data[i][j], b.Data[i][j], worst); err != nil {
				return worst, fmt.Errorf("row %d column %s (%s / %s): %v", i, c.name, a.Meta[j].Type, b.Meta[j].Type, err)
			}
		}
	}
	return worst, nil
}

// sortRows orders rows by their exact cells, for statements whose order
// ClickHouse leaves open.
func sortRows(rows [][]json.RawMessage, cols []column) {
	key := func(r []json.RawMessage) string {
		var b strings.Builder
		for j, c := range cols {
			if !c.quantiles && !c.topK {
				v, _ := decodeCell(r[j])
				fmt.Fprintf(&b, "%v\x00", v)
			}
		}
		return b.String()
	}
	sort.SliceStable(rows, func(i, j int) bool { return key(rows[i]) < key(rows[j]) })
}

func sameCell(c column, a, b json.RawMessage, worst map[int]float64) error {
	if string(a) == string(b) {
		return nil
	}
	av, err := decodeCell(a)
	if err != nil {
		return err
	}
	bv, err := decodeCell(b)
	if err != nil {
		return err
	}
	switch {
	case c.topK:
		if full(av) || full(bv) {
			return nil
		}
		if topKMergeDefect(av, bv) {
			knownDefects[topKDefect]++
			return nil
		}
		return sameSet(av, bv)
	case c.quantiles:
		return sameQuantiles(av, bv, worst)
	}
	if fmt.Sprint(av) != fmt.Sprint(bv) {
		return fmt.Errorf("%v != %v", av, bv)
	}
	return nil
}

func sameSet(a, b any) error {
	as, ok1 := a.([]any)
	bs, ok2 := b.([]any)
	if !ok1 || !ok2 {
		return fmt.Errorf("%v != %v", a, b)
	}
	set := map[string]int{}
	for _, v := range as {
		set[fmt.Sprint(v)]++
	}
	for _, v := range bs {
		set[fmt.Sprint(v)]--
	}
	for v, n := range set {
		if n != 0 {
			return fmt.Errorf("top lists of %d and %d entries hold different entries (%q: %+d); first entries %v / %v", len(as), len(bs), v, n, head(as), head(bs))
		}
	}
	return nil
}

// topKDefect is a known ClickHouse 18.16 defect: topKMerge(N) of
// topKState(N) states ignores N and answers 10 entries, and not the most
// frequent ones (checked against count() GROUP BY path on the raw rows of
// the conformance data: the true top path is missing from 18.16's ten).
// The modern engine answers the full list. The test counts and reports the
// defect while 18.16 shows it; once it answers like the modern engine the
// sets are compared again.
const topKDefect = "18.16 topKMerge(N) answers 10 entries that are not the top ones"

var knownDefects = map[string]int{}

func topKMergeDefect(old, modern any) bool {
	o, ok1 := old.([]any)
	m, ok2 := modern.([]any)
	return ok1 && ok2 && len(o) == 10 && len(m) > 10
}

// full reports whether a top list reached its capacity: its entries are
// then each engine's approximation.
func full(v any) bool {
	l, ok := v.([]any)
	return ok && len(l) >= schema.TopPathsKept
}

func head(v []any) []any { return v[:min(len(v), 5)] }

func sameQuantiles(a, b any, worst map[int]float64) error {
	as, ok1 := a.([]any)
	bs, ok2 := b.([]any)
	if !ok1 || !ok2 || len(as) != len(bs) {
		as, bs = []any{a}, []any{b}
	}
	for i := range as {
		an, ok1 := as[i].(json.Number)
		bn, ok2 := bs[i].(json.Number)
		af, err1 := an.Float64()
		bf, err2 := bn.Float64()
		if !ok1 || !ok2 || err1 != nil || err2 != nil {
			return fmt.Errorf("%v != %v", a, b)
		}
		d := math.Abs(af-bf) / math.Max(math.Max(math.Abs(af), math.Abs(bf)), 1)
		worst[i] = max(worst[i], d)
		if d > quantileTolerance {
			return fmt.Errorf("quantile %d: %v != %v (relative %.3g, tolerance %.3g)", i, af, bf, d, quantileTolerance)
		}
	}
	return nil
}

// decodeCell decodes a JSON cell keeping numbers as text. 64-bit integers
// are quoted by 18.16 and bare on 26.x (output_format_json_quote_64bit_integers
// changed its default), so a quoted integer becomes a number too.
func decodeCell(raw json.RawMessage) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return numbersIn(v), nil
}

func numbersIn(v any) any {
	switch v := v.(type) {
	case string:
		if _, err := strconv.ParseInt(v, 10, 64); err == nil {
			return json.Number(v)
		}
		if _, err := strconv.ParseUint(v, 10, 64); err == nil {
			return json.Number(v)
		}
	case []any:
		for i := range v {
			v[i] = numbersIn(v[i])
		}
	}
	return v
}
