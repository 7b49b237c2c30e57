-- migration 1: raw requests table
CREATE TABLE IF NOT EXISTS edgelog.requests (
    time DateTime('UTC'),
    time_ms UInt16,
    customer String,
    host String,
    pop String,
    region String,
    server String,
    client_ip FixedString(16),
    country String,
    asn UInt32,
    method String,
    scheme String,
    protocol String,
    path String,
    status UInt16,
    bytes_sent UInt64,
    bytes_received UInt64,
    request_time_us UInt32,
    ttfb_us UInt32,
    cache_status String,
    content_type String,
    user_agent String,
    referer String,
    src_partition UInt16,
    src_offset UInt64,
    src_file String,
    src_file_end UInt64,
    src_seq UInt32
) ENGINE = MergeTree
PARTITION BY toYYYYMMDD(time)
ORDER BY (customer, time);

-- migration 2: ingest offsets ledger and collector source ledger
CREATE TABLE IF NOT EXISTS edgelog.ingest_ledger (
    src_partition UInt16,
    min_offset UInt64,
    max_offset UInt64,
    rows UInt64,
    inserted_at DateTime DEFAULT now()
) ENGINE = MergeTree
ORDER BY (src_partition, max_offset);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.ingest_ledger_mv TO edgelog.ingest_ledger AS
SELECT src_partition, min(src_offset) AS min_offset, max(src_offset) AS max_offset, count() AS rows, now() AS inserted_at
FROM edgelog.requests
GROUP BY src_partition;

CREATE TABLE IF NOT EXISTS edgelog.source_ledger (
    src_file String,
    src_partition UInt16,
    batch_end UInt64,
    seq UInt32,
    rows UInt64,
    inserted_at DateTime DEFAULT now()
) ENGINE = MergeTree
ORDER BY (src_partition, src_file, batch_end, seq);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.source_ledger_mv TO edgelog.source_ledger AS
SELECT src_file, src_partition, any(src_file_end) AS batch_end, any(src_seq) AS seq, count() AS rows, now() AS inserted_at
FROM edgelog.requests
WHERE src_file != ''
GROUP BY src_file, src_partition, src_file_end, src_seq;

-- migration 3: traffic, billing and performance rollups
CREATE TABLE IF NOT EXISTS edgelog.traffic_1m (
    t DateTime('UTC'),
    customer String,
    host String,
    region String,
    pop String,
    country String,
    requests UInt64,
    bytes_out UInt64,
    bytes_in UInt64,
    cache_hit UInt64,
    cache_miss UInt64,
    bytes_hit UInt64,
    status_1xx UInt64,
    status_2xx UInt64,
    status_3xx UInt64,
    status_4xx UInt64,
    status_5xx UInt64,
    request_time_us_sum UInt64
) ENGINE = SummingMergeTree
PARTITION BY toYYYYMMDD(t)
ORDER BY (customer, t, host, region, pop, country);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.traffic_1m_mv TO edgelog.traffic_1m AS
SELECT
    toStartOfMinute(time) AS t,
    customer AS customer,
    host AS host,
    region AS region,
    pop AS pop,
    country AS country,
    count() AS requests,
    sum(bytes_sent) AS bytes_out,
    sum(bytes_received) AS bytes_in,
    countIf(cache_status IN ('HIT', 'STALE', 'UPDATING', 'REVALIDATED')) AS cache_hit,
    countIf(cache_status IN ('MISS', 'EXPIRED')) AS cache_miss,
    sumIf(bytes_sent, cache_status IN ('HIT', 'STALE', 'UPDATING', 'REVALIDATED')) AS bytes_hit,
    countIf(status < 200) AS status_1xx,
    countIf(status >= 200 AND status < 300) AS status_2xx,
    countIf(status >= 300 AND status < 400) AS status_3xx,
    countIf(status >= 400 AND status < 500) AS status_4xx,
    countIf(status >= 500) AS status_5xx,
    sum(toUInt64(request_time_us)) AS request_time_us_sum
FROM edgelog.requests
GROUP BY t, customer, host, region, pop, country;

CREATE TABLE IF NOT EXISTS edgelog.traffic_1h (
    t DateTime('UTC'),
    customer String,
    host String,
    region String,
    pop String,
    country String,
    requests UInt64,
    bytes_out UInt64,
    bytes_in UInt64,
    cache_hit UInt64,
    cache_miss UInt64,
    bytes_hit UInt64,
    status_1xx UInt64,
    status_2xx UInt64,
    status_3xx UInt64,
    status_4xx UInt64,
    status_5xx UInt64,
    request_time_us_sum UInt64
) ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(t)
ORDER BY (customer, t, host, region, pop, country);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.traffic_1h_mv TO edgelog.traffic_1h AS
SELECT
    toStartOfHour(time) AS t,
    customer AS customer,
    host AS host,
    region AS region,
    pop AS pop,
    country AS country,
    count() AS requests,
    sum(bytes_sent) AS bytes_out,
    sum(bytes_received) AS bytes_in,
    countIf(cache_status IN ('HIT', 'STALE', 'UPDATING', 'REVALIDATED')) AS cache_hit,
    countIf(cache_status IN ('MISS', 'EXPIRED')) AS cache_miss,
    sumIf(bytes_sent, cache_status IN ('HIT', 'STALE', 'UPDATING', 'REVALIDATED')) AS bytes_hit,
    countIf(status < 200) AS status_1xx,
    countIf(status >= 200 AND status < 300) AS status_2xx,
    countIf(status >= 300 AND status < 400) AS status_3xx,
    countIf(status >= 400 AND status < 500) AS status_4xx,
    countIf(status >= 500) AS status_5xx,
    sum(toUInt64(request_time_us)) AS request_time_us_sum
FROM edgelog.requests
GROUP BY t, customer, host, region, pop, country;

CREATE TABLE IF NOT EXISTS edgelog.traffic_1d (
    t DateTime('UTC'),
    customer String,
    host String,
    region String,
    pop String,
    country String,
    requests UInt64,
    bytes_out UInt64,
    bytes_in UInt64,
    cache_hit UInt64,
    cache_miss UInt64,
    bytes_hit UInt64,
    status_1xx UInt64,
    status_2xx UInt64,
    status_3xx UInt64,
    status_4xx UInt64,
    status_5xx UInt64,
    request_time_us_sum UInt64
) ENGINE = SummingMergeTree
PARTITION BY toYear(t)
ORDER BY (customer, t, host, region, pop, country);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.traffic_1d_mv TO edgelog.traffic_1d AS
SELECT
    toStartOfDay(time) AS t,
    customer AS customer,
    host AS host,
    region AS region,
    pop AS pop,
    country AS country,
    count() AS requests,
    sum(bytes_sent) AS bytes_out,
    sum(bytes_received) AS bytes_in,
    countIf(cache_status IN ('HIT', 'STALE', 'UPDATING', 'REVALIDATED')) AS cache_hit,
    countIf(cache_status IN ('MISS', 'EXPIRED')) AS cache_miss,
    sumIf(bytes_sent, cache_status IN ('HIT', 'STALE', 'UPDATING', 'REVALIDATED')) AS bytes_hit,
    countIf(status < 200) AS status_1xx,
    countIf(status >= 200 AND status < 300) AS status_2xx,
    countIf(status >= 300 AND status < 400) AS status_3xx,
    countIf(status >= 400 AND status < 500) AS status_4xx,
    countIf(status >= 500) AS status_5xx,
    sum(toUInt64(request_time_us)) AS request_time_us_sum
FROM edgelog.requests
GROUP BY t, customer, host, region, pop, country;

CREATE TABLE IF NOT EXISTS edgelog.billing_5m (
    t DateTime('UTC'),
    customer String,
    region String,
    requests UInt64,
    bytes_out UInt64,
    bytes_in UInt64
) ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(t)
ORDER BY (customer, t, region);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.billing_5m_mv TO edgelog.billing_5m AS
SELECT
    toStartOfFiveMinute(time) AS t,
    customer AS customer,
    region AS region,
    count() AS requests,
    sum(bytes_sent) AS bytes_out,
    sum(bytes_received) AS bytes_in
