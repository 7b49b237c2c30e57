-- args: 300, 300, 1791590400, 1791676800
SELECT
    intDiv(toUInt32(t), ?) * ? AS bucket,
    sum(requests), sum(bytes_out), sum(bytes_in), sum(cache_hit), sum(status_5xx), sum(bytes_hit), sum(bytes_total)
FROM edgelog.traffic_1m
WHERE t >= toDateTime(?) AND t < toDateTime(?)
GROUP BY bucket
ORDER BY bucket;

