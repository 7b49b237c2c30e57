-- args: 1791640800, 1791644400, "bom1", 21
SELECT toUInt32(toDateTime(time)), customer, host, region, pop, server, country, asn, IPv6NumToString(client_ip),
    method, scheme, protocol, path, status, bytes_sent, bytes_received, request_time_us, ttfb_us,
    cache_status, content_type, user_agent, referer, x_forwarded_for
FROM edgelog.requests
WHERE time >= toDateTime(?) AND time < toDateTime(?) AND pop = ?
ORDER BY request_time_us DESC, time DESC
LIMIT ?;