FROM edgelog.requests
GROUP BY t, customer, region;

CREATE TABLE IF NOT EXISTS edgelog.perf_1m (
    t DateTime('UTC'),
    region String,
    pop String,
    customer String,
    requests UInt64,
    errors_4xx UInt64,
    errors_5xx UInt64,
    ttfb_us_q AggregateFunction(quantilesTDigest(0.5, 0.9, 0.99), UInt32),
    request_time_us_q AggregateFunction(quantilesTDigest(0.5, 0.9, 0.99), UInt32)
) ENGINE = SummingMergeTree
PARTITION BY toYYYYMMDD(t)
ORDER BY (customer, t, region, pop);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.perf_1m_mv TO edgelog.perf_1m AS
SELECT
    toStartOfMinute(time) AS t,
    region AS region,
    pop AS pop,
    customer AS customer,
    count() AS requests,
    countIf(status >= 400 AND status < 500) AS errors_4xx,
    countIf(status >= 500) AS errors_5xx,
    quantilesTDigestState(0.5, 0.9, 0.99)(ttfb_us) AS ttfb_us_q,
    quantilesTDigestState(0.5, 0.9, 0.99)(request_time_us) AS request_time_us_q
FROM edgelog.requests
GROUP BY t, region, pop, customer;

CREATE TABLE IF NOT EXISTS edgelog.perf_geo_1h (
    t DateTime('UTC'),
    region String,
    country String,
    asn UInt32,
    customer String,
    requests UInt64,
    errors_4xx UInt64,
    errors_5xx UInt64,
    ttfb_us_q AggregateFunction(quantilesTDigest(0.5, 0.9, 0.99), UInt32),
    request_time_us_q AggregateFunction(quantilesTDigest(0.5, 0.9, 0.99), UInt32)
) ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(t)
ORDER BY (customer, t, region, country, asn);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.perf_geo_1h_mv TO edgelog.perf_geo_1h AS
SELECT
    toStartOfHour(time) AS t,
    region AS region,
    country AS country,
    asn AS asn,
    customer AS customer,
    count() AS requests,
    countIf(status >= 400 AND status < 500) AS errors_4xx,
    countIf(status >= 500) AS errors_5xx,
    quantilesTDigestState(0.5, 0.9, 0.99)(ttfb_us) AS ttfb_us_q,
    quantilesTDigestState(0.5, 0.9, 0.99)(request_time_us) AS request_time_us_q
FROM edgelog.requests
GROUP BY t, region, country, asn, customer;

CREATE TABLE IF NOT EXISTS edgelog.top_paths_1h (
    t DateTime('UTC'),
    customer String,
    host String,
    requests UInt64,
    top_paths AggregateFunction(topK(1000), String)
) ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(t)
ORDER BY (customer, t, host)
SETTINGS index_granularity = 128;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.top_paths_1h_mv TO edgelog.top_paths_1h AS
SELECT
    toStartOfHour(time) AS t,
    customer AS customer,
    host AS host,
    count() AS requests,
    topKState(1000)(path) AS top_paths
FROM edgelog.requests
GROUP BY t, customer, host;

-- migration 4: bill snapshots for month close
CREATE TABLE IF NOT EXISTS edgelog.bill_snapshots (
    month String,
    customer String,
    version UInt32,
    closed_at DateTime,
    requests UInt64,
    bytes_out UInt64,
    total String,
    bill String
) ENGINE = MergeTree
ORDER BY (month, customer, version);

-- migration 5: edge servers rollup for the operations wall
CREATE TABLE IF NOT EXISTS edgelog.edge_servers_1m (
    t DateTime('UTC'),
    region String,
    pop String,
    server String,
    requests UInt64,
    bytes_out UInt64
) ENGINE = SummingMergeTree
PARTITION BY toYYYYMMDD(t)
ORDER BY (t, region, pop, server);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.edge_servers_1m_mv TO edgelog.edge_servers_1m AS
SELECT
    toStartOfMinute(time) AS t,
    region AS region,
    pop AS pop,
    server AS server,
    count() AS requests,
    sum(bytes_sent) AS bytes_out
FROM edgelog.requests
GROUP BY t, region, pop, server;

-- migration 6: hour and day latency rollups
CREATE TABLE IF NOT EXISTS edgelog.perf_1h (
    t DateTime('UTC'),
    region String,
    pop String,
    customer String,
    requests UInt64,
    errors_4xx UInt64,
    errors_5xx UInt64,
    ttfb_us_q AggregateFunction(quantilesTDigest(0.5, 0.9, 0.99), UInt32),
    request_time_us_q AggregateFunction(quantilesTDigest(0.5, 0.9, 0.99), UInt32)
) ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(t)
ORDER BY (customer, t, region, pop);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.perf_1h_mv TO edgelog.perf_1h AS
SELECT
    toStartOfHour(time) AS t,
    region AS region,
    pop AS pop,
    customer AS customer,
    count() AS requests,
    countIf(status >= 400 AND status < 500) AS errors_4xx,
    countIf(status >= 500) AS errors_5xx,
    quantilesTDigestState(0.5, 0.9, 0.99)(ttfb_us) AS ttfb_us_q,
    quantilesTDigestState(0.5, 0.9, 0.99)(request_time_us) AS request_time_us_q
FROM edgelog.requests
GROUP BY t, region, pop, customer;

CREATE TABLE IF NOT EXISTS edgelog.perf_geo_1d (
    t DateTime('UTC'),
    region String,
    country String,
    asn UInt32,
    customer String,
    requests UInt64,
    errors_4xx UInt64,
    errors_5xx UInt64,
    ttfb_us_q AggregateFunction(quantilesTDigest(0.5, 0.9, 0.99), UInt32),
    request_time_us_q AggregateFunction(quantilesTDigest(0.5, 0.9, 0.99), UInt32)
) ENGINE = SummingMergeTree
PARTITION BY toYear(t)
ORDER BY (customer, t, region, country, asn);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.perf_geo_1d_mv TO edgelog.perf_geo_1d AS
SELECT
    toStartOfDay(time) AS t,
    region AS region,
    country AS country,
    asn AS asn,
    customer AS customer,
    count() AS requests,
    countIf(status >= 400 AND status < 500) AS errors_4xx,
    countIf(status >= 500) AS errors_5xx,
    quantilesTDigestState(0.5, 0.9, 0.99)(ttfb_us) AS ttfb_us_q,
    quantilesTDigestState(0.5, 0.9, 0.99)(request_time_us) AS request_time_us_q
FROM edgelog.requests
GROUP BY t, region, country, asn, customer;

-- migration 7: latency rollups across all customers
CREATE TABLE IF NOT EXISTS edgelog.perf_all_1h (
    t DateTime('UTC'),
    region String,
    pop String,
    requests UInt64,
    errors_4xx UInt64,
    errors_5xx UInt64,
    ttfb_us_q AggregateFunction(quantilesTDigest(0.5, 0.9, 0.99), UInt32),
    request_time_us_q AggregateFunction(quantilesTDigest(0.5, 0.9, 0.99), UInt32)
) ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(t)
ORDER BY (t, region, pop);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.perf_all_1h_mv TO edgelog.perf_all_1h AS
SELECT
    toStartOfHour(time) AS t,
    region AS region,
    pop AS pop,
    count() AS requests,
    countIf(status >= 400 AND status < 500) AS errors_4xx,
    countIf(status >= 500) AS errors_5xx,
    quantilesTDigestState(0.5, 0.9, 0.99)(ttfb_us) AS ttfb_us_q,
    quantilesTDigestState(0.5, 0.9, 0.99)(request_time_us) AS request_time_us_q
FROM edgelog.requests
GROUP BY t, region, pop;

