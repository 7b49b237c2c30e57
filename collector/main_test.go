package collector_test

import (
	"os"
	"testing"
)

// TestMain runs the child collector of the kill -9 tests when the parent
// test set its configuration (see startKillable), and the tests otherwise.
func TestMain(m *testing.M) {
	if raw := os.Getenv(childConfigEnv); raw != "" {
		os.Exit(runChildCollector(raw))
	}
	os.Exit(m.Run())
}
