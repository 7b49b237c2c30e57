package server

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

func heapInUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse)
}

// TestCacheByteBudget: 400 answers of 1 MiB into a 16 MiB cache keep at
// most 16 MiB, and once they expire the memory is freed with nothing
// asking for them again.
func TestCacheByteBudget(t *testing.T) {
	const budget = 16 << 20
	base := heapInUse()
	c := NewCache(300*time.Millisecond, budget)
	for i := range 400 {
		body := make([]byte, 1<<20)
		body[0] = byte(i)
		c.put(fmt.Sprintf("key-%d", i), answer{body: body})
	}
	n, bytes := c.Stats()
	held := heapInUse() - base
	t.Logf("after 400 answers of 1 MiB: %d entries, %d MiB counted, %d MiB more heap", n, bytes>>20, held>>20)
	if bytes > budget || held > 2*budget {
		t.Fatalf("%d MiB counted, %d MiB more heap; the budget is %d MiB", bytes>>20, held>>20, budget>>20)
	}
	if _, ok := c.get("key-399"); !ok {
		t.Fatal("the newest answer is not cached")
	}
	if _, ok := c.get("key-0"); ok {
		t.Fatal("the oldest answer is still cached past the budget")
	}
	time.Sleep(600 * time.Millisecond)
	n, bytes = c.Stats()
	if freed := heapInUse() - base; n != 0 || bytes != 0 || freed > 4<<20 {
		t.Fatalf("after the TTL: %d entries, %d bytes, %d MiB more heap than before", n, bytes, freed>>20)
	}
}

// TestCacheTooLargeAnswer: an answer larger than a quarter of the budget
// is not cached.
func TestCacheTooLargeAnswer(t *testing.T) {
	c := NewCache(time.Minute, 1<<20)
	c.put("small", answer{body: make([]byte, 100)})
	c.put("big", answer{body: make([]byte, 512<<10)})
	if _, ok := c.get("big"); ok {
		t.Fatal("a half-budget answer was cached")
	}
	if _, ok := c.get("small"); !ok {
		t.Fatal("the small answer was pushed out")
	}
}
