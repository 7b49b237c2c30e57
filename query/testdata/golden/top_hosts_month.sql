-- args: 1790812800, 1793491200, "acme", 20
SELECT host AS key, sum(requests) AS req, sum(bytes_out), toUInt8(1), sum(cache_hit), sum(bytes_hit), toUInt8(1), sum(bytes_total), toUInt8(1)
FROM edgelog.traffic_1d
WHERE t >= toDateTime(?) AND t < toDateTime(?) AND customer = ?
GROUP BY key
ORDER BY req DESC, key
LIMIT ?;

-- args: 1790812800, 1793491200, "acme"
SELECT sum(requests) FROM edgelog.traffic_1d WHERE t >= toDateTime(?) AND t < toDateTime(?) AND customer = ?;

