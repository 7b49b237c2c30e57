-- args: 1790812800, 1793491200, "acme"
SELECT customer, region, sum(requests), sum(bytes_out) FROM edgelog.billing_1d
WHERE t >= toDateTime(?) AND t < toDateTime(?) AND customer = ?
GROUP BY customer, region;

-- args: 446, 447, 1790812800, 1793491200, "acme"
SELECT customer, if(length(v) > ?, arrayElement(arrayReverseSort(v), ?), 0) FROM (
SELECT customer, tupleElement(sumMapMerge(samples), 2) AS v FROM edgelog.billing_1d
WHERE t >= toDateTime(?) AND t < toDateTime(?) AND customer = ?
GROUP BY customer);

-- args: "2026-09"
SELECT customer, version, closed_at, bill FROM edgelog.bill_snapshots WHERE month = ? ORDER BY customer, version;

