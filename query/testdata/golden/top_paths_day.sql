-- args: "acme", 1791590400, 1791676800, 20
SELECT path, sum(requests) AS n, sum(bytes_out) FROM edgelog.path_hits_1h
WHERE customer = ? AND t >= toDateTime(?) AND t < toDateTime(?)
GROUP BY path
ORDER BY n DESC, path
LIMIT ?;

