// Package conformance runs edgelog's modern DDL and every query of the
// query layer against ClickHouse 26.x semantics through chDB (libchdb.so
// from the npm package @chdb/lib-linux-x64-gnu, loaded with chdb-go over
// purego), and checks the answers equal those of the ClickHouse 18.16
// server on the same generated rows. The tests carry the build tag chdb:
//
//	go test -tags chdb -exec "$PWD/deploy/chdb-run.sh" ./schema/conformance/
//
// deploy/chdb-run.sh installs the library when missing and sets
// CHDB_LIB_PATH before the test binary starts: chdb-go opens the library in
// a package init, before any test code could.
//
// The package also holds the benchmarks that compare the two engines on
// the same rows, which need the same single chDB engine a process may
// have: storage (bytes per request on disk, BenchmarkStorage), the modern
// raw table's layouts and row order (BenchmarkRawLayouts,
// BenchmarkRawOrder), and what the whole schema costs each engine's CPU
// per million requests (BenchmarkSchemaCost).
package conformance
