-- args: 1791590400, 1791676800, 20
SELECT host AS key, sum(requests) AS req, sum(bytes_out), toUInt8(1), sum(cache_hit), sum(bytes_hit), toUInt8(1), sum(bytes_total), toUInt8(1)
FROM edgelog.traffic_1d
WHERE t >= toDateTime(?) AND t < toDateTime(?)
GROUP BY key
ORDER BY req DESC, key
LIMIT ?;

-- args: 1791590400, 1791676800
SELECT sum(requests) FROM edgelog.traffic_1d WHERE t >= toDateTime(?) AND t < toDateTime(?);

