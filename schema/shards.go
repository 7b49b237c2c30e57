package schema

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// shardConns runs EachShard statements during one Migrate: the cluster's
// shards read once from system.clusters, a connection per server opened
// when first needed and closed by close. Bounded by the cluster's size.
type shardConns struct {
	m      *Migrator
	shards [][]string // each shard's replicas, host:port, in replica order
	conns  map[string]driver.Conn
}

// exec runs sql on one replica of each shard: the first that takes it,
// so a replica that is down or read-only (its ZooKeeper session lost)
// hands the statement to the next. A column that already exists counts
// as taken (columnExisted): the ALTER reached that shard before.
func (s *shardConns) exec(ctx context.Context, sql string) error {
	if s.m.Dial == nil {
		return errors.New("schema: Migrator.Dial is needed on a cluster (statements run on one replica of each shard)")
	}
	if s.shards == nil {
		var err error
		if s.shards, err = clusterShards(ctx, s.m.Conn, s.m.Dialect.Cluster); err != nil {
			return err
		}
	}
	for i, replicas := range s.shards {
		var errs []error
		for _, addr := range replicas {
			err := s.execOn(ctx, addr, sql)
			if err == nil || columnExisted(sql, err) {
				errs = nil
				break
			}
			errs = append(errs, fmt.Errorf("%s: %w", addr, err))
		}
		if errs != nil {
			return fmt.Errorf("no replica of shard %d took it: %w", i+1, errors.Join(errs...))
		}
	}
	return nil
}

func (s *shardConns) execOn(ctx context.Context, addr, sql string) error {
	conn, ok := s.conns[addr]
	if !ok {
		var err error
		if conn, err = s.m.Dial(ctx, addr); err != nil {
			return err
		}
		if s.conns == nil {
			s.conns = map[string]driver.Conn{}
		}
		s.conns[addr] = conn
	}
	return conn.Exec(ctx, sql)
}

func (s *shardConns) close() {
	for _, c := range s.conns {
		c.Close() // #nosec G104 -- DDL done; nothing to report on closing
	}
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