CREATE TABLE IF NOT EXISTS edgelog.perf_geo_all_1d (
    t DateTime('UTC'),
    region String,
    country String,
    asn UInt32,
    requests UInt64,
    errors_4xx UInt64,
    errors_5xx UInt64,
    ttfb_us_q AggregateFunction(quantilesTDigest(0.5, 0.9, 0.99), UInt32),
    request_time_us_q AggregateFunction(quantilesTDigest(0.5, 0.9, 0.99), UInt32)
) ENGINE = SummingMergeTree
PARTITION BY toYear(t)
ORDER BY (t, region, country, asn);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.perf_geo_all_1d_mv TO edgelog.perf_geo_all_1d AS
SELECT
    toStartOfDay(time) AS t,
    region AS region,
    country AS country,
    asn AS asn,
    count() AS requests,
    countIf(status >= 400 AND status < 500) AS errors_4xx,
    countIf(status >= 500) AS errors_5xx,
    quantilesTDigestState(0.5, 0.9, 0.99)(ttfb_us) AS ttfb_us_q,
    quantilesTDigestState(0.5, 0.9, 0.99)(request_time_us) AS request_time_us_q
FROM edgelog.requests
GROUP BY t, region, country, asn;

-- migration 8: daily bills, path counts and minute latency across customers; top_paths_1h dropped
CREATE TABLE IF NOT EXISTS edgelog.billing_1d (
    t DateTime('UTC'),
    customer String,
    region String,
    requests UInt64,
    bytes_out UInt64,
    bytes_in UInt64
) ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(t)
ORDER BY (customer, t, region);

INSERT INTO edgelog.billing_1d (t, customer, region, requests, bytes_out, bytes_in)
SELECT toStartOfDay(t) AS day, customer, region, sum(requests), sum(bytes_out), sum(bytes_in)
FROM edgelog.billing_5m
WHERE (SELECT count() FROM edgelog.billing_1d) = 0
GROUP BY day, customer, region;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.billing_1d_mv TO edgelog.billing_1d AS
SELECT
    toStartOfDay(time) AS t,
    customer AS customer,
    region AS region,
    count() AS requests,
    sum(bytes_sent) AS bytes_out,
    sum(bytes_received) AS bytes_in
FROM edgelog.requests
GROUP BY t, customer, region;

CREATE TABLE IF NOT EXISTS edgelog.path_hits_1h (
    t DateTime('UTC'),
    customer String,
    host String,
    path String,
    requests UInt64,
    bytes_out UInt64
) ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(t)
ORDER BY (customer, t, host, path);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.path_hits_1h_mv TO edgelog.path_hits_1h AS
SELECT
    toStartOfHour(time) AS t,
    customer AS customer,
    host AS host,
    path AS path,
    count() AS requests,
    sum(bytes_sent) AS bytes_out
FROM edgelog.requests
GROUP BY t, customer, host, path
ORDER BY requests DESC, path
LIMIT 200 BY t, customer, host;

CREATE TABLE IF NOT EXISTS edgelog.perf_all_1m (
    t DateTime('UTC'),
    region String,
    pop String,
    requests UInt64,
    errors_4xx UInt64,
    errors_5xx UInt64,
    ttfb_us_q AggregateFunction(quantilesTDigest(0.5, 0.9, 0.99), UInt32),
    request_time_us_q AggregateFunction(quantilesTDigest(0.5, 0.9, 0.99), UInt32)
) ENGINE = SummingMergeTree
PARTITION BY toYYYYMMDD(t)
ORDER BY (t, region, pop);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.perf_all_1m_mv TO edgelog.perf_all_1m AS
SELECT
    toStartOfMinute(time) AS t,
    region AS region,
    pop AS pop,
    count() AS requests,
    countIf(status >= 400 AND status < 500) AS errors_4xx,
    countIf(status >= 500) AS errors_5xx,
    quantilesTDigestState(0.5, 0.9, 0.99)(ttfb_us) AS ttfb_us_q,
    quantilesTDigestState(0.5, 0.9, 0.99)(request_time_us) AS request_time_us_q
FROM edgelog.requests
GROUP BY t, region, pop;

DROP TABLE IF EXISTS edgelog.top_paths_1h_mv;

DROP TABLE IF EXISTS edgelog.top_paths_1h;

-- migration 9: ledgers keyed by Kafka cluster and topic (src_stream)
ALTER TABLE edgelog.requests ADD COLUMN src_stream String AFTER src_seq;

ALTER TABLE edgelog.ingest_ledger ADD COLUMN src_stream String AFTER src_partition;

ALTER TABLE edgelog.source_ledger ADD COLUMN src_stream String AFTER src_partition;

DROP TABLE IF EXISTS edgelog.ingest_ledger_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.ingest_ledger_mv TO edgelog.ingest_ledger AS
SELECT src_stream, src_partition, min(src_offset) AS min_offset, max(src_offset) AS max_offset, count() AS rows, now() AS inserted_at
FROM edgelog.requests
GROUP BY src_stream, src_partition;

DROP TABLE IF EXISTS edgelog.source_ledger_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.source_ledger_mv TO edgelog.source_ledger AS
SELECT src_file, src_stream, src_partition, any(src_file_end) AS batch_end, any(src_seq) AS seq, count() AS rows, now() AS inserted_at
FROM edgelog.requests
WHERE src_file != ''
GROUP BY src_file, src_stream, src_partition, src_file_end, src_seq;

-- migration 10: total bytes (bytes_total) in raw rows and rollups; body bytes per cache outcome and status class
DROP TABLE IF EXISTS edgelog.traffic_1m_mv;

DROP TABLE IF EXISTS edgelog.traffic_1h_mv;

DROP TABLE IF EXISTS edgelog.traffic_1d_mv;

DROP TABLE IF EXISTS edgelog.billing_5m_mv;

DROP TABLE IF EXISTS edgelog.billing_1d_mv;

ALTER TABLE edgelog.requests ADD COLUMN bytes_total UInt64 DEFAULT bytes_sent AFTER bytes_sent;

ALTER TABLE edgelog.traffic_1m ADD COLUMN bytes_total UInt64 DEFAULT bytes_out;

ALTER TABLE edgelog.traffic_1m ADD COLUMN bytes_miss UInt64;

ALTER TABLE edgelog.traffic_1m ADD COLUMN bytes_1xx UInt64;

ALTER TABLE edgelog.traffic_1m ADD COLUMN bytes_2xx UInt64;

ALTER TABLE edgelog.traffic_1m ADD COLUMN bytes_3xx UInt64;

ALTER TABLE edgelog.traffic_1m ADD COLUMN bytes_4xx UInt64;

ALTER TABLE edgelog.traffic_1m ADD COLUMN bytes_5xx UInt64;

ALTER TABLE edgelog.traffic_1m ADD COLUMN split_requests UInt64;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.traffic_1m_mv TO edgelog.traffic_1m AS
SELECT
    toStartOfMinute(time) AS t,
    customer AS customer,
    host AS host,
    region AS region,
    pop AS pop,
    country AS country,
    count() AS requests,
    sum(bytes_sent) AS bytes_out,
    sum(bytes_received) AS bytes_in,
    countIf(cache_status IN ('HIT', 'STALE', 'UPDATING', 'REVALIDATED')) AS cache_hit,
    countIf(cache_status IN ('MISS', 'EXPIRED')) AS cache_miss,
    sumIf(bytes_sent, cache_status IN ('HIT', 'STALE', 'UPDATING', 'REVALIDATED')) AS bytes_hit,
    countIf(status < 200) AS status_1xx,
    countIf(status >= 200 AND status < 300) AS status_2xx,
    countIf(status >= 300 AND status < 400) AS status_3xx,
    countIf(status >= 400 AND status < 500) AS status_4xx,
    countIf(status >= 500) AS status_5xx,
    sum(toUInt64(request_time_us)) AS request_time_us_sum,
    sum(bytes_total) AS bytes_total,
    sumIf(bytes_sent, cache_status IN ('MISS', 'EXPIRED')) AS bytes_miss,
    sumIf(bytes_sent, status < 200) AS bytes_1xx,
    sumIf(bytes_sent, status >= 200 AND status < 300) AS bytes_2xx,
    sumIf(bytes_sent, status >= 300 AND status < 400) AS bytes_3xx,
    sumIf(bytes_sent, status >= 400 AND status < 500) AS bytes_4xx,
    sumIf(bytes_sent, status >= 500) AS bytes_5xx,
    count() AS split_requests
