package schema

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Shards reaches one replica of each shard of a cluster, for work a
// replicated table copies to the shard's other replicas itself: a
// migration's ALTERs (EachShard), retention's dropped partitions. The
// shards are read once from Conn's system.clusters; a connection per
// server is opened when first needed and kept until Close, so it holds at
// most one connection per server of the cluster.
type Shards struct {
	Conn    driver.Conn // any server of the cluster
	Cluster string
	// Dial opens a connection to addr (host:port as system.clusters lists
	// it) as Conn was opened: user, password, TLS.
	Dial func(ctx context.Context, addr string) (driver.Conn, error)

	shards [][]string // each shard's replicas, host:port, in replica order
	conns  map[string]driver.Conn
}

// Each calls fn with one replica of each shard, in shard order: the first
// replica for which fn succeeds, so a replica that is down or read-only
// (its ZooKeeper session lost) hands the work to the next. fn must be
// safe to call again on another replica of the shard.
func (s *Shards) Each(ctx context.Context, fn func(ctx context.Context, addr string, conn driver.Conn) error) error {
	if s.Dial == nil {
		return errors.New("schema: Dial is needed to reach the cluster's shards")
	}
	if s.shards == nil {
		var err error
		if s.shards, err = clusterShards(ctx, s.Conn, s.Cluster); err != nil {
			return err
		}
	}
	for i, replicas := range s.shards {
		var errs []error
		for _, addr := range replicas {
			err := s.on(ctx, addr, fn)
			if err == nil {
				errs = nil
				break
			}
			errs = append(errs, fmt.Errorf("%s: %w", addr, err))
		}
		if errs != nil {
			return fmt.Errorf("no replica of shard %d of %s: %w", i+1, s.Cluster, errors.Join(errs...))
		}
	}
	return nil
}

func (s *Shards) on(ctx context.Context, addr string, fn func(ctx context.Context, addr string, conn driver.Conn) error) error {
	conn, ok := s.conns[addr]
	if !ok {
		var err error
		if conn, err = s.Dial(ctx, addr); err != nil {
			return err
		}
		if s.conns == nil {
			s.conns = map[string]driver.Conn{}
		}
		s.conns[addr] = conn
	}
	return fn(ctx, addr, conn)
}

// Close closes the connections Each opened.
func (s *Shards) Close() {
	for _, c := range s.conns {
		c.Close() // #nosec G104 -- work done; nothing to report on closing
	}
	s.conns = nil
}

// clusterShards lists cluster's servers by shard, as the connected
// server's remote_servers configures them.
func clusterShards(ctx context.Context, conn driver.Conn, cluster string) ([][]string, error) {
	rows, err := conn.Query(ctx, "SELECT shard_num, host_name, port FROM system.clusters WHERE cluster = ? ORDER BY shard_num, replica_num", cluster)
	if err != nil {
		return nil, fmt.Errorf("cannot list the shards of cluster %s: %w", cluster, err)
	}
	defer rows.Close()
	var shards [][]string
	last := uint32(0)
	for rows.Next() {
		var (
			shard uint32
			host  string
			port  uint16
		)
		if err := rows.Scan(&shard, &host, &port); err != nil {
			return nil, err
		}
		if shard != last {
			shards, last = append(shards, nil), shard
		}
		shards[len(shards)-1] = append(shards[len(shards)-1], net.JoinHostPort(host, strconv.Itoa(int(port))))
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(shards) == 0 {
		return nil, fmt.Errorf("cluster %s is not in the server's remote_servers (system.clusters)", cluster)
	}
	return shards, nil
}
