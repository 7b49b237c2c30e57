-- args: 1791590400, 1791676800
SELECT kv.1 AS key, kv.2 AS req, toUInt64(0), toUInt64(0)
FROM (
    SELECT sum(cache_hit) AS hit, sum(cache_miss) AS miss, toUInt64(sum(requests) - hit - miss) AS other
    FROM edgelog.traffic_1d
    WHERE t >= toDateTime(?) AND t < toDateTime(?)
)
ARRAY JOIN [('hit', hit), ('miss', miss), ('other', other)] AS kv
ORDER BY key;

