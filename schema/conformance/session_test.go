//go:build chdb

package conformance

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/chdb-io/chdb-go/chdb"
)

// engine is the process's one chDB session: libchdb runs a single engine
// per process, so TestMain opens it and every test shares it.
var engine *chdb.Session

// openEngine starts chDB in dir with Go's signal handlers kept: they are
// saved before libchdb's first connect and put back after it. With
// keepChDBHandlers (the control case of TestGoPanicAfterConnect) libchdb's
// own handlers stay.
func openEngine(dir string, keepChDBHandlers bool) (*chdb.Session, error) {
	if os.Getenv("CHDB_LIB_PATH") == "" {
		return nil, fmt.Errorf("CHDB_LIB_PATH is not set: run the tests with -exec deploy/chdb-run.sh (it installs libchdb.so)")
	}
	if keepChDBHandlers {
		return chdb.NewSession(dir)
	}
	saved, err := saveSignals()
	if err != nil {
		return nil, err
	}
	if err := disableChDBSignalHandlers(); err != nil {
		return nil, err
	}
	s, err := chdb.NewSession(dir)
	if rerr := saved.restore(); rerr != nil && err == nil {
		err = rerr
	}
	if err != nil {
		return nil, fmt.Errorf("cannot start chDB: %w", err)
	}
	// The engine starts its threads lazily: run a query before checking
	// that nothing took a handler back.
	if _, err := s.Query("SELECT 1"); err != nil {
		return nil, fmt.Errorf("chDB does not answer: %w", err)
	}
	if ch, err := saved.changed(); err != nil || len(ch) > 0 {
		return nil, fmt.Errorf("chDB replaced the handlers of signals %v after connect (%v)", ch, err)
	}
	return s, nil
}

func engineDir() (string, error) {
	return os.MkdirTemp("", "edgelog-chdb-")
}

// chExec runs statements on chDB.
func chExec(sql string) error {
	r, err := engine.Query(sql, "TSV")
	if err != nil {
		return fmt.Errorf("%w\n%s", err, sql)
	}
	if r != nil {
		r.Free()
	}
	return nil
}

// chQuery runs a query on chDB and returns its answer in format.
func chQuery(sql, format string) ([]byte, error) {
	r, err := engine.Query(sql, format)
	if err != nil {
		return nil, fmt.Errorf("%w\n%s", err, sql)
	}
	if r == nil {
		return nil, nil
	}
	defer r.Free()
	return append([]byte(nil), r.Buf()...), nil
}

// jsonCompact is the part of ClickHouse's JSONCompact answer the tests read.
type jsonCompact struct {
	Meta []struct{ Name, Type string } `json:"meta"`
	Data [][]json.RawMessage           `json:"data"`
}

func chJSON(sql string) (*jsonCompact, error) {
	b, err := chQuery(sql, "JSONCompact")
	if err != nil {
		return nil, err
	}
	var out jsonCompact
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("cannot decode chDB answer %.200q: %w", b, err)
	}
	return &out, nil
}

// chScalar returns a one-value answer as text.
func chScalar(sql string) (string, error) {
	b, err := chQuery(sql, "TSVRaw")
	return strings.TrimSpace(string(b)), err
}

func removeEngineDir(dir string) { _ = os.RemoveAll(filepath.Clean(dir)) }
