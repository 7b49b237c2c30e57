-- args: 60
SELECT min(m), count(), countIf(length(a) < 2), now() FROM (
SELECT src_stream, src_partition, arrayReverseSort(groupUniqArray(max_time_ms)) AS a,
  bitAnd(max(max_time_ms * 2 + visible_last), 1) AS last_ok,
  if(last_ok = 1 OR length(a) < 2, a[1], a[2]) AS m
FROM edgelog.ingest_watermark
WHERE inserted_at >= now() - ?
GROUP BY src_stream, src_partition);

-- args: 1791558000, 1791644400
SELECT sum(requests), sum(bytes_out) FROM edgelog.traffic_1h WHERE t >= toDateTime(?) AND t < toDateTime(?);

-- args: 1791590400, 1791644400
SELECT t, sum(requests) AS req
FROM edgelog.edge_servers_1m
WHERE t >= toDateTime(?) AND t < toDateTime(?)
GROUP BY t
ORDER BY req DESC, t
LIMIT 1;

-- args: 1791644340, 1791644400
SELECT sum(requests) FROM edgelog.edge_servers_1m WHERE t >= toDateTime(?) AND t < toDateTime(?);

-- args: 1791644100, 1791644400
SELECT uniqExact(server) FROM edgelog.edge_servers_1m WHERE t >= toDateTime(?) AND t < toDateTime(?);

-- args: "edgelog"
SELECT sum(bytes_on_disk) FROM system.parts WHERE database = ? AND active;

-- args: 1791640800, 1791644460
SELECT uniqExact(server) FROM edgelog.clock_skew WHERE t >= toDateTime(?) AND t < toDateTime(?);

-- args: 
SELECT sum(lost) FROM (SELECT max(lost) AS lost FROM edgelog.offset_gaps GROUP BY src_stream, src_partition, from_offset);

-- args: 1791558000, 1791644400
SELECT format, field, reason, sum(n) AS lines FROM (
    SELECT format, field, reason, any(lines) AS n
    FROM edgelog.field_fallbacks
    WHERE time >= toDateTime(?) AND time < toDateTime(?)
    GROUP BY src_stream, src_partition, src_offset, format, field, reason
)
GROUP BY format, field, reason
ORDER BY lines DESC, format, field, reason;

