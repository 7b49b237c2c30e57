-- args: 300, 300, 1791590400, 1791676800, "acme", "bom1"
SELECT intDiv(toUInt32(t), ?) * ? AS bucket, sum(requests), sum(errors_5xx), arrayMap((h, d) -> if(isNaN(h), toFloat64(d), if(h < 1016, exp(h / 1352), exp((h + 8) / 1352)) - 1), quantilesTimingMerge(0.5, 0.9, 0.99)(request_time_us_h), quantilesTDigestMerge(0.5, 0.9, 0.99)(request_time_us_q))
FROM edgelog.perf_1m
WHERE t >= toDateTime(?) AND t < toDateTime(?) AND customer = ? AND pop = ?
GROUP BY bucket
ORDER BY bucket;

-- args: 300, 300, 1790985600, 1791072000, "acme", "bom1"
SELECT intDiv(toUInt32(t), ?) * ? AS bucket, sum(requests), sum(errors_5xx), arrayMap((h, d) -> if(isNaN(h), toFloat64(d), if(h < 1016, exp(h / 1352), exp((h + 8) / 1352)) - 1), quantilesTimingMerge(0.5, 0.9, 0.99)(request_time_us_h), quantilesTDigestMerge(0.5, 0.9, 0.99)(request_time_us_q))
FROM edgelog.perf_1m
WHERE t >= toDateTime(?) AND t < toDateTime(?) AND customer = ? AND pop = ?
GROUP BY bucket
ORDER BY bucket;

