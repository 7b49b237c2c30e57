-- args: 1791626400, 1791628200, "acme"
SELECT kv.1 AS key, kv.2 AS req, toUInt64(0), toUInt64(0)
FROM (
    SELECT sum(status_1xx) AS s1, sum(status_2xx) AS s2, sum(status_3xx) AS s3, sum(status_4xx) AS s4, sum(status_5xx) AS s5
    FROM edgelog.traffic_1m
    WHERE t >= toDateTime(?) AND t < toDateTime(?) AND customer = ?
)
ARRAY JOIN [('1xx', s1), ('2xx', s2), ('3xx', s3), ('4xx', s4), ('5xx', s5)] AS kv
ORDER BY key;

