SELECT host AS key, sum(requests) AS req, sum(bytes_out), sum(cache_hit)
FROM edgelog.traffic_1h
WHERE t >= toDateTime(?) AND t < toDateTime(?)
GROUP BY key
ORDER BY req DESC, key
LIMIT ?
