-- args: 1790812800, 1793491200
SELECT customer, sum(requests) AS req, sum(bytes_out), sum(cache_hit), sum(bytes_total), sum(bytes_hit)
FROM edgelog.traffic_1d
WHERE t >= toDateTime(?) AND t < toDateTime(?)
GROUP BY customer
ORDER BY req DESC, customer;

