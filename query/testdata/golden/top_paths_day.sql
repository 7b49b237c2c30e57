-- args: "acme", 1791590400, 1791676800
SELECT topKMerge(1000)(top_paths) FROM edgelog.top_paths_1h
WHERE customer = ? AND t >= toDateTime(?) AND t < toDateTime(?);

