package schema

import "fmt"

// FallbacksTable counts, per Kafka message, the rows the collector kept
// although a field of their line could not be read as the format says
// (issue 21's fallbacks: an address list, a missing referer, an extra
// field), per log family, field and reason. The collector sends them in a
// Kafka header (internal/fallbacks), ingest writes them just before the
// message's rows, and the operations overview sums them over its window.
//
// Ingest writes only the messages whose rows it inserts (a message the
// ledgers skip writes nothing), but it may write a message's counts twice:
// an INSERT of the rows that failed and is retried writes them again. So a
// row is keyed by its message (src_stream, src_partition, src_offset) and
// readers count each message once: see FallbacksSumSQL.
//
// The table is small (one row per field and reason of a message that had
// any) and held in full by every server of a cluster (engineEverywhere),
// so ingest writes it by its plain name. Its time is the latest request
// time of the message's rows; it is partitioned by day for retention.
const FallbacksTable = "field_fallbacks"

func createFallbacks(db string, d Dialect) []string {
	return []string{fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s.%s%s (
    time DateTime,
    customer String,
    format String,
    field String,
    reason String,
    lines UInt64,
    src_stream String,
    src_partition UInt16,
    src_offset UInt64
) ENGINE = %s
PARTITION BY toYYYYMMDD(time)
ORDER BY (time, src_stream, src_partition, src_offset, field, reason)`, db, FallbacksTable, onCluster(d), engineEverywhere(d, db, FallbacksTable))}
}

// FallbacksSumSQL sums the fallbacks of db over time [?, ?) (two DateTime
// parameters, then one more for the customer when scoped), per format,
// field and reason, counting each message once however often it was
// written.
func FallbacksSumSQL(db string, scoped bool) string {
	filter := ""
	if scoped {
		filter = " AND customer = ?"
	}
	return fmt.Sprintf(`SELECT format, field, reason, sum(n) AS lines FROM (
    SELECT format, field, reason, any(lines) AS n
    FROM %s.%s
    WHERE time >= toDateTime(?) AND time < toDateTime(?)%s
    GROUP BY src_stream, src_partition, src_offset, format, field, reason
)
GROUP BY format, field, reason
ORDER BY lines DESC, format, field, reason`, db, FallbacksTable, filter)
}