FROM edgelog.requests
GROUP BY t, customer, host, region, pop, country;

ALTER TABLE edgelog.traffic_1h ADD COLUMN bytes_total UInt64 DEFAULT bytes_out;

ALTER TABLE edgelog.traffic_1h ADD COLUMN bytes_miss UInt64;

ALTER TABLE edgelog.traffic_1h ADD COLUMN bytes_1xx UInt64;

ALTER TABLE edgelog.traffic_1h ADD COLUMN bytes_2xx UInt64;

ALTER TABLE edgelog.traffic_1h ADD COLUMN bytes_3xx UInt64;

ALTER TABLE edgelog.traffic_1h ADD COLUMN bytes_4xx UInt64;

ALTER TABLE edgelog.traffic_1h ADD COLUMN bytes_5xx UInt64;

ALTER TABLE edgelog.traffic_1h ADD COLUMN split_requests UInt64;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.traffic_1h_mv TO edgelog.traffic_1h AS
SELECT
    toStartOfHour(time) AS t,
    customer AS customer,
    host AS host,
    region AS region,
    pop AS pop,
    country AS country,
    count() AS requests,
    sum(bytes_sent) AS bytes_out,
    sum(bytes_received) AS bytes_in,
    countIf(cache_status IN ('HIT', 'STALE', 'UPDATING', 'REVALIDATED')) AS cache_hit,
    countIf(cache_status IN ('MISS', 'EXPIRED')) AS cache_miss,
    sumIf(bytes_sent, cache_status IN ('HIT', 'STALE', 'UPDATING', 'REVALIDATED')) AS bytes_hit,
    countIf(status < 200) AS status_1xx,
    countIf(status >= 200 AND status < 300) AS status_2xx,
    countIf(status >= 300 AND status < 400) AS status_3xx,
    countIf(status >= 400 AND status < 500) AS status_4xx,
    countIf(status >= 500) AS status_5xx,
    sum(toUInt64(request_time_us)) AS request_time_us_sum,
    sum(bytes_total) AS bytes_total,
    sumIf(bytes_sent, cache_status IN ('MISS', 'EXPIRED')) AS bytes_miss,
    sumIf(bytes_sent, status < 200) AS bytes_1xx,
    sumIf(bytes_sent, status >= 200 AND status < 300) AS bytes_2xx,
    sumIf(bytes_sent, status >= 300 AND status < 400) AS bytes_3xx,
    sumIf(bytes_sent, status >= 400 AND status < 500) AS bytes_4xx,
    sumIf(bytes_sent, status >= 500) AS bytes_5xx,
    count() AS split_requests
FROM edgelog.requests
GROUP BY t, customer, host, region, pop, country;

ALTER TABLE edgelog.traffic_1d ADD COLUMN bytes_total UInt64 DEFAULT bytes_out;

ALTER TABLE edgelog.traffic_1d ADD COLUMN bytes_miss UInt64;

ALTER TABLE edgelog.traffic_1d ADD COLUMN bytes_1xx UInt64;

ALTER TABLE edgelog.traffic_1d ADD COLUMN bytes_2xx UInt64;

ALTER TABLE edgelog.traffic_1d ADD COLUMN bytes_3xx UInt64;

ALTER TABLE edgelog.traffic_1d ADD COLUMN bytes_4xx UInt64;

ALTER TABLE edgelog.traffic_1d ADD COLUMN bytes_5xx UInt64;

ALTER TABLE edgelog.traffic_1d ADD COLUMN split_requests UInt64;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.traffic_1d_mv TO edgelog.traffic_1d AS
SELECT
    toStartOfDay(time) AS t,
    customer AS customer,
    host AS host,
    region AS region,
    pop AS pop,
    country AS country,
    count() AS requests,
    sum(bytes_sent) AS bytes_out,
    sum(bytes_received) AS bytes_in,
    countIf(cache_status IN ('HIT', 'STALE', 'UPDATING', 'REVALIDATED')) AS cache_hit,
    countIf(cache_status IN ('MISS', 'EXPIRED')) AS cache_miss,
    sumIf(bytes_sent, cache_status IN ('HIT', 'STALE', 'UPDATING', 'REVALIDATED')) AS bytes_hit,
    countIf(status < 200) AS status_1xx,
    countIf(status >= 200 AND status < 300) AS status_2xx,
    countIf(status >= 300 AND status < 400) AS status_3xx,
    countIf(status >= 400 AND status < 500) AS status_4xx,
    countIf(status >= 500) AS status_5xx,
    sum(toUInt64(request_time_us)) AS request_time_us_sum,
    sum(bytes_total) AS bytes_total,
    sumIf(bytes_sent, cache_status IN ('MISS', 'EXPIRED')) AS bytes_miss,
    sumIf(bytes_sent, status < 200) AS bytes_1xx,
    sumIf(bytes_sent, status >= 200 AND status < 300) AS bytes_2xx,
    sumIf(bytes_sent, status >= 300 AND status < 400) AS bytes_3xx,
    sumIf(bytes_sent, status >= 400 AND status < 500) AS bytes_4xx,
    sumIf(bytes_sent, status >= 500) AS bytes_5xx,
    count() AS split_requests
FROM edgelog.requests
GROUP BY t, customer, host, region, pop, country;

ALTER TABLE edgelog.billing_5m ADD COLUMN bytes_total UInt64 DEFAULT bytes_out;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.billing_5m_mv TO edgelog.billing_5m AS
SELECT
    toStartOfFiveMinute(time) AS t,
    customer AS customer,
    region AS region,
    count() AS requests,
    sum(bytes_sent) AS bytes_out,
    sum(bytes_received) AS bytes_in,
    sum(bytes_total) AS bytes_total
FROM edgelog.requests
GROUP BY t, customer, region;

ALTER TABLE edgelog.billing_1d ADD COLUMN bytes_total UInt64 DEFAULT bytes_out;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.billing_1d_mv TO edgelog.billing_1d AS
SELECT
    toStartOfDay(time) AS t,
    customer AS customer,
    region AS region,
    count() AS requests,
    sum(bytes_sent) AS bytes_out,
    sum(bytes_received) AS bytes_in,
    sum(bytes_total) AS bytes_total
FROM edgelog.requests
GROUP BY t, customer, region;

-- migration 11: field fallbacks per message for the operations overview
CREATE TABLE IF NOT EXISTS edgelog.field_fallbacks (
    time DateTime,
    customer String,
    format String,
    field String,
    reason String,
    lines UInt64,
    src_stream String,
    src_partition UInt16,
    src_offset UInt64
) ENGINE = MergeTree
PARTITION BY toYYYYMMDD(time)
ORDER BY (time, src_stream, src_partition, src_offset, field, reason);

-- migration 12: offset gaps (Kafka data lost to retention) and clock skew of edge servers
CREATE TABLE IF NOT EXISTS edgelog.offset_gaps (
    src_stream String,
    src_partition UInt16,
    from_offset UInt64,
    to_offset UInt64,
    lost UInt64,
    detected_at DateTime
) ENGINE = MergeTree
ORDER BY (src_stream, src_partition, from_offset);

CREATE TABLE IF NOT EXISTS edgelog.clock_skew (
    t DateTime,
    server String,
    rows UInt64,
    max_ahead_s Int64
) ENGINE = MergeTree
PARTITION BY toYYYYMM(t)
ORDER BY (t, server);

