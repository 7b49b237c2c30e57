// Package clustertest runs edgelog's cluster mode for real: ZooKeeper and
// two clickhouse-server processes (Debian's packages, started here on free
// ports in a temp dir) that form one remote_servers cluster, so that
// `schema migrate --cluster NAME` runs its ON CLUSTER DDL, rows go in
// through the Distributed tables and Replicated* tables deduplicate.
//
// Topology: 2 shards x 1 replica. With two servers one must choose between
// sharding and replication; sharding exercises more of edgelog's DDL (the
// Distributed sharding key, materialized views running on each shard over
// that shard's rows, rollups read back across shards), while every table
// is still ReplicatedMergeTree with its state in ZooKeeper, which is what
// insert deduplication and ON CLUSTER need. A second replica per shard
// would be the same DDL with other macros.
package clustertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/edgelog/edgelog/internal/chserver"
)

// Cluster is ZooKeeper plus one clickhouse-server per shard.
type Cluster struct {
	Name    string
	ZK      *ZooKeeper
	Servers []*chserver.Server
}

// Start starts ZooKeeper and shards servers under dir, all in the cluster
// name. On error everything started is stopped.
func Start(ctx context.Context, dir, name string, shards int) (c *Cluster, err error) {
	if _, err := chserver.Binary(); err != nil {
		return nil, err
	}
	c = &Cluster{Name: name}
	defer func() {
		if err != nil {
			c.Stop()
		}
	}()
	if c.ZK, err = StartZooKeeper(ctx, filepath.Join(dir, "zk")); err != nil {
		return nil, err
	}
	// Every server's remote_servers names every server's native port, so
	// the ports are chosen before any server starts.
	ports := make([]int, shards)
	for i := range ports {
		if ports[i], err = chserver.FreePort(); err != nil {
			return nil, err
		}
	}
	for i := range shards {
		sdir := filepath.Join(dir, fmt.Sprintf("ch%d", i+1))
		if err := os.MkdirAll(sdir, 0o755); err != nil {
			return nil, err
		}
		s, err := chserver.Start(ctx, chserver.Config{Dir: sdir, TCPPort: ports[i], Extra: c.configXML(ports, i)})
		if err != nil {
			return nil, fmt.Errorf("cannot start shard %d: %w", i+1, err)
		}
		c.Servers = append(c.Servers, s)
	}
	return c, nil
}

// configXML is server i's cluster config: ZooKeeper, the cluster's shards,
// its own macros and the distributed DDL queue ON CLUSTER needs (18.16 has
// no default for it).
func (c *Cluster) configXML(ports []int, i int) string {
	var shards string
	for _, p := range ports {
		// internal_replication: a Distributed insert writes to one replica
		// per shard and ReplicatedMergeTree copies it to the others.
		shards += fmt.Sprintf(`
      <shard><internal_replication>true</internal_replication>
        <replica><host>127.0.0.1</host><port>%d</port></replica>
      </shard>`, p)
	}
	return fmt.Sprintf(`  <zookeeper>
    <node><host>127.0.0.1</host><port>%d</port></node>
    <session_timeout_ms>10000</session_timeout_ms>
  </zookeeper>
  <remote_servers>
    <%s>%s
    </%s>
  </remote_servers>
  <macros>
    <shard>%02d</shard>
    <replica>ch%d</replica>
  </macros>
  <distributed_ddl>
    <path>/clickhouse/task_queue/ddl</path>
  </distributed_ddl>
`, c.ZK.Port, c.Name, shards, c.Name, i+1, i+1)
}

// Stop stops the servers, then ZooKeeper.
func (c *Cluster) Stop() {
	for _, s := range c.Servers {
		s.Stop()
	}
	if c.ZK != nil {
		c.ZK.Stop()
	}
}
