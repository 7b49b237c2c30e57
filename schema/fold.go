package schema

import (
	"fmt"
	"strings"
)

// A rollup's measures are either sums, which its SummingMergeTree adds up
// row by row, or aggregate states, which it merges. Folding rows of a finer
// rollup into a coarser one, or drawing rows of weighted requests, only
// needs to know which: both are derived here from the one definition of
// each measure (its Type and Expr), so adding a measure to a rollup adds it
// to the view, the fold and the fill alike.

// bucket returns the function that makes the rollup's time bucket from
// the raw time column (toStartOfHour for toStartOfHour(time)).
func (r Rollup) bucket() string {
	if len(r.Dims) == 0 || r.Dims[0].Name != "t" {
		panic("BUG: rollup " + r.Name + " does not start with its time bucket t")
	}
	fn, ok := strings.CutSuffix(r.Dims[0].Expr, "(time)")
	if !ok || strings.ContainsAny(fn, "() ") {
		panic("BUG: rollup " + r.Name + "'s time bucket " + r.Dims[0].Expr + " is not a function of time")
	}
	return fn
}

// aggregateState splits an AggregateFunction type into its function and
// parameters: "AggregateFunction(quantilesTDigest(0.5, 0.9), UInt32)" is
// quantilesTDigest with "(0.5, 0.9)", "AggregateFunction(uniq, String)" is
// uniq with "". ok is false for any other type.
func aggregateState(typ string) (fn, params string, ok bool) {
	inner, ok := strings.CutPrefix(typ, "AggregateFunction(")
	if !ok {
		return "", "", false
	}
	head, _, _ := cutTopLevel(strings.TrimSuffix(inner, ")"), ',')
	if i := strings.IndexByte(head, '('); i >= 0 {
		return head[:i], head[i:], true
	}
	return head, "", true
}

// cutTopLevel cuts s around the first sep outside parentheses and quotes.
func cutTopLevel(s string, sep byte) (before, after string, found bool) {
	depth, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'' && (i == 0 || s[i-1] != '\\'):
			quoted = !quoted
		case quoted:
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == sep && depth == 0:
			return s[:i], strings.TrimSpace(s[i+1:]), true
		}
	}
	return s, "", false
}

// merge returns the expression that combines a measure's values in rows
// of another rollup: their sum, or their states merged.
func (f Field) merge() string {
	if empty, ok := emptyState(f.Type); ok && f.Expr == empty {
		return f.Expr // retired: nothing to merge (Addition.Until)
	}
	if fn, params, ok := aggregateState(f.Type); ok {
		return fn + "MergeState" + params + "(" + f.Name + ")"
	}
	return "sum(" + f.Name + ")"
}

// FoldsFrom reports whether r's rows can be computed from src's rows: src
// has each of r's dimensions and each of its measures (of the same type),
// its time buckets nest in r's, and neither keeps only heavy hitters
// (their sums are partial).
func (r Rollup) FoldsFrom(src Rollup) bool {
	if r.Name == src.Name || r.KeepTop > 0 || src.KeepTop > 0 || src.Step <= 0 || r.Step%src.Step != 0 {
		return false
	}
	for _, f := range r.Dims[1:] {
		if !slicesHasField(src.Dims[1:], f.Name, "") {
			return false
		}
	}
	for _, f := range r.Measures {
		if !slicesHasField(src.Measures, f.Name, f.Type) {
			return false
		}
	}
	return true
}

func slicesHasField(fs []Field, name, typ string) bool {
	for _, f := range fs {
		if f.Name == name && (typ == "" || f.Type == typ) {
			return true
		}
	}
	return false
}

// Fold returns the INSERT that adds src's rows matching where into r, as
// r's view would have made them from the same requests. src must be one
// r folds from (FoldsFrom).
func (r Rollup) Fold(db string, src Rollup, where string) string {
	if !r.FoldsFrom(src) {
		panic("BUG: rollup " + r.Name + " does not fold from " + src.Name)
	}
	// The bucket gets its own alias: named t, it would replace t in where.
	bucket := r.bucket()
	alias := strings.ToLower(strings.TrimPrefix(bucket, "toStartOf"))
	sel, group := []string{bucket + "(t) AS " + alias}, []string{alias}
	for _, f := range r.Dims[1:] {
		sel = append(sel, f.Name)
		group = append(group, f.Name)
	}
	for _, f := range r.Measures {
		sel = append(sel, f.merge())
	}
	return fmt.Sprintf("INSERT INTO %s.%s (%s)\nSELECT %s\nFROM %s.%s\nWHERE %s\nGROUP BY %s",
		db, r.Name, strings.Join(r.columns(), ", "), strings.Join(sel, ", "), db, src.Name, where, strings.Join(group, ", "))
}

// columns are the rollup's column names in table order.
func (r Rollup) columns() []string {
	var out []string
	for _, f := range append(r.Dims[:len(r.Dims):len(r.Dims)], r.Measures...) {
		out = append(out, f.Name)
	}
	return out
}

// weighted returns the measure's expression over rows that each stand for
// weight requests with the same column values: a count becomes a sum of
// weights, a sum a sum of value times weight. An aggregate state takes each
// row as one value (a sample of the requests it stands for).
func (f Field) weighted(weight string) string {
	if _, _, ok := aggregateState(f.Type); ok {
		return f.Expr
	}
	name, args, ok := strings.Cut(f.Expr, "(")
	if !ok || !strings.HasSuffix(args, ")") {
		panic("BUG: measure " + f.Name + " = " + f.Expr + " is not an aggregate call")
	}
	args = strings.TrimSuffix(args, ")")
	x, cond, _ := cutTopLevel(args, ',')
	switch {
	case name == "count" && args == "":
		return "sum(" + weight + ")"
	case name == "countIf" && args != "":
		return "sumIf(" + weight + ", " + args + ")"
	case name == "sum" && args != "":
		return "sum(" + x + " * " + weight + ")"
	case name == "sumIf" && cond != "":
		return "sumIf(" + x + " * " + weight + ", " + cond + ")"
	}
	panic("BUG: measure " + f.Name + " = " + f.Expr + " has no weighted form: teach Field.weighted its aggregate")
}

// InsertWeighted returns the INSERT that fills r from source (a table or a
// parenthesised subquery with the raw table's columns, or those r's view
// reads), whose rows each stand for the number of requests in its weight
// column: r's own view over those requests, with counts and sums weighted
// (see Field.weighted). It lets a benchmark write rollups at a scale no
// raw-row load could reach without spelling any rollup's columns again.
func (r Rollup) InsertWeighted(db, source, weight string) string {
	return fmt.Sprintf("INSERT INTO %s.%s (%s)\n%s", db, r.Name, strings.Join(r.columns(), ", "),
		r.selectFrom(source, func(f Field) string { return f.weighted(weight) }))
}
