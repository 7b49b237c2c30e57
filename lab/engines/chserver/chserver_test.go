package chserver

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/edgelog/edgelog/deploy"
)

// TestMallocConf starts a server and reads its environment: it runs with
// the project's jemalloc settings (deploy.ClickHouseMallocConf).
func TestMallocConf(t *testing.T) {
	if _, err := Binary(); err != nil {
		t.Fatal(err) // setup installs it (make setup)
	}
	t.Setenv("MALLOC_CONF", "") // as on a machine that sets none
	s, err := Start(context.Background(), Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", s.Pid()))
	if err != nil {
		t.Fatal(err)
	}
	want := "MALLOC_CONF=" + deploy.ClickHouseMallocConf
	if !strings.Contains("\x00"+string(env)+"\x00", "\x00"+want+"\x00") {
		t.Fatalf("server environment lacks %s", want)
	}
}
