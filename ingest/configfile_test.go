package ingest

import (
	"strings"
	"testing"
	"time"
)

func TestLoadConfigFile(t *testing.T) {
	fc, err := LoadConfigFile("testdata/ingest.good.yml")
	if err != nil {
		t.Fatal(err)
	}
	c := Config{BatchRows: 1, Topic: "t"}
	fc.Apply(&c)
	if c.BatchRows != 300_000 || c.BatchWait != 150*time.Millisecond || c.BatchWaitMin != 50*time.Millisecond || c.InsertTimeout != 15*time.Second || c.Topic != "t" {
		t.Errorf("applied %+v", c)
	}
	if _, err := LoadConfigFile("testdata/ingest.bad.yml"); err == nil || !strings.Contains(err.Error(), "batch_wiat") {
		t.Errorf("a misspelled key: %v", err)
	}
}
