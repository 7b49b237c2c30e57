-- args: 60
SELECT min(m), count(), countIf(length(a) < 2), now() FROM (
SELECT src_stream, src_partition, arrayReverseSort(groupUniqArray(max_time_ms)) AS a,
  bitAnd(max(max_time_ms * 2 + visible_last), 1) AS last_ok,
  if(last_ok = 1 OR length(a) < 2, a[1], a[2]) AS m
FROM edgelog.ingest_watermark
WHERE inserted_at >= now() - ?
GROUP BY src_stream, src_partition);

-- args: 1791558000, 1791644400, "acme"
SELECT sum(requests), sum(bytes_out) FROM edgelog.traffic_1h WHERE t >= toDateTime(?) AND t < toDateTime(?) AND customer = ?;

-- args: 1791590400, 1791644400, "acme"
SELECT t, sum(requests) AS req
FROM edgelog.traffic_1m
WHERE t >= toDateTime(?) AND t < toDateTime(?) AND customer = ?
GROUP BY t
ORDER BY req DESC, t
LIMIT 1;

-- args: 1791644340, 1791644400, "acme"
SELECT sum(requests) FROM edgelog.traffic_1m WHERE t >= toDateTime(?) AND t < toDateTime(?) AND customer = ?;

-- args: 1791558000, 1791644400, "acme"
SELECT format, field, reason, sum(n) AS lines FROM (
    SELECT format, field, reason, any(lines) AS n
    FROM edgelog.field_fallbacks
    WHERE time >= toDateTime(?) AND time < toDateTime(?) AND customer = ?
    GROUP BY src_stream, src_partition, src_offset, format, field, reason
)
GROUP BY format, field, reason
ORDER BY lines DESC, format, field, reason;

