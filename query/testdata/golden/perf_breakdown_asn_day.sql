-- args: 1791590400, 1791676800
SELECT toString(asn) AS key, sum(requests) AS req, sum(errors_4xx), sum(errors_5xx), arrayMap((h, d) -> if(isNaN(h), toFloat64(d), if(h < 1016, exp(h / 1352), exp((h + 8) / 1352)) - 1), quantilesTimingMerge(0.5, 0.9, 0.99)(ttfb_us_h), quantilesTDigestMerge(0.5, 0.9, 0.99)(ttfb_us_q))
FROM edgelog.perf_geo_all_1d
WHERE t >= toDateTime(?) AND t < toDateTime(?)
GROUP BY key
ORDER BY req DESC, key
LIMIT 1000;

-- args: 1790985600, 1791072000
SELECT toString(asn) AS key, sum(requests) AS req, sum(errors_4xx), sum(errors_5xx), arrayMap((h, d) -> if(isNaN(h), toFloat64(d), if(h < 1016, exp(h / 1352), exp((h + 8) / 1352)) - 1), quantilesTimingMerge(0.5, 0.9, 0.99)(ttfb_us_h), quantilesTDigestMerge(0.5, 0.9, 0.99)(ttfb_us_q))
FROM edgelog.perf_geo_all_1d
WHERE t >= toDateTime(?) AND t < toDateTime(?)
GROUP BY key
ORDER BY req DESC, key
LIMIT 1000;

