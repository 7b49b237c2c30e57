-- args: "edgelog", "billing_1d", "billing_5m", "202610"
SELECT table, max(max_block_number), toUInt32(max(modification_time)), count()
FROM system.parts
WHERE active AND database = ? AND table IN (?, ?) AND partition_id = ?
GROUP BY table
ORDER BY table;

-- args: 1790812800, 1793491200
SELECT customer, region, sum(requests), sum(bytes_total), sum(bytes_out) FROM edgelog.billing_1d
WHERE t >= toDateTime(?) AND t < toDateTime(?)
GROUP BY customer, region;

-- args: 446, 447, 446, 447, 1790812800, 1793491200
SELECT customer, if(length(v) > ?, arrayElement(arrayReverseSort(v), ?), 0), if(length(vb) > ?, arrayElement(arrayReverseSort(vb), ?), 0) FROM (
SELECT customer, groupArray(b) AS v, groupArray(bb) AS vb FROM (
    SELECT customer, toStartOfFiveMinute(t) AS slot, sum(bytes_total) AS b, sum(bytes_out) AS bb FROM edgelog.billing_5m
    WHERE t >= toDateTime(?) AND t < toDateTime(?)
    GROUP BY customer, slot)
GROUP BY customer);

-- args: "2026-09"
SELECT customer, version, closed_at, bill FROM edgelog.bill_snapshots WHERE month = ? ORDER BY customer, version;

