package schema

import "fmt"

// Bytes (migration 10): the raw table keeps bytes_total, every byte the
// edge wrote to the client, beside bytes_sent (body bytes); the traffic
// and billing rollups sum it, and the traffic rollups split body bytes by
// cache outcome and status class (the measures in Added).
//
// History: raw rows and rollup rows written before the migration read
// bytes_total as their body bytes (a DEFAULT over bytes_sent, bytes_out),
// since no older row kept another figure. The split bytes have no history:
// their columns read 0 in older rows, and split_requests (SplitRequests)
// tells the readers (the query API, schema verify) which rows have them.

// bytesMigration adds bytes_total to the raw table and the Added measures
// to the rollups of withBytesSplit, and replaces those rollups' views (18.16
// cannot alter a view's query): INSERTs between a view's drop and its
// creation miss that rollup, so migrate with ingest stopped, as for
// migrations 8 and 9 (Kafka keeps what arrives meanwhile; `edgelog schema
// verify` shows any difference).
func bytesMigration(db string, d Dialect) []string {
	var raw Column
	for _, c := range rawColumns {
		if c.Name == "bytes_total" {
			raw = c
		}
	}
	if raw.Since != 10 {
		panic("BUG: raw column bytes_total is not migration 10's")
	}
	var s []string
	for _, r := range withBytesSplit {
		s = append(s, dropTable(db, r.Name+"_mv", d))
	}
	s = append(s, addColumn(db, RawTable, "bytes_total", columnDef(raw, d), "bytes_sent", d))
	s = append(s, redistribute(db, RawTable, d)...)
	for _, r := range withBytesSplit {
		s = append(s, addMeasures(db, r, 10, d)...)
		s = append(s, r.asOf(10).createView(db, d))
	}
	return s
}

// addMeasures returns the ALTERs that add to r's table the measures
// migration v added (Added), each with its Default for older rows, then
// the Distributed table in front made again on a cluster (redistribute).
func addMeasures(db string, r Rollup, v int, d Dialect) []string {
	var s []string
	for _, m := range r.asOf(v).Measures {
		if m.Since() != v {
			continue
		}
		def := typeIn(m.Type, d)
		if x := Added[m.Name].Default; x != "" {
			def += " DEFAULT " + x
		}
		s = append(s, addColumn(db, r.Name, m.Name, def, "", d))
	}
	if len(s) == 0 {
		panic(fmt.Sprintf("BUG: rollup %s has no measure of migration %d", r.Name, v))
	}
	return append(s, redistribute(db, r.Name, d)...)
}

// addColumn adds a column to a table (after the column after, or last).
func addColumn(db, table, name, def, after string, d Dialect) string {
	// 18.16 has no IF NOT EXISTS here: the migrator takes "already exists"
	// for done (columnExisted).
	ifNot := ""
	if d.Modern {
		ifNot = "IF NOT EXISTS "
	}
	alter := fmt.Sprintf("%s ADD COLUMN %s%s %s", alterData(db, table, d), ifNot, name, def)
	if after != "" {
		alter += " AFTER " + after
	}
	return alter
}

// redistribute creates the Distributed table in front of an altered table
// again on a cluster (see streamsMigration for why); nothing otherwise.
func redistribute(db, table string, d Dialect) []string {
	if d.Cluster == "" {
		return nil
	}
	return []string{dropTable(db, table, d), distributed(db, table, d)}
}

// addressListMigration adds x_forwarded_for, the client's address list, to
// the raw table after referer. No view reads it, so ingest may run.
func addressListMigration(db string, d Dialect) []string {
	for _, c := range rawColumns {
		if c.Name == "x_forwarded_for" {
			if c.Since != 14 {
				panic("BUG: raw column x_forwarded_for is not migration 14's")
			}
			return append([]string{addColumn(db, RawTable, c.Name, columnDef(c, d), "referer", d)}, redistribute(db, RawTable, d)...)
		}
	}
	panic("BUG: no raw column x_forwarded_for")
}