-- migration 13: per-second live counter and ingest watermark
CREATE TABLE IF NOT EXISTS edgelog.live_1s (
    t DateTime('UTC'),
    customer String,
    region String,
    requests UInt64,
    bytes_out UInt64
) ENGINE = SummingMergeTree
PARTITION BY toYYYYMMDD(t)
ORDER BY (customer, t, region);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.live_1s_mv TO edgelog.live_1s AS
SELECT
    toDateTime(time) AS t,
    customer AS customer,
    region AS region,
    count() AS requests,
    sum(bytes_sent) AS bytes_out
FROM edgelog.requests
GROUP BY t, customer, region;

CREATE TABLE IF NOT EXISTS edgelog.ingest_watermark (
    src_stream String,
    src_partition UInt16,
    max_time_ms UInt64,
    rows UInt64,
    inserted_at DateTime DEFAULT now()
) ENGINE = MergeTree
PARTITION BY toYYYYMMDD(inserted_at)
ORDER BY (inserted_at, src_stream, src_partition);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.ingest_watermark_mv TO edgelog.ingest_watermark AS
SELECT src_stream, src_partition, max(toUInt64(time) * 1000 + time_ms) AS max_time_ms, count() AS rows, now() AS inserted_at
FROM edgelog.requests
GROUP BY src_stream, src_partition;

-- migration 14: the client's address list (x_forwarded_for) in raw rows
ALTER TABLE edgelog.requests ADD COLUMN x_forwarded_for String AFTER referer;

-- migration 15: traffic and billing rollups fed from ingest's per-block aggregates (rollup_feed, feed_ledger)
CREATE TABLE IF NOT EXISTS edgelog.rollup_feed (
    minute DateTime('UTC'),
    customer String,
    host String,
    region String,
    pop String,
    country String,
    src_stream String,
    src_partition UInt16,
    requests UInt64,
    bytes_out UInt64,
    bytes_in UInt64,
    cache_hit UInt64,
    cache_miss UInt64,
    bytes_hit UInt64,
    status_1xx UInt64,
    status_2xx UInt64,
    status_3xx UInt64,
    status_4xx UInt64,
    status_5xx UInt64,
    request_time_us_sum UInt64,
    bytes_total UInt64,
    bytes_miss UInt64,
    bytes_1xx UInt64,
    bytes_2xx UInt64,
    bytes_3xx UInt64,
    bytes_4xx UInt64,
    bytes_5xx UInt64,
    split_requests UInt64,
    min_offset UInt64,
    max_offset UInt64,
    max_time_ms UInt64
) ENGINE = Null;

CREATE TABLE IF NOT EXISTS edgelog.feed_ledger (
    src_stream String,
    src_partition UInt16,
    min_offset UInt64,
    max_offset UInt64,
    rows UInt64,
    inserted_at DateTime DEFAULT now()
) ENGINE = MergeTree
ORDER BY (src_stream, src_partition, max_offset);

INSERT INTO edgelog.feed_ledger (src_stream, src_partition, min_offset, max_offset, rows)
SELECT src_stream, src_partition, min(min_offset), max(max_offset), 0
FROM edgelog.ingest_ledger
WHERE (SELECT count() FROM edgelog.feed_ledger) = 0
GROUP BY src_stream, src_partition;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.feed_ledger_mv TO edgelog.feed_ledger AS
SELECT src_stream, src_partition, min(min_offset) AS min_offset, max(max_offset) AS max_offset, sum(requests) AS rows, now() AS inserted_at
FROM edgelog.rollup_feed
GROUP BY src_stream, src_partition;

DROP TABLE IF EXISTS edgelog.traffic_1m_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.traffic_1m_mv TO edgelog.traffic_1m AS
SELECT
    toStartOfMinute(minute) AS t,
    customer,
    host,
    region,
    pop,
    country,
    sum(requests) AS requests,
    sum(bytes_out) AS bytes_out,
    sum(bytes_in) AS bytes_in,
    sum(cache_hit) AS cache_hit,
    sum(cache_miss) AS cache_miss,
    sum(bytes_hit) AS bytes_hit,
    sum(status_1xx) AS status_1xx,
    sum(status_2xx) AS status_2xx,
    sum(status_3xx) AS status_3xx,
    sum(status_4xx) AS status_4xx,
    sum(status_5xx) AS status_5xx,
    sum(request_time_us_sum) AS request_time_us_sum,
    sum(bytes_total) AS bytes_total,
    sum(bytes_miss) AS bytes_miss,
    sum(bytes_1xx) AS bytes_1xx,
    sum(bytes_2xx) AS bytes_2xx,
    sum(bytes_3xx) AS bytes_3xx,
    sum(bytes_4xx) AS bytes_4xx,
    sum(bytes_5xx) AS bytes_5xx,
    sum(split_requests) AS split_requests
FROM edgelog.rollup_feed
GROUP BY t, customer, host, region, pop, country;

DROP TABLE IF EXISTS edgelog.traffic_1h_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.traffic_1h_mv TO edgelog.traffic_1h AS
SELECT
    toStartOfHour(minute) AS t,
    customer,
    host,
    region,
    pop,
    country,
    sum(requests) AS requests,
    sum(bytes_out) AS bytes_out,
    sum(bytes_in) AS bytes_in,
    sum(cache_hit) AS cache_hit,
    sum(cache_miss) AS cache_miss,
    sum(bytes_hit) AS bytes_hit,
    sum(status_1xx) AS status_1xx,
    sum(status_2xx) AS status_2xx,
    sum(status_3xx) AS status_3xx,
    sum(status_4xx) AS status_4xx,
    sum(status_5xx) AS status_5xx,
    sum(request_time_us_sum) AS request_time_us_sum,
    sum(bytes_total) AS bytes_total,
    sum(bytes_miss) AS bytes_miss,
    sum(bytes_1xx) AS bytes_1xx,
    sum(bytes_2xx) AS bytes_2xx,
    sum(bytes_3xx) AS bytes_3xx,
    sum(bytes_4xx) AS bytes_4xx,
    sum(bytes_5xx) AS bytes_5xx,
    sum(split_requests) AS split_requests
FROM edgelog.rollup_feed
GROUP BY t, customer, host, region, pop, country;

DROP TABLE IF EXISTS edgelog.traffic_1d_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.traffic_1d_mv TO edgelog.traffic_1d AS
SELECT
    toStartOfDay(minute) AS t,
    customer,
    host,
    region,
    pop,
    country,
    sum(requests) AS requests,
    sum(bytes_out) AS bytes_out,
    sum(bytes_in) AS bytes_in,
    sum(cache_hit) AS cache_hit,
    sum(cache_miss) AS cache_miss,
    sum(bytes_hit) AS bytes_hit,
    sum(status_1xx) AS status_1xx,
    sum(status_2xx) AS status_2xx,
    sum(status_3xx) AS status_3xx,
    sum(status_4xx) AS status_4xx,
    sum(status_5xx) AS status_5xx,
    sum(request_time_us_sum) AS request_time_us_sum,
    sum(bytes_total) AS bytes_total,
    sum(bytes_miss) AS bytes_miss,
    sum(bytes_1xx) AS bytes_1xx,
    sum(bytes_2xx) AS bytes_2xx,
    sum(bytes_3xx) AS bytes_3xx,
    sum(bytes_4xx) AS bytes_4xx,
    sum(bytes_5xx) AS bytes_5xx,
    sum(split_requests) AS split_requests
FROM edgelog.rollup_feed
GROUP BY t, customer, host, region, pop, country;

DROP TABLE IF EXISTS edgelog.billing_5m_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.billing_5m_mv TO edgelog.billing_5m AS
SELECT
    toStartOfFiveMinute(minute) AS t,
    customer,
    region,
    sum(requests) AS requests,
    sum(bytes_out) AS bytes_out,
    sum(bytes_in) AS bytes_in,
    sum(bytes_total) AS bytes_total
