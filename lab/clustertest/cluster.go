// Package clustertest runs edgelog's cluster mode for real: ZooKeeper and
// clickhouse-server processes (Debian's packages, started here on free
// ports in a temp dir) that form one remote_servers cluster, so that
// `schema migrate --cluster NAME` runs its ON CLUSTER DDL, rows go in
// through the Distributed tables and Replicated* tables deduplicate.
//
// Two layouts are tested. 2 shards x 1 replica exercises the sharding
// (the Distributed sharding key, materialized views running on each shard
// over that shard's rows, rollups read back across shards) and ingest
// through it. 1 shard x 2 replicas exercises replication: rows inserted
// through one replica are read, exact, from the other, and a block re-sent
// through the other replica is recognised as a duplicate. Both use the
// same DDL; only the macros and remote_servers differ.
package clustertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/edgelog/edgelog/lab/engines/chserver"
)

// Layout is the shape of a test cluster.
type Layout struct {
	Name     string
	Shards   int
	Replicas int // per shard
	// AsyncSendDelay, when set, is how long a Distributed table may hold
	// rows of an asynchronous INSERT before sending them to the other
	// shards (distributed_directory_monitor_sleep_time_ms; ClickHouse's
	// default is 100ms). A long delay makes the difference between
	// asynchronous and synchronous inserts visible every time, not only
	// when a test happens to read within the default window.
	AsyncSendDelay time.Duration
}

// Cluster is ZooKeeper plus Shards x Replicas clickhouse-servers.
type Cluster struct {
	Layout
	ZK *ZooKeeper
	// Servers are shard 1's replicas first, then shard 2's, and so on.
	Servers []*chserver.Server
}

// Server returns the server of replica r of shard s (both from 0).
func (c *Cluster) Server(s, r int) *chserver.Server { return c.Servers[s*c.Replicas+r] }

// Start starts ZooKeeper and the servers of l under dir. On error
// everything started is stopped.
func Start(ctx context.Context, dir string, l Layout) (c *Cluster, err error) {
	if _, err := chserver.Binary(); err != nil {
		return nil, err
	}
	c = &Cluster{Layout: l}
	defer func() {
		if err != nil {
			c.Stop()
		}
	}()
	if c.ZK, err = StartZooKeeper(ctx, filepath.Join(dir, "zk")); err != nil {
		return nil, err
	}
	// Every server's remote_servers names every server's native port, so
	// the ports are chosen before any server starts, all at once and with
	// each server's HTTP and interserver ports (distinct: chserver.FreePorts;
	// a server picking its own later could take another's native port).
	n := l.Shards * l.Replicas
	free, err := chserver.FreePorts(3 * n)
	if err != nil {
		return nil, err
	}
	ports := free[:n]
	for i := range ports {
		sdir := filepath.Join(dir, fmt.Sprintf("ch%d", i+1))
		if err := os.MkdirAll(filepath.Join(sdir, "config.d"), 0o755); err != nil { // #nosec G301 -- test cluster's config in its temporary directory
			return nil, err
		}
		if l.AsyncSendDelay > 0 {
			// Profiles live in config.xml, which chserver writes; files in
			// config.d are merged into it by the server.
			xml := fmt.Sprintf("<yandex><profiles><default><distributed_directory_monitor_sleep_time_ms>%d</distributed_directory_monitor_sleep_time_ms></default></profiles></yandex>\n", l.AsyncSendDelay.Milliseconds())
			if err := os.WriteFile(filepath.Join(sdir, "config.d", "async-sends.xml"), []byte(xml), 0o644); err != nil { // #nosec G306 -- test cluster's config in its temporary directory
				return nil, err
			}
		}
		s, err := chserver.Start(ctx, chserver.Config{Dir: sdir, TCPPort: ports[i], HTTPPort: free[n+2*i], InterserverPort: free[n+2*i+1], Extra: c.configXML(ports, i)})
		if err != nil {
			return nil, fmt.Errorf("cannot start server %d of cluster %s: %w", i+1, l.Name, err)
		}
		c.Servers = append(c.Servers, s)
	}
	return c, nil
}

// configXML is server i's cluster config: ZooKeeper, the cluster's shards
// and replicas, its own macros and the distributed DDL queue ON CLUSTER
// needs (18.16 has no default for it).
func (c *Cluster) configXML(ports []int, i int) string {
	var shards string
	for s := range c.Shards {
		// internal_replication: a Distributed insert writes to one replica
		// per shard and ReplicatedMergeTree copies it to the others.
		shards += "\n      <shard><internal_replication>true</internal_replication>"
		for r := range c.Replicas {
			shards += fmt.Sprintf("\n        <replica><host>127.0.0.1</host><port>%d</port></replica>", ports[s*c.Replicas+r])
		}
		shards += "\n      </shard>"
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
`, c.ZK.Port, c.Name, shards, c.Name, i/c.Replicas+1, i+1)
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
