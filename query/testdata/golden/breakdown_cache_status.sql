-- args: 1791590400, 1791676800
SELECT kv.1 AS key, kv.2 AS req, kv.3, kv.4, kv.5, kv.6, toUInt8(1), toUInt64(0), toUInt8(0)
FROM (
    SELECT sum(cache_hit) AS hit, sum(cache_miss) AS miss, toUInt64(sum(requests) - hit - miss) AS other,
        sum(bytes_hit) AS bhit, sum(bytes_miss) AS bmiss, toUInt64(sum(bytes_out) - bhit - bmiss) AS bother,
        toUInt8(sum(split_requests) = sum(requests)) AS split
    FROM edgelog.traffic_1d
    WHERE t >= toDateTime(?) AND t < toDateTime(?)
)
ARRAY JOIN [('hit', hit, bhit, toUInt8(1), hit, bhit), ('miss', miss, bmiss, split, toUInt64(0), toUInt64(0)), ('other', other, bother, split, toUInt64(0), toUInt64(0))] AS kv
ORDER BY key;