FROM edgelog.rollup_feed
GROUP BY t, customer, region;

DROP TABLE IF EXISTS edgelog.billing_1d_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.billing_1d_mv TO edgelog.billing_1d AS
SELECT
    toStartOfDay(minute) AS t,
    customer,
    region,
    sum(requests) AS requests,
    sum(bytes_out) AS bytes_out,
    sum(bytes_in) AS bytes_in,
    sum(bytes_total) AS bytes_total
FROM edgelog.rollup_feed
GROUP BY t, customer, region;

-- migration 16: the ingest watermark's view runs last (the live counter trusts a partition's latest INSERT)
ALTER TABLE edgelog.ingest_watermark ADD COLUMN visible_last UInt8 DEFAULT 0 AFTER rows;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.zz_ingest_watermark_mv TO edgelog.ingest_watermark AS
SELECT src_stream, src_partition, max(max_time_ms) AS max_time_ms, sum(requests) AS rows, toUInt8(1) AS visible_last, now() AS inserted_at
FROM edgelog.rollup_feed
GROUP BY src_stream, src_partition;

DROP TABLE IF EXISTS edgelog.ingest_watermark_mv;

-- migration 17: coarse latency rollups fed from their finer rollup's view, traffic_1m's feed view without a GROUP BY (single server)
DROP TABLE IF EXISTS edgelog.traffic_1m_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.traffic_1m_mv TO edgelog.traffic_1m AS
SELECT
    minute AS t,
    customer,
    host,
    region,
    pop,
    country,
    requests,
    bytes_out,
    bytes_in,
    cache_hit,
    cache_miss,
    bytes_hit,
    status_1xx,
    status_2xx,
    status_3xx,
    status_4xx,
    status_5xx,
    request_time_us_sum,
    bytes_total,
    bytes_miss,
    bytes_1xx,
    bytes_2xx,
    bytes_3xx,
    bytes_4xx,
    bytes_5xx,
    split_requests
FROM edgelog.rollup_feed;

DROP TABLE IF EXISTS edgelog.perf_1h_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.perf_1h_mv TO edgelog.perf_1h AS
SELECT
    toStartOfHour(t) AS t,
    region,
    pop,
    customer,
    sum(requests) AS requests,
    sum(errors_4xx) AS errors_4xx,
    sum(errors_5xx) AS errors_5xx,
    quantilesTDigestMergeState(0.5, 0.9, 0.99)(ttfb_us_q) AS ttfb_us_q,
    quantilesTDigestMergeState(0.5, 0.9, 0.99)(request_time_us_q) AS request_time_us_q
FROM edgelog.perf_1m_mv
GROUP BY t, region, pop, customer;

DROP TABLE IF EXISTS edgelog.perf_all_1m_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.perf_all_1m_mv TO edgelog.perf_all_1m AS
SELECT
    toStartOfMinute(t) AS t,
    region,
    pop,
    sum(requests) AS requests,
    sum(errors_4xx) AS errors_4xx,
    sum(errors_5xx) AS errors_5xx,
    quantilesTDigestMergeState(0.5, 0.9, 0.99)(ttfb_us_q) AS ttfb_us_q,
    quantilesTDigestMergeState(0.5, 0.9, 0.99)(request_time_us_q) AS request_time_us_q
FROM edgelog.perf_1m_mv
GROUP BY t, region, pop;

DROP TABLE IF EXISTS edgelog.perf_all_1h_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.perf_all_1h_mv TO edgelog.perf_all_1h AS
SELECT
    toStartOfHour(t) AS t,
    region,
    pop,
    sum(requests) AS requests,
    sum(errors_4xx) AS errors_4xx,
    sum(errors_5xx) AS errors_5xx,
    quantilesTDigestMergeState(0.5, 0.9, 0.99)(ttfb_us_q) AS ttfb_us_q,
    quantilesTDigestMergeState(0.5, 0.9, 0.99)(request_time_us_q) AS request_time_us_q
FROM edgelog.perf_1h_mv
GROUP BY t, region, pop;

DROP TABLE IF EXISTS edgelog.perf_geo_1d_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.perf_geo_1d_mv TO edgelog.perf_geo_1d AS
SELECT
    toStartOfDay(t) AS t,
    region,
    country,
    asn,
    customer,
    sum(requests) AS requests,
    sum(errors_4xx) AS errors_4xx,
    sum(errors_5xx) AS errors_5xx,
    quantilesTDigestMergeState(0.5, 0.9, 0.99)(ttfb_us_q) AS ttfb_us_q,
    quantilesTDigestMergeState(0.5, 0.9, 0.99)(request_time_us_q) AS request_time_us_q
FROM edgelog.perf_geo_1h_mv
GROUP BY t, region, country, asn, customer;

DROP TABLE IF EXISTS edgelog.perf_geo_all_1d_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.perf_geo_all_1d_mv TO edgelog.perf_geo_all_1d AS
SELECT
    toStartOfDay(t) AS t,
    region,
    country,
    asn,
    sum(requests) AS requests,
    sum(errors_4xx) AS errors_4xx,
    sum(errors_5xx) AS errors_5xx,
    quantilesTDigestMergeState(0.5, 0.9, 0.99)(ttfb_us_q) AS ttfb_us_q,
    quantilesTDigestMergeState(0.5, 0.9, 0.99)(request_time_us_q) AS request_time_us_q
FROM edgelog.perf_geo_1d_mv
GROUP BY t, region, country, asn;

-- migration 18: the ledgers' views run last in their INSERT; partial INSERTs recorded (partial_inserts)
CREATE TABLE IF NOT EXISTS edgelog.partial_inserts (
    src_stream String,
    src_partition UInt16,
    min_offset UInt64,
    max_offset UInt64,
    raw_rows UInt64,
    feed_requests UInt64,
    detected_at DateTime
) ENGINE = MergeTree
ORDER BY (src_stream, src_partition, min_offset);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.zy_ingest_ledger_mv TO edgelog.ingest_ledger AS
SELECT src_stream, src_partition, min(src_offset) AS min_offset, max(src_offset) AS max_offset, count() AS rows, now() AS inserted_at
FROM edgelog.requests
GROUP BY src_stream, src_partition;

DROP TABLE IF EXISTS edgelog.ingest_ledger_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.zz_source_ledger_mv TO edgelog.source_ledger AS
SELECT src_file, src_stream, src_partition, any(src_file_end) AS batch_end, any(src_seq) AS seq, count() AS rows, now() AS inserted_at
FROM edgelog.requests
WHERE src_file != ''
GROUP BY src_file, src_stream, src_partition, src_file_end, src_seq;

DROP TABLE IF EXISTS edgelog.source_ledger_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.zz_feed_ledger_mv TO edgelog.feed_ledger AS
SELECT src_stream, src_partition, min(min_offset) AS min_offset, max(max_offset) AS max_offset, sum(requests) AS rows, now() AS inserted_at
FROM edgelog.rollup_feed
GROUP BY src_stream, src_partition;

DROP TABLE IF EXISTS edgelog.feed_ledger_mv;

CREATE TABLE IF NOT EXISTS edgelog.feed_attempts (
    src_stream String,
    src_partition UInt16,
    min_offset UInt64,
    max_offset UInt64,
    rows UInt64,
    inserted_at DateTime DEFAULT now()
) ENGINE = MergeTree
ORDER BY (src_stream, src_partition, max_offset);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.a_feed_attempts_mv TO edgelog.feed_attempts AS
SELECT src_stream, src_partition, min(min_offset) AS min_offset, max(max_offset) AS max_offset, sum(requests) AS rows, now() AS inserted_at
FROM edgelog.rollup_feed
GROUP BY src_stream, src_partition;

