package query

import (
	"testing"
	"time"

	"github.com/edgelog/edgelog/query/api"
)

// TestLiveCacheBound: at most liveCacheSize answers, the oldest going
// first; an answer is kept per scope and second.
func TestLiveCacheBound(t *testing.T) {
	var c liveCache
	at := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	for i := range liveCacheSize + 44 {
		c.put(LiveScope{Customer: "c"}, at.Add(time.Duration(i)*time.Second), api.Live{RequestsPerS: uint64(i)})
	}
	if n := c.len(); n != liveCacheSize {
		t.Fatalf("%d answers kept, bound %d", n, liveCacheSize)
	}
	if _, ok := c.get(LiveScope{Customer: "c"}, at.Add(43*time.Second)); ok {
		t.Error("an answer older than the bound's was kept")
	}
	if l, ok := c.get(LiveScope{Customer: "c"}, at.Add(44*time.Second)); !ok || l.RequestsPerS != 44 {
		t.Errorf("the oldest answer within the bound: %+v, %v", l, ok)
	}
	if _, ok := c.get(LiveScope{Customer: "d"}, at.Add(44*time.Second)); ok {
		t.Error("another scope's answer was given")
	}
	// An answer is final: putting another for the same key keeps the first.
	c.put(LiveScope{Customer: "c"}, at.Add(299*time.Second), api.Live{RequestsPerS: 1})
	if l, _ := c.get(LiveScope{Customer: "c"}, at.Add(299*time.Second)); l.RequestsPerS != 299 {
		t.Errorf("replaced: %d", l.RequestsPerS)
	}
}
