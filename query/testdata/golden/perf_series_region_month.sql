-- args: 86400, 86400, 1790812800, 1793491200, "eu-west"
SELECT intDiv(toUInt32(t), ?) * ? AS bucket, sum(requests), sum(errors_5xx), arrayMap((h, d) -> if(isNaN(h), toFloat64(d), if(h < 1016, exp(h / 1352), exp((h + 8) / 1352)) - 1), quantilesTimingMerge(0.5, 0.9, 0.99)(ttfb_us_h), quantilesTDigestMerge(0.5, 0.9, 0.99)(ttfb_us_q))
FROM edgelog.perf_all_1h
WHERE t >= toDateTime(?) AND t < toDateTime(?) AND region = ?
GROUP BY bucket
ORDER BY bucket;

-- args: 86400, 86400, 1790208000, 1792886400, "eu-west"
SELECT intDiv(toUInt32(t), ?) * ? AS bucket, sum(requests), sum(errors_5xx), arrayMap((h, d) -> if(isNaN(h), toFloat64(d), if(h < 1016, exp(h / 1352), exp((h + 8) / 1352)) - 1), quantilesTimingMerge(0.5, 0.9, 0.99)(ttfb_us_h), quantilesTDigestMerge(0.5, 0.9, 0.99)(ttfb_us_q))
FROM edgelog.perf_all_1h
WHERE t >= toDateTime(?) AND t < toDateTime(?) AND region = ?
GROUP BY bucket
ORDER BY bucket;

