-- args: 1791626400, 1791628200, "acme"
SELECT kv.1 AS key, kv.2 AS req, kv.3, toUInt8(split = n), toUInt64(0), toUInt64(0), toUInt8(0), toUInt64(0), toUInt8(0)
FROM (
    SELECT sum(status_1xx) AS s1, sum(status_2xx) AS s2, sum(status_3xx) AS s3, sum(status_4xx) AS s4, sum(status_5xx) AS s5,
        sum(bytes_1xx) AS b1, sum(bytes_2xx) AS b2, sum(bytes_3xx) AS b3, sum(bytes_4xx) AS b4, sum(bytes_5xx) AS b5,
        sum(requests) AS n, sum(split_requests) AS split
    FROM edgelog.traffic_1m
    WHERE t >= toDateTime(?) AND t < toDateTime(?) AND customer = ?
)
ARRAY JOIN [('1xx', s1, b1), ('2xx', s2, b2), ('3xx', s3, b3), ('4xx', s4, b4), ('5xx', s5, b5)] AS kv
ORDER BY key;

