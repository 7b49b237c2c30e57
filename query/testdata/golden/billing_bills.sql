-- args: "edgelog", "billing_1d", "billing_5m", "202610"
SELECT table, name, toUInt32(min_time), toUInt32(max_time)
FROM system.parts
WHERE active AND database = ? AND table IN (?, ?) AND partition_id = ?;

-- args: 1790812800, 1793491200
SELECT customer, region, sum(requests), sum(bytes_total), sum(bytes_out) FROM edgelog.billing_1d
WHERE t >= toDateTime(?) AND t < toDateTime(?)
GROUP BY customer, region;

-- args: 1790812800, 1793491200
SELECT customer, n, tc, arrayReverseSort(tv), arrayReverseSort((d, x) -> (x, d), td, tv), bc, arrayReverseSort(bv), arrayReverseSort((d, x) -> (x, d), bd, bv) FROM (
SELECT customer, n, tc, bc,
    arrayFilter((x, c) -> x >= c, v, arrayResize(emptyArrayUInt64(), n, tc)) AS tv, arrayFilter((d, x, c) -> x >= c, ds, v, arrayResize(emptyArrayUInt64(), n, tc)) AS td,
    arrayFilter((x, c) -> x >= c, vb, arrayResize(emptyArrayUInt64(), n, bc)) AS bv, arrayFilter((d, x, c) -> x >= c, ds, vb, arrayResize(emptyArrayUInt64(), n, bc)) AS bd FROM (
SELECT customer, n, v, vb, ds, if(n > 446, arrayReverseSort(v)[447], 0) AS tc, if(n > 446, arrayReverseSort(vb)[447], 0) AS bc FROM (
SELECT customer, count() AS n, groupArray(b) AS v, groupArray(bb) AS vb, groupArray(d) AS ds FROM (
    SELECT customer, toStartOfFiveMinute(t) AS slot, intDiv(toUInt32(slot), 86400) AS d, sum(bytes_total) AS b, sum(bytes_out) AS bb
    FROM edgelog.billing_5m
    WHERE t >= toDateTime(?) AND t < toDateTime(?)
    GROUP BY customer, slot)
GROUP BY customer)));

-- args: "2026-09"
SELECT customer, version, closed_at, bill FROM edgelog.bill_snapshots WHERE month = ? ORDER BY customer, version;

