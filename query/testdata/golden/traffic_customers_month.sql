-- args: 1790812800, 1793491200
SELECT DISTINCT customer FROM edgelog.traffic_1d WHERE t >= toDateTime(?) AND t < toDateTime(?) ORDER BY customer LIMIT 1000;

