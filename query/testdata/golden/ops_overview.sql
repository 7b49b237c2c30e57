-- args: 86400
SELECT minIf(m, length(t) > 0), countIf(length(t) > 0), countIf(length(t) = 1 OR (length(t) = 0 AND c > 0 AND bitAnd(c, 1) = 0)), now(),
  groupArrayIf(concat(src_stream, '#', toString(src_partition)), length(t) > 0 OR (c > 0 AND bitAnd(c, 1) = 0)) FROM (
SELECT src_stream, src_partition, arrayFilter(x -> x > 0, arrayReverseSort(groupUniqArray(max_time_ms))) AS t,
  bitAnd(max(max_time_ms * 2 + visible_last), 1) AS last_ok,
  if(last_ok = 1 OR length(t) < 2, t[1], t[2]) AS m,
  maxIf(rows, max_time_ms = 0) AS c
FROM edgelog.ingest_watermark
WHERE inserted_at >= now() - ?
GROUP BY src_stream, src_partition);

-- args: 86400
SELECT max(max_time_ms) FROM edgelog.ingest_watermark WHERE inserted_at < now() - ? AND max_time_ms > 0;

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

-- args: 
SELECT toUInt64(sum(raw_rows) + sum(feed_requests)) FROM edgelog.partial_inserts;

-- args: 1791558000, 1791644400
SELECT format, field, reason, sum(n) AS lines FROM (
    SELECT format, field, reason, any(lines) AS n
    FROM edgelog.field_fallbacks
    WHERE time >= toDateTime(?) AND time < toDateTime(?)
    GROUP BY src_stream, src_partition, src_offset, format, field, reason
)
GROUP BY format, field, reason
ORDER BY lines DESC, format, field, reason;