-- migration 19: rollup, live counter and feed keys as String on modern servers (LowCardinality kept in raw rows)
-- migration 20: the live counter in hour partitions (live_1s_by_hour, rows copied from live_1s)
CREATE TABLE IF NOT EXISTS edgelog.live_1s_by_hour (
    t DateTime('UTC'),
    customer String,
    region String,
    requests UInt64,
    bytes_out UInt64
) ENGINE = SummingMergeTree
PARTITION BY intDiv(toYYYYMMDDhhmmss(t), 10000)
ORDER BY (customer, t, region);

INSERT INTO edgelog.live_1s_by_hour (t, customer, region, requests, bytes_out)
SELECT t, customer, region, requests, bytes_out FROM edgelog.live_1s
WHERE (SELECT count() FROM edgelog.live_1s_by_hour) = 0;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.live_1s_by_hour_mv TO edgelog.live_1s_by_hour AS
SELECT
    toDateTime(time) AS t,
    customer AS customer,
    region AS region,
    count() AS requests,
    sum(bytes_sent) AS bytes_out
FROM edgelog.requests
GROUP BY t, customer, region;

DROP TABLE IF EXISTS edgelog.live_1s_mv;

-- migration 21: the day-partitioned live counter (live_1s) dropped
DROP TABLE IF EXISTS edgelog.live_1s_mv;

DROP TABLE IF EXISTS edgelog.live_1s;

-- migration 22: raw strings no view reads as LowCardinality on a single ClickHouse 18.16 server (method, scheme, protocol, cache_status, content_type, user_agent, referer)
ALTER TABLE edgelog.requests MODIFY COLUMN method LowCardinality(String), MODIFY COLUMN scheme LowCardinality(String), MODIFY COLUMN protocol LowCardinality(String), MODIFY COLUMN cache_status LowCardinality(String), MODIFY COLUMN content_type LowCardinality(String), MODIFY COLUMN user_agent LowCardinality(String), MODIFY COLUMN referer LowCardinality(String);

-- migration 23: raw strings views read as LowCardinality on a single ClickHouse 18.16 server (host, pop, region, server, country, path, src_file, src_stream), the views over raw rows made again casting them to String
DROP TABLE IF EXISTS edgelog.perf_1m_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.perf_1m_mv TO edgelog.perf_1m AS
SELECT
    toStartOfMinute(time) AS t,
    CAST(region AS String) AS region,
    CAST(pop AS String) AS pop,
    customer AS customer,
    count() AS requests,
    countIf(status >= 400 AND status < 500) AS errors_4xx,
    countIf(status >= 500) AS errors_5xx,
    quantilesTDigestState(0.5, 0.9, 0.99)(ttfb_us) AS ttfb_us_q,
    quantilesTDigestState(0.5, 0.9, 0.99)(request_time_us) AS request_time_us_q
FROM edgelog.requests
GROUP BY t, region, pop, customer;

DROP TABLE IF EXISTS edgelog.perf_geo_1h_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.perf_geo_1h_mv TO edgelog.perf_geo_1h AS
SELECT
    toStartOfHour(time) AS t,
    CAST(region AS String) AS region,
    CAST(country AS String) AS country,
    asn AS asn,
    customer AS customer,
    count() AS requests,
    countIf(status >= 400 AND status < 500) AS errors_4xx,
    countIf(status >= 500) AS errors_5xx,
    quantilesTDigestState(0.5, 0.9, 0.99)(ttfb_us) AS ttfb_us_q,
    quantilesTDigestState(0.5, 0.9, 0.99)(request_time_us) AS request_time_us_q
FROM edgelog.requests
GROUP BY t, region, country, asn, customer;

DROP TABLE IF EXISTS edgelog.edge_servers_1m_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.edge_servers_1m_mv TO edgelog.edge_servers_1m AS
SELECT
    toStartOfMinute(time) AS t,
    CAST(region AS String) AS region,
    CAST(pop AS String) AS pop,
    CAST(server AS String) AS server,
    count() AS requests,
    sum(bytes_sent) AS bytes_out
FROM edgelog.requests
GROUP BY t, region, pop, server;

DROP TABLE IF EXISTS edgelog.path_hits_1h_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.path_hits_1h_mv TO edgelog.path_hits_1h AS
SELECT
    toStartOfHour(time) AS t,
    customer AS customer,
    CAST(host AS String) AS host,
    CAST(path AS String) AS path,
    count() AS requests,
    sum(bytes_sent) AS bytes_out
FROM edgelog.requests
GROUP BY t, customer, host, path
ORDER BY requests DESC, path
LIMIT 200 BY t, customer, host;

DROP TABLE IF EXISTS edgelog.live_1s_by_hour_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.live_1s_by_hour_mv TO edgelog.live_1s_by_hour AS
SELECT
    toDateTime(time) AS t,
    customer AS customer,
    CAST(region AS String) AS region,
    count() AS requests,
    sum(bytes_sent) AS bytes_out
FROM edgelog.requests
GROUP BY t, customer, region;

DROP TABLE IF EXISTS edgelog.zy_ingest_ledger_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.zy_ingest_ledger_mv TO edgelog.ingest_ledger AS
SELECT CAST(src_stream AS String) AS src_stream, src_partition, min(src_offset) AS min_offset, max(src_offset) AS max_offset, count() AS rows, now() AS inserted_at
FROM edgelog.requests
GROUP BY src_stream, src_partition;

DROP TABLE IF EXISTS edgelog.zz_source_ledger_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.zz_source_ledger_mv TO edgelog.source_ledger AS
SELECT CAST(src_file AS String) AS src_file, CAST(src_stream AS String) AS src_stream, src_partition, any(src_file_end) AS batch_end, any(src_seq) AS seq, count() AS rows, now() AS inserted_at
FROM edgelog.requests
WHERE src_file != ''
GROUP BY src_file, src_stream, src_partition, src_file_end, src_seq;

ALTER TABLE edgelog.requests MODIFY COLUMN host LowCardinality(String), MODIFY COLUMN pop LowCardinality(String), MODIFY COLUMN region LowCardinality(String), MODIFY COLUMN server LowCardinality(String), MODIFY COLUMN country LowCardinality(String), MODIFY COLUMN path LowCardinality(String), MODIFY COLUMN src_file LowCardinality(String), MODIFY COLUMN src_stream LowCardinality(String);

-- migration 24: latency quantiles as log-coded histograms (ttfb_us_h, request_time_us_h: quantileTiming of a log code, 1.2% relative error) instead of t-digests
DROP TABLE IF EXISTS edgelog.perf_all_1m_mv;

DROP TABLE IF EXISTS edgelog.perf_geo_all_1d_mv;

DROP TABLE IF EXISTS edgelog.perf_all_1h_mv;

DROP TABLE IF EXISTS edgelog.perf_geo_1d_mv;

DROP TABLE IF EXISTS edgelog.perf_1h_mv;

DROP TABLE IF EXISTS edgelog.perf_geo_1h_mv;

DROP TABLE IF EXISTS edgelog.perf_1m_mv;

ALTER TABLE edgelog.perf_1m ADD COLUMN ttfb_us_h AggregateFunction(quantilesTiming(0.5, 0.9, 0.99), UInt32);

ALTER TABLE edgelog.perf_1m ADD COLUMN request_time_us_h AggregateFunction(quantilesTiming(0.5, 0.9, 0.99), UInt32);

ALTER TABLE edgelog.perf_geo_1h ADD COLUMN ttfb_us_h AggregateFunction(quantilesTiming(0.5, 0.9, 0.99), UInt32);

ALTER TABLE edgelog.perf_geo_1h ADD COLUMN request_time_us_h AggregateFunction(quantilesTiming(0.5, 0.9, 0.99), UInt32);

ALTER TABLE edgelog.perf_1h ADD COLUMN ttfb_us_h AggregateFunction(quantilesTiming(0.5, 0.9, 0.99), UInt32);

ALTER TABLE edgelog.perf_1h ADD COLUMN request_time_us_h AggregateFunction(quantilesTiming(0.5, 0.9, 0.99), UInt32);

