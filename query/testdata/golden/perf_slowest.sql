-- args: 1791641700, 1791642600
SELECT region, pop, sum(requests), arrayMap((h, d) -> if(isNaN(h), toFloat64(d), if(h < 1016, exp(h / 1352), exp((h + 8) / 1352)) - 1), quantilesTimingMerge(0.5, 0.9, 0.99)(request_time_us_h), quantilesTDigestMerge(0.5, 0.9, 0.99)(request_time_us_q))
FROM edgelog.perf_all_1m
WHERE t >= toDateTime(?) AND t < toDateTime(?)
GROUP BY region, pop;

-- args: 1791630900, 1791641700
SELECT region, pop, sum(requests), arrayMap((h, d) -> if(isNaN(h), toFloat64(d), if(h < 1016, exp(h / 1352), exp((h + 8) / 1352)) - 1), quantilesTimingMerge(0.5, 0.9, 0.99)(request_time_us_h), quantilesTDigestMerge(0.5, 0.9, 0.99)(request_time_us_q))
FROM edgelog.perf_all_1m
WHERE t >= toDateTime(?) AND t < toDateTime(?)
GROUP BY region, pop;

