package schema

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// MigrationsTable records applied versions.
const MigrationsTable = "schema_migrations"

// Migrator applies Migrations to one database.
type Migrator struct {
	Conn    driver.Conn
	DB      string
	Dialect Dialect
	// To, when set, is the last version Plan and Migrate go to: a database
	// as an older release left it (tests of a migration over old rows).
	To int
	// Dial opens a connection to another server of the cluster, as Conn
	// was opened (user, password, TLS) but to addr (host:port from
	// system.clusters). Migrate needs it on a cluster, for the statements
	// run on one replica of each shard (EachShard).
	Dial func(ctx context.Context, addr string) (driver.Conn, error)
}

// Step is a pending migration with the SQL it would run.
type Step struct {
	Migration
	Statements []string
}

// Applied is a recorded migration.
type Applied struct {
	Version   int
	Name      string
	AppliedAt time.Time
}

// NewMigrator checks db and reads the server version to pick the dialect.
// cluster may be empty.
func NewMigrator(ctx context.Context, conn driver.Conn, db, cluster string) (*Migrator, error) {
	if !ValidIdent(db) {
		return nil, fmt.Errorf("invalid database name %q", db)
	}
	if cluster != "" && !ValidIdent(cluster) {
		return nil, fmt.Errorf("invalid cluster name %q", cluster)
	}
	d, err := ServerDialect(ctx, conn)
	if err != nil {
		return nil, err
	}
	d.Cluster = cluster
	return &Migrator{Conn: conn, DB: db, Dialect: d}, nil
}

// ServerDialect asks the server its version.
func ServerDialect(ctx context.Context, conn driver.Conn) (Dialect, error) {
	var version string
	if err := conn.QueryRow(ctx, "SELECT version()").Scan(&version); err != nil {
		return Dialect{}, fmt.Errorf("cannot read server version: %w", err)
	}
	return DialectFor(version)
}

func (m *Migrator) bootstrap() []string { return bootstrap(m.DB, m.Dialect) }

func bootstrap(db string, d Dialect) []string {
	return []string{
		createDatabase(db, d),
		fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s.%s%s (version UInt32, name String, applied_at DateTime DEFAULT now()) ENGINE = %s ORDER BY version",
			db, MigrationsTable, onCluster(d), engineEverywhere(d, db, MigrationsTable)),
	}
}

// AllStatements is every statement a migration of an empty database db
// runs in d, in order, without a server: for engines the Migrator cannot
// connect to (chDB in the conformance tests, the storage benchmark).
func AllStatements(db string, d Dialect) []string {
	s := bootstrap(db, d)
	for _, mig := range Migrations {
		s = append(s, mig.SQL(db, d)...)
	}
	return s
}

// Status returns the applied migrations. Two migrators racing may both
// record a version; the earliest record counts.
func (m *Migrator) Status(ctx context.Context) ([]Applied, error) {
	var exists uint8
	if err := m.Conn.QueryRow(ctx, "SELECT count() > 0 FROM system.tables WHERE database = ? AND name = ?", m.DB, MigrationsTable).Scan(&exists); err != nil {
		return nil, fmt.Errorf("cannot read migration status: %w", err)
	}
	if exists == 0 {
		return nil, nil
	}
	rows, err := m.Conn.Query(ctx, fmt.Sprintf("SELECT version, any(name), min(applied_at) FROM %s.%s GROUP BY version ORDER BY version", m.DB, MigrationsTable))
	if err != nil {
		return nil, fmt.Errorf("cannot read migration status: %w", err)
	}
	defer rows.Close()
	out := []Applied{} // non-nil: the table exists
	for rows.Next() {
		var a Applied
		var v uint32
		if err := rows.Scan(&v, &a.Name, &a.AppliedAt); err != nil {
			return nil, err
		}
		a.Version = int(v)
		out = append(out, a)
	}
	return out, rows.Err()
}

// Plan returns the migrations not yet applied, with their SQL. On a
// database that does not exist yet it includes the bootstrap statements as
// version 0.
func (m *Migrator) Plan(ctx context.Context) ([]Step, error) {
	applied, err := m.Status(ctx)
	if err != nil {
		return nil, err
	}
	done := map[int]bool{}
	for _, a := range applied {
		done[a.Version] = true
	}
	var steps []Step
	if applied == nil {
		steps = append(steps, Step{Migration{Version: 0, Name: "database and migrations table"}, m.bootstrap()})
	}
	for _, mig := range Migrations {
		if !done[mig.Version] && (m.To == 0 || mig.Version <= m.To) {
			steps = append(steps, Step{mig, mig.SQL(m.DB, m.Dialect)})
		}
	}
	return steps, nil
}

// Migrate applies every pending migration and returns what it applied.
// On a cluster, DDL goes ON CLUSTER through the connected server, except
// statements marked EachShard, which go to one replica of each shard
// (Dial) and are replicated from there.
func (m *Migrator) Migrate(ctx context.Context) ([]Step, error) {
	for _, s := range m.bootstrap() {
		if err := m.Conn.Exec(ctx, s); err != nil {
			return nil, fmt.Errorf("cannot bootstrap schema: %w\n%s", err, s)
		}
	}
	steps, err := m.Plan(ctx)
	if err != nil {
		return nil, err
	}
	shards := m.Shards()
	defer shards.Close()
	for _, st := range steps {
		ctx := ctx
		// clickhouse-go keeps one settings map a context: these replace
		// the caller's for the migration's statements.
		if set := migrationSettings(st.Version, m.Dialect); set != nil {
			ctx = clickhouse.Context(ctx, clickhouse.WithSettings(set))
		}
		for _, sql := range st.Statements {
			var err error
			if strings.HasPrefix(sql, EachShard) {
				// A column that already exists: the ALTER reached this
				// shard before (another replica took it, or a run that
				// was cut).
				err = shards.Each(ctx, func(ctx context.Context, _ string, conn driver.Conn) error {
					if err := conn.Exec(ctx, sql); err != nil && !columnExisted(sql, err) {
						return err
					}
					return nil
				})
			} else {
				err = m.Conn.Exec(ctx, sql)
			}
			if err != nil && !columnExisted(sql, err) {
				return nil, fmt.Errorf("cannot apply migration %d (%s): %w\n%s", st.Version, st.Name, err, sql)
			}
		}
		if err := m.Conn.Exec(ctx, fmt.Sprintf("INSERT INTO %s.%s (version, name) SELECT ?, ?", m.DB, MigrationsTable), uint32(st.Version), st.Name); err != nil { // #nosec G115 -- migration versions are small positive constants
			return nil, fmt.Errorf("cannot record migration %d: %w", st.Version, err)
		}
	}
	return steps, nil
}

// Shards reaches one replica of each shard of m's cluster, through Conn's
// system.clusters and Dial. The caller closes it.
func (m *Migrator) Shards() *Shards {
	return &Shards{Conn: m.Conn, Cluster: m.Dialect.Cluster, Dial: m.Dial}
}

// columnExisted reports an ADD COLUMN that failed because the column is
// there: ClickHouse 18.16 has no ADD COLUMN IF NOT EXISTS, so a migration
// run again after an interruption (or by a second process) meets the
// columns it added before.
func columnExisted(sql string, err error) bool {
	return strings.Contains(sql, " ADD COLUMN ") && strings.Contains(err.Error(), "already exists")
}
