-- args: 3600, 3600, "acme", 1790812800, 1793491200
SELECT
    intDiv(toUInt32(t), ?) * ? AS bucket,
    sum(requests), sum(bytes_out), sum(bytes_in), sum(cache_hit), sum(status_5xx)
FROM edgelog.traffic_1h
WHERE customer = ? AND t >= toDateTime(?) AND t < toDateTime(?)
GROUP BY bucket
ORDER BY bucket;

