-- args: 1791640800, 1791642600, "acme", "www.acme.example", "eu-west", "edge-fra1-00", "DE", 3320, 500, 600, "/img/", 250000, 100500, 101
SELECT toUInt32(toDateTime(time)), customer, host, region, pop, server, country, asn, IPv6NumToString(client_ip),
    method, scheme, protocol, path, status, bytes_sent, bytes_received, request_time_us, ttfb_us,
    cache_status, content_type, user_agent, referer, x_forwarded_for
FROM edgelog.requests
WHERE time >= toDateTime(?) AND time < toDateTime(?) AND customer = ? AND host = ? AND region = ? AND server = ? AND country = ? AND asn = ? AND status >= ? AND status < ? AND cache_status NOT IN ('HIT', 'STALE', 'UPDATING', 'REVALIDATED') AND cache_status NOT IN ('MISS', 'EXPIRED') AND startsWith(path, ?) AND request_time_us >= ? AND ttfb_us >= ?
ORDER BY time DESC, ttfb_us DESC
LIMIT ?;

