-- migration 1: raw requests table
CREATE TABLE IF NOT EXISTS edgelog.requests_local ON CLUSTER edge (
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
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/edgelog/requests_local', '{replica}')
PARTITION BY toYYYYMMDD(time)
ORDER BY (customer, time);

CREATE TABLE IF NOT EXISTS edgelog.requests ON CLUSTER edge AS edgelog.requests_local ENGINE = Distributed(edge, edgelog, requests_local, cityHash64(customer, host));

-- migration 2: ingest offsets ledger and collector source ledger
CREATE TABLE IF NOT EXISTS edgelog.ingest_ledger_local ON CLUSTER edge (
    src_partition UInt16,
    min_offset UInt64,
    max_offset UInt64,
    rows UInt64,
    inserted_at DateTime DEFAULT now()
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/edgelog/ingest_ledger_local', '{replica}')
ORDER BY (src_partition, max_offset);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.ingest_ledger_mv ON CLUSTER edge TO edgelog.ingest_ledger_local AS
SELECT src_partition, min(src_offset) AS min_offset, max(src_offset) AS max_offset, count() AS rows, now() AS inserted_at
FROM edgelog.requests_local
GROUP BY src_partition;

CREATE TABLE IF NOT EXISTS edgelog.source_ledger_local ON CLUSTER edge (
    src_file String,
    src_partition UInt16,
    batch_end UInt64,
    seq UInt32,
    rows UInt64,
    inserted_at DateTime DEFAULT now()
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/edgelog/source_ledger_local', '{replica}')
ORDER BY (src_partition, src_file, batch_end, seq);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.source_ledger_mv ON CLUSTER edge TO edgelog.source_ledger_local AS
SELECT src_file, src_partition, any(src_file_end) AS batch_end, any(src_seq) AS seq, count() AS rows, now() AS inserted_at
FROM edgelog.requests_local
WHERE src_file != ''
GROUP BY src_file, src_partition, src_file_end, src_seq;

CREATE TABLE IF NOT EXISTS edgelog.ingest_ledger ON CLUSTER edge AS edgelog.ingest_ledger_local ENGINE = Distributed(edge, edgelog, ingest_ledger_local);

CREATE TABLE IF NOT EXISTS edgelog.source_ledger ON CLUSTER edge AS edgelog.source_ledger_local ENGINE = Distributed(edge, edgelog, source_ledger_local);

-- migration 3: traffic, billing and performance rollups
CREATE TABLE IF NOT EXISTS edgelog.traffic_1m_local ON CLUSTER edge (
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
) ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/edgelog/traffic_1m_local', '{replica}')
PARTITION BY toYYYYMMDD(t)
ORDER BY (customer, t, host, region, pop, country);

CREATE TABLE IF NOT EXISTS edgelog.traffic_1m ON CLUSTER edge AS edgelog.traffic_1m_local ENGINE = Distributed(edge, edgelog, traffic_1m_local);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.traffic_1m_mv ON CLUSTER edge TO edgelog.traffic_1m_local AS
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
FROM edgelog.requests_local
GROUP BY t, customer, host, region, pop, country;

CREATE TABLE IF NOT EXISTS edgelog.traffic_1h_local ON CLUSTER edge (
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
) ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/edgelog/traffic_1h_local', '{replica}')
PARTITION BY toYYYYMM(t)
ORDER BY (customer, t, host, region, pop, country);

CREATE TABLE IF NOT EXISTS edgelog.traffic_1h ON CLUSTER edge AS edgelog.traffic_1h_local ENGINE = Distributed(edge, edgelog, traffic_1h_local);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.traffic_1h_mv ON CLUSTER edge TO edgelog.traffic_1h_local AS
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
FROM edgelog.requests_local
GROUP BY t, customer, host, region, pop, country;

CREATE TABLE IF NOT EXISTS edgelog.traffic_1d_local ON CLUSTER edge (
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
) ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/edgelog/traffic_1d_local', '{replica}')
PARTITION BY toYear(t)
ORDER BY (customer, t, host, region, pop, country);

CREATE TABLE IF NOT EXISTS edgelog.traffic_1d ON CLUSTER edge AS edgelog.traffic_1d_local ENGINE = Distributed(edge, edgelog, traffic_1d_local);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.traffic_1d_mv ON CLUSTER edge TO edgelog.traffic_1d_local AS
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
FROM edgelog.requests_local
GROUP BY t, customer, host, region, pop, country;

CREATE TABLE IF NOT EXISTS edgelog.billing_5m_local ON CLUSTER edge (
    t DateTime('UTC'),
    customer String,
    region String,
    requests UInt64,
    bytes_out UInt64,
    bytes_in UInt64
) ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/edgelog/billing_5m_local', '{replica}')
PARTITION BY toYYYYMM(t)
ORDER BY (customer, t, region);

CREATE TABLE IF NOT EXISTS edgelog.billing_5m ON CLUSTER edge AS edgelog.billing_5m_local ENGINE = Distributed(edge, edgelog, billing_5m_local);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.billing_5m_mv ON CLUSTER edge TO edgelog.billing_5m_local AS
SELECT
    toStartOfFiveMinute(time) AS t,
    customer AS customer,
    region AS region,
    count() AS requests,
    sum(bytes_sent) AS bytes_out,
    sum(bytes_received) AS bytes_in
FROM edgelog.requests_local
GROUP BY t, customer, region;

CREATE TABLE IF NOT EXISTS edgelog.perf_1m_local ON CLUSTER edge (
    t DateTime('UTC'),
    region String,
    pop String,
    customer String,
    requests UInt64,
    errors_4xx UInt64,
    errors_5xx UInt64,
    ttfb_us_q AggregateFunction(quantilesTDigest(0.5, 0.9, 0.99), UInt32),
    request_time_us_q AggregateFunction(quantilesTDigest(0.5, 0.9, 0.99), UInt32)
) ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/edgelog/perf_1m_local', '{replica}')
PARTITION BY toYYYYMMDD(t)
ORDER BY (customer, t, region, pop);

CREATE TABLE IF NOT EXISTS edgelog.perf_1m ON CLUSTER edge AS edgelog.perf_1m_local ENGINE = Distributed(edge, edgelog, perf_1m_local);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.perf_1m_mv ON CLUSTER edge TO edgelog.perf_1m_local AS
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
FROM edgelog.requests_local
GROUP BY t, region, pop, customer;

CREATE TABLE IF NOT EXISTS edgelog.perf_geo_1h_local ON CLUSTER edge (
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
) ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/edgelog/perf_geo_1h_local', '{replica}')
PARTITION BY toYYYYMM(t)
ORDER BY (customer, t, region, country, asn);

CREATE TABLE IF NOT EXISTS edgelog.perf_geo_1h ON CLUSTER edge AS edgelog.perf_geo_1h_local ENGINE = Distributed(edge, edgelog, perf_geo_1h_local);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.perf_geo_1h_mv ON CLUSTER edge TO edgelog.perf_geo_1h_local AS
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
FROM edgelog.requests_local
GROUP BY t, region, country, asn, customer;

CREATE TABLE IF NOT EXISTS edgelog.top_paths_1h_local ON CLUSTER edge (
    t DateTime('UTC'),
    customer String,
    host String,
    requests UInt64,
    top_paths AggregateFunction(topK(1000), String)
) ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/edgelog/top_paths_1h_local', '{replica}')
PARTITION BY toYYYYMM(t)
ORDER BY (customer, t, host)
SETTINGS index_granularity = 128;

CREATE TABLE IF NOT EXISTS edgelog.top_paths_1h ON CLUSTER edge AS edgelog.top_paths_1h_local ENGINE = Distributed(edge, edgelog, top_paths_1h_local);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.top_paths_1h_mv ON CLUSTER edge TO edgelog.top_paths_1h_local AS
SELECT
    toStartOfHour(time) AS t,
    customer AS customer,
    host AS host,
    count() AS requests,
    topKState(1000)(path) AS top_paths
FROM edgelog.requests_local
GROUP BY t, customer, host;

-- migration 4: bill snapshots for month close
CREATE TABLE IF NOT EXISTS edgelog.bill_snapshots ON CLUSTER edge (
    month String,
    customer String,
    version UInt32,
    closed_at DateTime,
    requests UInt64,
    bytes_out UInt64,
    total String,
    bill String
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/all/edgelog/bill_snapshots', '{replica}')
ORDER BY (month, customer, version);

-- migration 5: edge servers rollup for the operations wall
CREATE TABLE IF NOT EXISTS edgelog.edge_servers_1m_local ON CLUSTER edge (
    t DateTime('UTC'),
    region String,
    pop String,
    server String,
    requests UInt64,
    bytes_out UInt64
) ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/edgelog/edge_servers_1m_local', '{replica}')
PARTITION BY toYYYYMMDD(t)
ORDER BY (t, region, pop, server);

CREATE TABLE IF NOT EXISTS edgelog.edge_servers_1m ON CLUSTER edge AS edgelog.edge_servers_1m_local ENGINE = Distributed(edge, edgelog, edge_servers_1m_local);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.edge_servers_1m_mv ON CLUSTER edge TO edgelog.edge_servers_1m_local AS
SELECT
    toStartOfMinute(time) AS t,
    region AS region,
    pop AS pop,
    server AS server,
    count() AS requests,
    sum(bytes_sent) AS bytes_out
FROM edgelog.requests_local
GROUP BY t, region, pop, server;

-- migration 6: hour and day latency rollups
CREATE TABLE IF NOT EXISTS edgelog.perf_1h_local ON CLUSTER edge (
    t DateTime('UTC'),
    region String,
    pop String,
    customer String,
    requests UInt64,
    errors_4xx UInt64,
    errors_5xx UInt64,
    ttfb_us_q AggregateFunction(quantilesTDigest(0.5, 0.9, 0.99), UInt32),
    request_time_us_q AggregateFunction(quantilesTDigest(0.5, 0.9, 0.99), UInt32)
) ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/edgelog/perf_1h_local', '{replica}')
PARTITION BY toYYYYMM(t)
ORDER BY (customer, t, region, pop);

CREATE TABLE IF NOT EXISTS edgelog.perf_1h ON CLUSTER edge AS edgelog.perf_1h_local ENGINE = Distributed(edge, edgelog, perf_1h_local);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.perf_1h_mv ON CLUSTER edge TO edgelog.perf_1h_local AS
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
FROM edgelog.requests_local
GROUP BY t, region, pop, customer;

CREATE TABLE IF NOT EXISTS edgelog.perf_geo_1d_local ON CLUSTER edge (
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
) ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/edgelog/perf_geo_1d_local', '{replica}')
PARTITION BY toYear(t)
ORDER BY (customer, t, region, country, asn);

CREATE TABLE IF NOT EXISTS edgelog.perf_geo_1d ON CLUSTER edge AS edgelog.perf_geo_1d_local ENGINE = Distributed(edge, edgelog, perf_geo_1d_local);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.perf_geo_1d_mv ON CLUSTER edge TO edgelog.perf_geo_1d_local AS
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
FROM edgelog.requests_local
GROUP BY t, region, country, asn, customer;

-- migration 7: latency rollups across all customers
CREATE TABLE IF NOT EXISTS edgelog.perf_all_1h_local ON CLUSTER edge (
    t DateTime('UTC'),
    region String,
    pop String,
    requests UInt64,
    errors_4xx UInt64,
    errors_5xx UInt64,
    ttfb_us_q AggregateFunction(quantilesTDigest(0.5, 0.9, 0.99), UInt32),
    request_time_us_q AggregateFunction(quantilesTDigest(0.5, 0.9, 0.99), UInt32)
) ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/edgelog/perf_all_1h_local', '{replica}')
PARTITION BY toYYYYMM(t)
ORDER BY (t, region, pop);

CREATE TABLE IF NOT EXISTS edgelog.perf_all_1h ON CLUSTER edge AS edgelog.perf_all_1h_local ENGINE = Distributed(edge, edgelog, perf_all_1h_local);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.perf_all_1h_mv ON CLUSTER edge TO edgelog.perf_all_1h_local AS
SELECT
    toStartOfHour(time) AS t,
    region AS region,
    pop AS pop,
    count() AS requests,
    countIf(status >= 400 AND status < 500) AS errors_4xx,
    countIf(status >= 500) AS errors_5xx,
    quantilesTDigestState(0.5, 0.9, 0.99)(ttfb_us) AS ttfb_us_q,
    quantilesTDigestState(0.5, 0.9, 0.99)(request_time_us) AS request_time_us_q
FROM edgelog.requests_local
GROUP BY t, region, pop;

CREATE TABLE IF NOT EXISTS edgelog.perf_geo_all_1d_local ON CLUSTER edge (
    t DateTime('UTC'),
    region String,
    country String,
    asn UInt32,
    requests UInt64,
    errors_4xx UInt64,
    errors_5xx UInt64,
    ttfb_us_q AggregateFunction(quantilesTDigest(0.5, 0.9, 0.99), UInt32),
    request_time_us_q AggregateFunction(quantilesTDigest(0.5, 0.9, 0.99), UInt32)
) ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/edgelog/perf_geo_all_1d_local', '{replica}')
PARTITION BY toYear(t)
ORDER BY (t, region, country, asn);

CREATE TABLE IF NOT EXISTS edgelog.perf_geo_all_1d ON CLUSTER edge AS edgelog.perf_geo_all_1d_local ENGINE = Distributed(edge, edgelog, perf_geo_all_1d_local);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.perf_geo_all_1d_mv ON CLUSTER edge TO edgelog.perf_geo_all_1d_local AS
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
FROM edgelog.requests_local
GROUP BY t, region, country, asn;

-- migration 8: daily bills, path counts and minute latency across customers; top_paths_1h dropped
CREATE TABLE IF NOT EXISTS edgelog.billing_1d_local ON CLUSTER edge (
    t DateTime('UTC'),
    customer String,
    region String,
    requests UInt64,
    bytes_out UInt64,
    bytes_in UInt64
) ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/edgelog/billing_1d_local', '{replica}')
PARTITION BY toYYYYMM(t)
ORDER BY (customer, t, region);

CREATE TABLE IF NOT EXISTS edgelog.billing_1d ON CLUSTER edge AS edgelog.billing_1d_local ENGINE = Distributed(edge, edgelog, billing_1d_local);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.billing_1d_mv ON CLUSTER edge TO edgelog.billing_1d_local AS
SELECT
    toStartOfDay(time) AS t,
    customer AS customer,
    region AS region,
    count() AS requests,
    sum(bytes_sent) AS bytes_out,
    sum(bytes_received) AS bytes_in
FROM edgelog.requests_local
GROUP BY t, customer, region;

CREATE TABLE IF NOT EXISTS edgelog.path_hits_1h_local ON CLUSTER edge (
    t DateTime('UTC'),
    customer String,
    host String,
    path String,
    requests UInt64,
    bytes_out UInt64
) ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/edgelog/path_hits_1h_local', '{replica}')
PARTITION BY toYYYYMM(t)
ORDER BY (customer, t, host, path);

CREATE TABLE IF NOT EXISTS edgelog.path_hits_1h ON CLUSTER edge AS edgelog.path_hits_1h_local ENGINE = Distributed(edge, edgelog, path_hits_1h_local);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.path_hits_1h_mv ON CLUSTER edge TO edgelog.path_hits_1h_local AS
SELECT
    toStartOfHour(time) AS t,
    customer AS customer,
    host AS host,
    path AS path,
    count() AS requests,
    sum(bytes_sent) AS bytes_out
FROM edgelog.requests_local
GROUP BY t, customer, host, path
ORDER BY requests DESC, path
LIMIT 200 BY t, customer, host;

CREATE TABLE IF NOT EXISTS edgelog.perf_all_1m_local ON CLUSTER edge (
    t DateTime('UTC'),
    region String,
    pop String,
    requests UInt64,
    errors_4xx UInt64,
    errors_5xx UInt64,
    ttfb_us_q AggregateFunction(quantilesTDigest(0.5, 0.9, 0.99), UInt32),
    request_time_us_q AggregateFunction(quantilesTDigest(0.5, 0.9, 0.99), UInt32)
) ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/edgelog/perf_all_1m_local', '{replica}')
PARTITION BY toYYYYMMDD(t)
ORDER BY (t, region, pop);

CREATE TABLE IF NOT EXISTS edgelog.perf_all_1m ON CLUSTER edge AS edgelog.perf_all_1m_local ENGINE = Distributed(edge, edgelog, perf_all_1m_local);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.perf_all_1m_mv ON CLUSTER edge TO edgelog.perf_all_1m_local AS
SELECT
    toStartOfMinute(time) AS t,
    region AS region,
    pop AS pop,
    count() AS requests,
    countIf(status >= 400 AND status < 500) AS errors_4xx,
    countIf(status >= 500) AS errors_5xx,
    quantilesTDigestState(0.5, 0.9, 0.99)(ttfb_us) AS ttfb_us_q,
    quantilesTDigestState(0.5, 0.9, 0.99)(request_time_us) AS request_time_us_q
FROM edgelog.requests_local
GROUP BY t, region, pop;

DROP TABLE IF EXISTS edgelog.top_paths_1h_mv ON CLUSTER edge;

DROP TABLE IF EXISTS edgelog.top_paths_1h ON CLUSTER edge;

DROP TABLE IF EXISTS edgelog.top_paths_1h_local ON CLUSTER edge;

-- migration 9: ledgers keyed by Kafka cluster and topic (src_stream)
/* on one replica of each shard */ ALTER TABLE edgelog.requests_local ADD COLUMN src_stream String AFTER src_seq;

DROP TABLE IF EXISTS edgelog.requests ON CLUSTER edge;

CREATE TABLE IF NOT EXISTS edgelog.requests ON CLUSTER edge AS edgelog.requests_local ENGINE = Distributed(edge, edgelog, requests_local, cityHash64(customer, host));

/* on one replica of each shard */ ALTER TABLE edgelog.ingest_ledger_local ADD COLUMN src_stream String AFTER src_partition;

DROP TABLE IF EXISTS edgelog.ingest_ledger ON CLUSTER edge;

CREATE TABLE IF NOT EXISTS edgelog.ingest_ledger ON CLUSTER edge AS edgelog.ingest_ledger_local ENGINE = Distributed(edge, edgelog, ingest_ledger_local);

/* on one replica of each shard */ ALTER TABLE edgelog.source_ledger_local ADD COLUMN src_stream String AFTER src_partition;

DROP TABLE IF EXISTS edgelog.source_ledger ON CLUSTER edge;

CREATE TABLE IF NOT EXISTS edgelog.source_ledger ON CLUSTER edge AS edgelog.source_ledger_local ENGINE = Distributed(edge, edgelog, source_ledger_local);

DROP TABLE IF EXISTS edgelog.ingest_ledger_mv ON CLUSTER edge;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.ingest_ledger_mv ON CLUSTER edge TO edgelog.ingest_ledger_local AS
SELECT src_stream, src_partition, min(src_offset) AS min_offset, max(src_offset) AS max_offset, count() AS rows, now() AS inserted_at
FROM edgelog.requests_local
GROUP BY src_stream, src_partition;

DROP TABLE IF EXISTS edgelog.source_ledger_mv ON CLUSTER edge;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.source_ledger_mv ON CLUSTER edge TO edgelog.source_ledger_local AS
SELECT src_file, src_stream, src_partition, any(src_file_end) AS batch_end, any(src_seq) AS seq, count() AS rows, now() AS inserted_at
FROM edgelog.requests_local
WHERE src_file != ''
GROUP BY src_file, src_stream, src_partition, src_file_end, src_seq;

-- migration 10: total bytes (bytes_total) in raw rows and rollups; body bytes per cache outcome and status class
DROP TABLE IF EXISTS edgelog.traffic_1m_mv ON CLUSTER edge;

DROP TABLE IF EXISTS edgelog.traffic_1h_mv ON CLUSTER edge;

DROP TABLE IF EXISTS edgelog.traffic_1d_mv ON CLUSTER edge;

DROP TABLE IF EXISTS edgelog.billing_5m_mv ON CLUSTER edge;

DROP TABLE IF EXISTS edgelog.billing_1d_mv ON CLUSTER edge;

/* on one replica of each shard */ ALTER TABLE edgelog.requests_local ADD COLUMN bytes_total UInt64 DEFAULT bytes_sent AFTER bytes_sent;

DROP TABLE IF EXISTS edgelog.requests ON CLUSTER edge;

CREATE TABLE IF NOT EXISTS edgelog.requests ON CLUSTER edge AS edgelog.requests_local ENGINE = Distributed(edge, edgelog, requests_local, cityHash64(customer, host));

/* on one replica of each shard */ ALTER TABLE edgelog.traffic_1m_local ADD COLUMN bytes_total UInt64 DEFAULT bytes_out;

/* on one replica of each shard */ ALTER TABLE edgelog.traffic_1m_local ADD COLUMN bytes_miss UInt64;

/* on one replica of each shard */ ALTER TABLE edgelog.traffic_1m_local ADD COLUMN bytes_1xx UInt64;

/* on one replica of each shard */ ALTER TABLE edgelog.traffic_1m_local ADD COLUMN bytes_2xx UInt64;

/* on one replica of each shard */ ALTER TABLE edgelog.traffic_1m_local ADD COLUMN bytes_3xx UInt64;

/* on one replica of each shard */ ALTER TABLE edgelog.traffic_1m_local ADD COLUMN bytes_4xx UInt64;

/* on one replica of each shard */ ALTER TABLE edgelog.traffic_1m_local ADD COLUMN bytes_5xx UInt64;

/* on one replica of each shard */ ALTER TABLE edgelog.traffic_1m_local ADD COLUMN split_requests UInt64;

DROP TABLE IF EXISTS edgelog.traffic_1m ON CLUSTER edge;

CREATE TABLE IF NOT EXISTS edgelog.traffic_1m ON CLUSTER edge AS edgelog.traffic_1m_local ENGINE = Distributed(edge, edgelog, traffic_1m_local);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.traffic_1m_mv ON CLUSTER edge TO edgelog.traffic_1m_local AS
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
FROM edgelog.requests_local
GROUP BY t, customer, host, region, pop, country;

/* on one replica of each shard */ ALTER TABLE edgelog.traffic_1h_local ADD COLUMN bytes_total UInt64 DEFAULT bytes_out;

/* on one replica of each shard */ ALTER TABLE edgelog.traffic_1h_local ADD COLUMN bytes_miss UInt64;

/* on one replica of each shard */ ALTER TABLE edgelog.traffic_1h_local ADD COLUMN bytes_1xx UInt64;

/* on one replica of each shard */ ALTER TABLE edgelog.traffic_1h_local ADD COLUMN bytes_2xx UInt64;

/* on one replica of each shard */ ALTER TABLE edgelog.traffic_1h_local ADD COLUMN bytes_3xx UInt64;

/* on one replica of each shard */ ALTER TABLE edgelog.traffic_1h_local ADD COLUMN bytes_4xx UInt64;

/* on one replica of each shard */ ALTER TABLE edgelog.traffic_1h_local ADD COLUMN bytes_5xx UInt64;

/* on one replica of each shard */ ALTER TABLE edgelog.traffic_1h_local ADD COLUMN split_requests UInt64;

DROP TABLE IF EXISTS edgelog.traffic_1h ON CLUSTER edge;

CREATE TABLE IF NOT EXISTS edgelog.traffic_1h ON CLUSTER edge AS edgelog.traffic_1h_local ENGINE = Distributed(edge, edgelog, traffic_1h_local);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.traffic_1h_mv ON CLUSTER edge TO edgelog.traffic_1h_local AS
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
FROM edgelog.requests_local
GROUP BY t, customer, host, region, pop, country;

/* on one replica of each shard */ ALTER TABLE edgelog.traffic_1d_local ADD COLUMN bytes_total UInt64 DEFAULT bytes_out;

/* on one replica of each shard */ ALTER TABLE edgelog.traffic_1d_local ADD COLUMN bytes_miss UInt64;

/* on one replica of each shard */ ALTER TABLE edgelog.traffic_1d_local ADD COLUMN bytes_1xx UInt64;

/* on one replica of each shard */ ALTER TABLE edgelog.traffic_1d_local ADD COLUMN bytes_2xx UInt64;

/* on one replica of each shard */ ALTER TABLE edgelog.traffic_1d_local ADD COLUMN bytes_3xx UInt64;

/* on one replica of each shard */ ALTER TABLE edgelog.traffic_1d_local ADD COLUMN bytes_4xx UInt64;

/* on one replica of each shard */ ALTER TABLE edgelog.traffic_1d_local ADD COLUMN bytes_5xx UInt64;

/* on one replica of each shard */ ALTER TABLE edgelog.traffic_1d_local ADD COLUMN split_requests UInt64;

DROP TABLE IF EXISTS edgelog.traffic_1d ON CLUSTER edge;

CREATE TABLE IF NOT EXISTS edgelog.traffic_1d ON CLUSTER edge AS edgelog.traffic_1d_local ENGINE = Distributed(edge, edgelog, traffic_1d_local);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.traffic_1d_mv ON CLUSTER edge TO edgelog.traffic_1d_local AS
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
FROM edgelog.requests_local
GROUP BY t, customer, host, region, pop, country;

/* on one replica of each shard */ ALTER TABLE edgelog.billing_5m_local ADD COLUMN bytes_total UInt64 DEFAULT bytes_out;

DROP TABLE IF EXISTS edgelog.billing_5m ON CLUSTER edge;

CREATE TABLE IF NOT EXISTS edgelog.billing_5m ON CLUSTER edge AS edgelog.billing_5m_local ENGINE = Distributed(edge, edgelog, billing_5m_local);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.billing_5m_mv ON CLUSTER edge TO edgelog.billing_5m_local AS
SELECT
    toStartOfFiveMinute(time) AS t,
    customer AS customer,
    region AS region,
    count() AS requests,
    sum(bytes_sent) AS bytes_out,
    sum(bytes_received) AS bytes_in,
    sum(bytes_total) AS bytes_total
FROM edgelog.requests_local
GROUP BY t, customer, region;

/* on one replica of each shard */ ALTER TABLE edgelog.billing_1d_local ADD COLUMN bytes_total UInt64 DEFAULT bytes_out;

DROP TABLE IF EXISTS edgelog.billing_1d ON CLUSTER edge;

CREATE TABLE IF NOT EXISTS edgelog.billing_1d ON CLUSTER edge AS edgelog.billing_1d_local ENGINE = Distributed(edge, edgelog, billing_1d_local);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.billing_1d_mv ON CLUSTER edge TO edgelog.billing_1d_local AS
SELECT
    toStartOfDay(time) AS t,
    customer AS customer,
    region AS region,
    count() AS requests,
    sum(bytes_sent) AS bytes_out,
    sum(bytes_received) AS bytes_in,
    sum(bytes_total) AS bytes_total
FROM edgelog.requests_local
GROUP BY t, customer, region;

-- migration 11: field fallbacks per message for the operations overview
CREATE TABLE IF NOT EXISTS edgelog.field_fallbacks ON CLUSTER edge (
    time DateTime,
    customer String,
    format String,
    field String,
    reason String,
    lines UInt64,
    src_stream String,
    src_partition UInt16,
    src_offset UInt64
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/all/edgelog/field_fallbacks', '{replica}')
PARTITION BY toYYYYMMDD(time)
ORDER BY (time, src_stream, src_partition, src_offset, field, reason);

-- migration 12: offset gaps (Kafka data lost to retention) and clock skew of edge servers
CREATE TABLE IF NOT EXISTS edgelog.offset_gaps ON CLUSTER edge (
    src_stream String,
    src_partition UInt16,
    from_offset UInt64,
    to_offset UInt64,
    lost UInt64,
    detected_at DateTime
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/all/edgelog/offset_gaps', '{replica}')
ORDER BY (src_stream, src_partition, from_offset);

CREATE TABLE IF NOT EXISTS edgelog.clock_skew ON CLUSTER edge (
    t DateTime,
    server String,
    rows UInt64,
    max_ahead_s Int64
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/all/edgelog/clock_skew', '{replica}')
PARTITION BY toYYYYMM(t)
ORDER BY (t, server);

-- migration 13: per-second live counter and ingest watermark
CREATE TABLE IF NOT EXISTS edgelog.live_1s_local ON CLUSTER edge (
    t DateTime('UTC'),
    customer String,
    region String,
    requests UInt64,
    bytes_out UInt64
) ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/edgelog/live_1s_local', '{replica}')
PARTITION BY toYYYYMMDD(t)
ORDER BY (customer, t, region);

CREATE TABLE IF NOT EXISTS edgelog.live_1s ON CLUSTER edge AS edgelog.live_1s_local ENGINE = Distributed(edge, edgelog, live_1s_local);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.live_1s_mv ON CLUSTER edge TO edgelog.live_1s_local AS
SELECT
    toDateTime(time) AS t,
    customer AS customer,
    region AS region,
    count() AS requests,
    sum(bytes_sent) AS bytes_out
FROM edgelog.requests_local
GROUP BY t, customer, region;

CREATE TABLE IF NOT EXISTS edgelog.ingest_watermark_local ON CLUSTER edge (
    src_stream String,
    src_partition UInt16,
    max_time_ms UInt64,
    rows UInt64,
    inserted_at DateTime DEFAULT now()
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/edgelog/ingest_watermark_local', '{replica}')
PARTITION BY toYYYYMMDD(inserted_at)
ORDER BY (inserted_at, src_stream, src_partition);

CREATE TABLE IF NOT EXISTS edgelog.ingest_watermark ON CLUSTER edge AS edgelog.ingest_watermark_local ENGINE = Distributed(edge, edgelog, ingest_watermark_local);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.ingest_watermark_mv ON CLUSTER edge TO edgelog.ingest_watermark_local AS
SELECT src_stream, src_partition, max(toUInt64(time) * 1000 + time_ms) AS max_time_ms, count() AS rows, now() AS inserted_at
FROM edgelog.requests_local
GROUP BY src_stream, src_partition;

-- migration 14: the client's address list (x_forwarded_for) in raw rows
/* on one replica of each shard */ ALTER TABLE edgelog.requests_local ADD COLUMN x_forwarded_for String AFTER referer;

DROP TABLE IF EXISTS edgelog.requests ON CLUSTER edge;

CREATE TABLE IF NOT EXISTS edgelog.requests ON CLUSTER edge AS edgelog.requests_local ENGINE = Distributed(edge, edgelog, requests_local, cityHash64(customer, host));

-- migration 15: traffic and billing rollups fed from ingest's per-block aggregates (rollup_feed, feed_ledger)
-- migration 16: the ingest watermark's view runs last (the live counter trusts a partition's latest INSERT)
/* on one replica of each shard */ ALTER TABLE edgelog.ingest_watermark_local ADD COLUMN visible_last UInt8 DEFAULT 0 AFTER rows;

DROP TABLE IF EXISTS edgelog.ingest_watermark ON CLUSTER edge;

CREATE TABLE IF NOT EXISTS edgelog.ingest_watermark ON CLUSTER edge AS edgelog.ingest_watermark_local ENGINE = Distributed(edge, edgelog, ingest_watermark_local);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.zz_ingest_watermark_mv ON CLUSTER edge TO edgelog.ingest_watermark_local AS
SELECT src_stream, src_partition, max(toUInt64(time) * 1000 + time_ms) AS max_time_ms, count() AS rows, toUInt8(0) AS visible_last, now() AS inserted_at
FROM edgelog.requests_local
GROUP BY src_stream, src_partition;

DROP TABLE IF EXISTS edgelog.ingest_watermark_mv ON CLUSTER edge;

-- migration 17: coarse latency rollups fed from their finer rollup's view, traffic_1m's feed view without a GROUP BY (single server)
-- migration 18: the ledgers' views run last in their INSERT; partial INSERTs recorded (partial_inserts)
CREATE TABLE IF NOT EXISTS edgelog.partial_inserts ON CLUSTER edge (
    src_stream String,
    src_partition UInt16,
    min_offset UInt64,
    max_offset UInt64,
    raw_rows UInt64,
    feed_requests UInt64,
    detected_at DateTime
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/all/edgelog/partial_inserts', '{replica}')
ORDER BY (src_stream, src_partition, min_offset);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.zy_ingest_ledger_mv ON CLUSTER edge TO edgelog.ingest_ledger_local AS
SELECT src_stream, src_partition, min(src_offset) AS min_offset, max(src_offset) AS max_offset, count() AS rows, now() AS inserted_at
FROM edgelog.requests_local
GROUP BY src_stream, src_partition;

DROP TABLE IF EXISTS edgelog.ingest_ledger_mv ON CLUSTER edge;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.zz_source_ledger_mv ON CLUSTER edge TO edgelog.source_ledger_local AS
SELECT src_file, src_stream, src_partition, any(src_file_end) AS batch_end, any(src_seq) AS seq, count() AS rows, now() AS inserted_at
FROM edgelog.requests_local
WHERE src_file != ''
GROUP BY src_file, src_stream, src_partition, src_file_end, src_seq;

DROP TABLE IF EXISTS edgelog.source_ledger_mv ON CLUSTER edge;

-- migration 19: rollup, live counter and feed keys as String on modern servers (LowCardinality kept in raw rows)
-- migration 20: the live counter in hour partitions (live_1s_by_hour, rows copied from live_1s)
CREATE TABLE IF NOT EXISTS edgelog.live_1s_by_hour_local ON CLUSTER edge (
    t DateTime('UTC'),
    customer String,
    region String,
    requests UInt64,
    bytes_out UInt64
) ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/edgelog/live_1s_by_hour_local', '{replica}')
PARTITION BY intDiv(toYYYYMMDDhhmmss(t), 10000)
ORDER BY (customer, t, region);

CREATE TABLE IF NOT EXISTS edgelog.live_1s_by_hour ON CLUSTER edge AS edgelog.live_1s_by_hour_local ENGINE = Distributed(edge, edgelog, live_1s_by_hour_local);

/* on one replica of each shard */ INSERT INTO edgelog.live_1s_by_hour_local (t, customer, region, requests, bytes_out)
SELECT t, customer, region, requests, bytes_out FROM edgelog.live_1s_local
WHERE (SELECT count() FROM edgelog.live_1s_by_hour_local) = 0;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.live_1s_by_hour_mv ON CLUSTER edge TO edgelog.live_1s_by_hour_local AS
SELECT
    toDateTime(time) AS t,
    customer AS customer,
    region AS region,
    count() AS requests,
    sum(bytes_sent) AS bytes_out
FROM edgelog.requests_local
GROUP BY t, customer, region;

DROP TABLE IF EXISTS edgelog.live_1s_mv ON CLUSTER edge;

-- migration 21: the day-partitioned live counter (live_1s) dropped
DROP TABLE IF EXISTS edgelog.live_1s_mv ON CLUSTER edge;

DROP TABLE IF EXISTS edgelog.live_1s ON CLUSTER edge;

DROP TABLE IF EXISTS edgelog.live_1s_local ON CLUSTER edge;

-- migration 22: raw strings no view reads as LowCardinality on a single ClickHouse 18.16 server (method, scheme, protocol, cache_status, content_type, user_agent, referer)
-- migration 23: raw strings views read as LowCardinality on a single ClickHouse 18.16 server (host, pop, region, server, country, path, src_file, src_stream), the views over raw rows made again casting them to String
-- migration 24: latency quantiles as log-coded histograms (ttfb_us_h, request_time_us_h: quantileTiming of a log code, 1.2% relative error) instead of t-digests
DROP TABLE IF EXISTS edgelog.perf_all_1m_mv ON CLUSTER edge;

DROP TABLE IF EXISTS edgelog.perf_geo_all_1d_mv ON CLUSTER edge;

DROP TABLE IF EXISTS edgelog.perf_all_1h_mv ON CLUSTER edge;

DROP TABLE IF EXISTS edgelog.perf_geo_1d_mv ON CLUSTER edge;

DROP TABLE IF EXISTS edgelog.perf_1h_mv ON CLUSTER edge;

DROP TABLE IF EXISTS edgelog.perf_geo_1h_mv ON CLUSTER edge;

DROP TABLE IF EXISTS edgelog.perf_1m_mv ON CLUSTER edge;

/* on one replica of each shard */ ALTER TABLE edgelog.perf_1m_local ADD COLUMN ttfb_us_h AggregateFunction(quantilesTiming(0.5, 0.9, 0.99), UInt32);

/* on one replica of each shard */ ALTER TABLE edgelog.perf_1m_local ADD COLUMN request_time_us_h AggregateFunction(quantilesTiming(0.5, 0.9, 0.99), UInt32);

DROP TABLE IF EXISTS edgelog.perf_1m ON CLUSTER edge;

CREATE TABLE IF NOT EXISTS edgelog.perf_1m ON CLUSTER edge AS edgelog.perf_1m_local ENGINE = Distributed(edge, edgelog, perf_1m_local);

/* on one replica of each shard */ ALTER TABLE edgelog.perf_geo_1h_local ADD COLUMN ttfb_us_h AggregateFunction(quantilesTiming(0.5, 0.9, 0.99), UInt32);

/* on one replica of each shard */ ALTER TABLE edgelog.perf_geo_1h_local ADD COLUMN request_time_us_h AggregateFunction(quantilesTiming(0.5, 0.9, 0.99), UInt32);

DROP TABLE IF EXISTS edgelog.perf_geo_1h ON CLUSTER edge;

CREATE TABLE IF NOT EXISTS edgelog.perf_geo_1h ON CLUSTER edge AS edgelog.perf_geo_1h_local ENGINE = Distributed(edge, edgelog, perf_geo_1h_local);

/* on one replica of each shard */ ALTER TABLE edgelog.perf_1h_local ADD COLUMN ttfb_us_h AggregateFunction(quantilesTiming(0.5, 0.9, 0.99), UInt32);

/* on one replica of each shard */ ALTER TABLE edgelog.perf_1h_local ADD COLUMN request_time_us_h AggregateFunction(quantilesTiming(0.5, 0.9, 0.99), UInt32);

DROP TABLE IF EXISTS edgelog.perf_1h ON CLUSTER edge;

CREATE TABLE IF NOT EXISTS edgelog.perf_1h ON CLUSTER edge AS edgelog.perf_1h_local ENGINE = Distributed(edge, edgelog, perf_1h_local);

/* on one replica of each shard */ ALTER TABLE edgelog.perf_geo_1d_local ADD COLUMN ttfb_us_h AggregateFunction(quantilesTiming(0.5, 0.9, 0.99), UInt32);

/* on one replica of each shard */ ALTER TABLE edgelog.perf_geo_1d_local ADD COLUMN request_time_us_h AggregateFunction(quantilesTiming(0.5, 0.9, 0.99), UInt32);

DROP TABLE IF EXISTS edgelog.perf_geo_1d ON CLUSTER edge;

CREATE TABLE IF NOT EXISTS edgelog.perf_geo_1d ON CLUSTER edge AS edgelog.perf_geo_1d_local ENGINE = Distributed(edge, edgelog, perf_geo_1d_local);

/* on one replica of each shard */ ALTER TABLE edgelog.perf_all_1h_local ADD COLUMN ttfb_us_h AggregateFunction(quantilesTiming(0.5, 0.9, 0.99), UInt32);

/* on one replica of each shard */ ALTER TABLE edgelog.perf_all_1h_local ADD COLUMN request_time_us_h AggregateFunction(quantilesTiming(0.5, 0.9, 0.99), UInt32);

DROP TABLE IF EXISTS edgelog.perf_all_1h ON CLUSTER edge;

CREATE TABLE IF NOT EXISTS edgelog.perf_all_1h ON CLUSTER edge AS edgelog.perf_all_1h_local ENGINE = Distributed(edge, edgelog, perf_all_1h_local);

/* on one replica of each shard */ ALTER TABLE edgelog.perf_geo_all_1d_local ADD COLUMN ttfb_us_h AggregateFunction(quantilesTiming(0.5, 0.9, 0.99), UInt32);

/* on one replica of each shard */ ALTER TABLE edgelog.perf_geo_all_1d_local ADD COLUMN request_time_us_h AggregateFunction(quantilesTiming(0.5, 0.9, 0.99), UInt32);

DROP TABLE IF EXISTS edgelog.perf_geo_all_1d ON CLUSTER edge;

CREATE TABLE IF NOT EXISTS edgelog.perf_geo_all_1d ON CLUSTER edge AS edgelog.perf_geo_all_1d_local ENGINE = Distributed(edge, edgelog, perf_geo_all_1d_local);

/* on one replica of each shard */ ALTER TABLE edgelog.perf_all_1m_local ADD COLUMN ttfb_us_h AggregateFunction(quantilesTiming(0.5, 0.9, 0.99), UInt32);

/* on one replica of each shard */ ALTER TABLE edgelog.perf_all_1m_local ADD COLUMN request_time_us_h AggregateFunction(quantilesTiming(0.5, 0.9, 0.99), UInt32);

DROP TABLE IF EXISTS edgelog.perf_all_1m ON CLUSTER edge;

CREATE TABLE IF NOT EXISTS edgelog.perf_all_1m ON CLUSTER edge AS edgelog.perf_all_1m_local ENGINE = Distributed(edge, edgelog, perf_all_1m_local);

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.perf_1m_mv ON CLUSTER edge TO edgelog.perf_1m_local AS
SELECT
    toStartOfMinute(time) AS t,
    region AS region,
    pop AS pop,
    customer AS customer,
    count() AS requests,
    countIf(status >= 400 AND status < 500) AS errors_4xx,
    countIf(status >= 500) AS errors_5xx,
    arrayReduce('quantilesTDigestState(0.5, 0.9, 0.99)', emptyArrayUInt32()) AS ttfb_us_q,
    arrayReduce('quantilesTDigestState(0.5, 0.9, 0.99)', emptyArrayUInt32()) AS request_time_us_q,
    quantilesTimingState(0.5, 0.9, 0.99)(toUInt32(round(log(ttfb_us + 1) * 1352))) AS ttfb_us_h,
    quantilesTimingState(0.5, 0.9, 0.99)(toUInt32(round(log(request_time_us + 1) * 1352))) AS request_time_us_h
FROM edgelog.requests_local
GROUP BY t, region, pop, customer;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.perf_geo_1h_mv ON CLUSTER edge TO edgelog.perf_geo_1h_local AS
SELECT
    toStartOfHour(time) AS t,
    region AS region,
    country AS country,
    asn AS asn,
    customer AS customer,
    count() AS requests,
    countIf(status >= 400 AND status < 500) AS errors_4xx,
    countIf(status >= 500) AS errors_5xx,
    arrayReduce('quantilesTDigestState(0.5, 0.9, 0.99)', emptyArrayUInt32()) AS ttfb_us_q,
    arrayReduce('quantilesTDigestState(0.5, 0.9, 0.99)', emptyArrayUInt32()) AS request_time_us_q,
    quantilesTimingState(0.5, 0.9, 0.99)(toUInt32(round(log(ttfb_us + 1) * 1352))) AS ttfb_us_h,
    quantilesTimingState(0.5, 0.9, 0.99)(toUInt32(round(log(request_time_us + 1) * 1352))) AS request_time_us_h
FROM edgelog.requests_local
GROUP BY t, region, country, asn, customer;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.perf_1h_mv ON CLUSTER edge TO edgelog.perf_1h_local AS
SELECT
    toStartOfHour(time) AS t,
    region AS region,
    pop AS pop,
    customer AS customer,
    count() AS requests,
    countIf(status >= 400 AND status < 500) AS errors_4xx,
    countIf(status >= 500) AS errors_5xx,
    arrayReduce('quantilesTDigestState(0.5, 0.9, 0.99)', emptyArrayUInt32()) AS ttfb_us_q,
    arrayReduce('quantilesTDigestState(0.5, 0.9, 0.99)', emptyArrayUInt32()) AS request_time_us_q,
    quantilesTimingState(0.5, 0.9, 0.99)(toUInt32(round(log(ttfb_us + 1) * 1352))) AS ttfb_us_h,
    quantilesTimingState(0.5, 0.9, 0.99)(toUInt32(round(log(request_time_us + 1) * 1352))) AS request_time_us_h
FROM edgelog.requests_local
GROUP BY t, region, pop, customer;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.perf_geo_1d_mv ON CLUSTER edge TO edgelog.perf_geo_1d_local AS
SELECT
    toStartOfDay(time) AS t,
    region AS region,
    country AS country,
    asn AS asn,
    customer AS customer,
    count() AS requests,
    countIf(status >= 400 AND status < 500) AS errors_4xx,
    countIf(status >= 500) AS errors_5xx,
    arrayReduce('quantilesTDigestState(0.5, 0.9, 0.99)', emptyArrayUInt32()) AS ttfb_us_q,
    arrayReduce('quantilesTDigestState(0.5, 0.9, 0.99)', emptyArrayUInt32()) AS request_time_us_q,
    quantilesTimingState(0.5, 0.9, 0.99)(toUInt32(round(log(ttfb_us + 1) * 1352))) AS ttfb_us_h,
    quantilesTimingState(0.5, 0.9, 0.99)(toUInt32(round(log(request_time_us + 1) * 1352))) AS request_time_us_h
FROM edgelog.requests_local
GROUP BY t, region, country, asn, customer;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.perf_all_1h_mv ON CLUSTER edge TO edgelog.perf_all_1h_local AS
SELECT
    toStartOfHour(time) AS t,
    region AS region,
    pop AS pop,
    count() AS requests,
    countIf(status >= 400 AND status < 500) AS errors_4xx,
    countIf(status >= 500) AS errors_5xx,
    arrayReduce('quantilesTDigestState(0.5, 0.9, 0.99)', emptyArrayUInt32()) AS ttfb_us_q,
    arrayReduce('quantilesTDigestState(0.5, 0.9, 0.99)', emptyArrayUInt32()) AS request_time_us_q,
    quantilesTimingState(0.5, 0.9, 0.99)(toUInt32(round(log(ttfb_us + 1) * 1352))) AS ttfb_us_h,
    quantilesTimingState(0.5, 0.9, 0.99)(toUInt32(round(log(request_time_us + 1) * 1352))) AS request_time_us_h
FROM edgelog.requests_local
GROUP BY t, region, pop;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.perf_geo_all_1d_mv ON CLUSTER edge TO edgelog.perf_geo_all_1d_local AS
SELECT
    toStartOfDay(time) AS t,
    region AS region,
    country AS country,
    asn AS asn,
    count() AS requests,
    countIf(status >= 400 AND status < 500) AS errors_4xx,
    countIf(status >= 500) AS errors_5xx,
    arrayReduce('quantilesTDigestState(0.5, 0.9, 0.99)', emptyArrayUInt32()) AS ttfb_us_q,
    arrayReduce('quantilesTDigestState(0.5, 0.9, 0.99)', emptyArrayUInt32()) AS request_time_us_q,
    quantilesTimingState(0.5, 0.9, 0.99)(toUInt32(round(log(ttfb_us + 1) * 1352))) AS ttfb_us_h,
    quantilesTimingState(0.5, 0.9, 0.99)(toUInt32(round(log(request_time_us + 1) * 1352))) AS request_time_us_h
FROM edgelog.requests_local
GROUP BY t, region, country, asn;

CREATE MATERIALIZED VIEW IF NOT EXISTS edgelog.perf_all_1m_mv ON CLUSTER edge TO edgelog.perf_all_1m_local AS
SELECT
    toStartOfMinute(time) AS t,
    region AS region,
    pop AS pop,
    count() AS requests,
    countIf(status >= 400 AND status < 500) AS errors_4xx,
    countIf(status >= 500) AS errors_5xx,
    arrayReduce('quantilesTDigestState(0.5, 0.9, 0.99)', emptyArrayUInt32()) AS ttfb_us_q,
    arrayReduce('quantilesTDigestState(0.5, 0.9, 0.99)', emptyArrayUInt32()) AS request_time_us_q,
    quantilesTimingState(0.5, 0.9, 0.99)(toUInt32(round(log(ttfb_us + 1) * 1352))) AS ttfb_us_h,
    quantilesTimingState(0.5, 0.9, 0.99)(toUInt32(round(log(request_time_us + 1) * 1352))) AS request_time_us_h
FROM edgelog.requests_local
GROUP BY t, region, pop;

