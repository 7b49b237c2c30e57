-- args: 1790812800, 1793491200
SELECT customer, region, sum(requests), sum(bytes_out) FROM edgelog.billing_5m
WHERE t >= toDateTime(?) AND t < toDateTime(?)
GROUP BY customer, region;

-- args: 1790812800, 1793491200
SELECT customer, toUInt32(toStartOfFiveMinute(t)) AS slot, sum(bytes_out) FROM edgelog.billing_5m
WHERE t >= toDateTime(?) AND t < toDateTime(?)
GROUP BY customer, slot;

-- args: "2026-09"
SELECT customer, version, closed_at, bill FROM edgelog.bill_snapshots WHERE month = ? ORDER BY customer, version;