ALTER TABLE edgelog.perf_geo_1d ADD COLUMN ttfb_us_h AggregateFunction(quantilesTiming(0.5, 0.9, 0.99), UInt32);

ALTER TABLE edgelog.perf_geo_1d ADD COLUMN request_time_us_h AggregateFunction(quantilesTiming(0.5, 0.9, 0.99), UInt32);

ALTER TABLE edgelog.perf_all_1h ADD COLUMN ttfb_us_h AggregateFunction(quantilesTiming(0.5, 0.9, 0.99), UInt32);

ALTER TABLE edgelog.perf_all_1h ADD COLUMN request_time_us_h AggregateFunction(quantilesTiming(0.5, 0.9, 0.99), UInt32);

ALTER TABLE edgelog.perf_geo_all_1d ADD COLUMN ttfb_us_h AggregateFunction(quantilesTiming(0.5, 0.9, 0.99), UInt32);

ALTER TABLE edgelog.perf_geo_all_1d ADD COLUMN request_time_us_h AggregateFunction(quantilesTiming(0.5, 0.9, 0.99), UInt32);

ALTER TABLE edgelog.perf_all_1m ADD COLUMN ttfb_us_h AggregateFunction(quantilesTiming(0.5, 0.9, 0.99), UInt32);

ALTER TABLE edgelog.perf_all_1m ADD COLUMN request_time_us_h AggregateFunction(quantilesTiming(0.5, 0.9, 0.99), UInt32);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.perf_1m_mv TO edgelog.perf_1m AS
SELECT
    toStartOfMinute(time) AS t,
    CAST(region AS String) AS region,
    CAST(pop AS String) AS pop,
    customer AS customer,
    count() AS requests,
    countIf(status >= 400 AND status < 500) AS errors_4xx,
    countIf(status >= 500) AS errors_5xx,
    arrayReduce('quantilesTDigestState(0.5, 0.9, 0.99)', emptyArrayUInt32()) AS ttfb_us_q,
    arrayReduce('quantilesTDigestState(0.5, 0.9, 0.99)', emptyArrayUInt32()) AS request_time_us_q,
    quantilesTimingState(0.5, 0.9, 0.99)(toUInt32(round(log(ttfb_us + 1) * 1352))) AS ttfb_us_h,
    quantilesTimingState(0.5, 0.9, 0.99)(toUInt32(round(log(request_time_us + 1) * 1352))) AS request_time_us_h
FROM edgelog.requests
GROUP BY t, region, pop, customer;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.perf_geo_1h_mv TO edgelog.perf_geo_1h AS
SELECT
    toStartOfHour(time) AS t,
    CAST(region AS String) AS region,
    CAST(country AS String) AS country,
    asn AS asn,
    customer AS customer,
    count() AS requests,
    countIf(status >= 400 AND status < 500) AS errors_4xx,
    countIf(status >= 500) AS errors_5xx,
    arrayReduce('quantilesTDigestState(0.5, 0.9, 0.99)', emptyArrayUInt32()) AS ttfb_us_q,
    arrayReduce('quantilesTDigestState(0.5, 0.9, 0.99)', emptyArrayUInt32()) AS request_time_us_q,
    quantilesTimingState(0.5, 0.9, 0.99)(toUInt32(round(log(ttfb_us + 1) * 1352))) AS ttfb_us_h,
    quantilesTimingState(0.5, 0.9, 0.99)(toUInt32(round(log(request_time_us + 1) * 1352))) AS request_time_us_h
FROM edgelog.requests
GROUP BY t, region, country, asn, customer;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.perf_1h_mv TO edgelog.perf_1h AS
SELECT
    toStartOfHour(t) AS t,
    region,
    pop,
    customer,
    sum(requests) AS requests,
    sum(errors_4xx) AS errors_4xx,
    sum(errors_5xx) AS errors_5xx,
    arrayReduce('quantilesTDigestState(0.5, 0.9, 0.99)', emptyArrayUInt32()) AS ttfb_us_q,
    arrayReduce('quantilesTDigestState(0.5, 0.9, 0.99)', emptyArrayUInt32()) AS request_time_us_q,
    quantilesTimingMergeState(0.5, 0.9, 0.99)(ttfb_us_h) AS ttfb_us_h,
    quantilesTimingMergeState(0.5, 0.9, 0.99)(request_time_us_h) AS request_time_us_h
FROM edgelog.perf_1m_mv
GROUP BY t, region, pop, customer;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.perf_geo_1d_mv TO edgelog.perf_geo_1d AS
SELECT
    toStartOfDay(t) AS t,
    region,
    country,
    asn,
    customer,
    sum(requests) AS requests,
    sum(errors_4xx) AS errors_4xx,
    sum(errors_5xx) AS errors_5xx,
    arrayReduce('quantilesTDigestState(0.5, 0.9, 0.99)', emptyArrayUInt32()) AS ttfb_us_q,
    arrayReduce('quantilesTDigestState(0.5, 0.9, 0.99)', emptyArrayUInt32()) AS request_time_us_q,
    quantilesTimingMergeState(0.5, 0.9, 0.99)(ttfb_us_h) AS ttfb_us_h,
    quantilesTimingMergeState(0.5, 0.9, 0.99)(request_time_us_h) AS request_time_us_h
FROM edgelog.perf_geo_1h_mv
GROUP BY t, region, country, asn, customer;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.perf_all_1h_mv TO edgelog.perf_all_1h AS
SELECT
    toStartOfHour(t) AS t,
    region,
    pop,
    sum(requests) AS requests,
    sum(errors_4xx) AS errors_4xx,
    sum(errors_5xx) AS errors_5xx,
    arrayReduce('quantilesTDigestState(0.5, 0.9, 0.99)', emptyArrayUInt32()) AS ttfb_us_q,
    arrayReduce('quantilesTDigestState(0.5, 0.9, 0.99)', emptyArrayUInt32()) AS request_time_us_q,
    quantilesTimingMergeState(0.5, 0.9, 0.99)(ttfb_us_h) AS ttfb_us_h,
    quantilesTimingMergeState(0.5, 0.9, 0.99)(request_time_us_h) AS request_time_us_h
FROM edgelog.perf_1h_mv
GROUP BY t, region, pop;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.perf_geo_all_1d_mv TO edgelog.perf_geo_all_1d AS
SELECT
    toStartOfDay(t) AS t,
    region,
    country,
    asn,
    sum(requests) AS requests,
    sum(errors_4xx) AS errors_4xx,
    sum(errors_5xx) AS errors_5xx,
    arrayReduce('quantilesTDigestState(0.5, 0.9, 0.99)', emptyArrayUInt32()) AS ttfb_us_q,
    arrayReduce('quantilesTDigestState(0.5, 0.9, 0.99)', emptyArrayUInt32()) AS request_time_us_q,
    quantilesTimingMergeState(0.5, 0.9, 0.99)(ttfb_us_h) AS ttfb_us_h,
    quantilesTimingMergeState(0.5, 0.9, 0.99)(request_time_us_h) AS request_time_us_h
FROM edgelog.perf_geo_1d_mv
GROUP BY t, region, country, asn;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.perf_all_1m_mv TO edgelog.perf_all_1m AS
SELECT
    toStartOfMinute(t) AS t,
    region,
    pop,
    sum(requests) AS requests,
    sum(errors_4xx) AS errors_4xx,
    sum(errors_5xx) AS errors_5xx,
    arrayReduce('quantilesTDigestState(0.5, 0.9, 0.99)', emptyArrayUInt32()) AS ttfb_us_q,
    arrayReduce('quantilesTDigestState(0.5, 0.9, 0.99)', emptyArrayUInt32()) AS request_time_us_q,
    quantilesTimingMergeState(0.5, 0.9, 0.99)(ttfb_us_h) AS ttfb_us_h,
    quantilesTimingMergeState(0.5, 0.9, 0.99)(request_time_us_h) AS request_time_us_h
FROM edgelog.perf_1m_mv
GROUP BY t, region, pop;

