package query

import (
	"sync"
	"time"

	"github.com/edgelog/edgelog/query/api"
)

// liveCacheSize bounds the live answers kept (Store.liveAt's, per scope and
// watermark second): a wall polls each of its scopes every 250 ms while the
// watermark moves once a second, so most polls find the answer of their
// second here and ask ClickHouse for the watermark alone. 256 entries hold
// a second's answers for 256 scopes; more scopes than that only miss more.
const liveCacheSize = 256

type liveKey struct {
	scope LiveScope
	at    int64 // unix seconds
}

// liveCache keeps the ClickHouse part of recent live answers. An answer
// at a watermark is final: the watermark says every row before it has
// landed, so the figures of the seconds and minutes before it do not
// change (rows older than the watermark arriving later are its stated
// limit, see Watermark).
type liveCache struct {
	mu      sync.Mutex
	entries map[liveKey]api.Live
	ring    []liveKey // insertion order; the oldest goes first
	next    int
}

func (c *liveCache) get(sc LiveScope, at time.Time) (api.Live, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	l, ok := c.entries[liveKey{sc, at.Unix()}]
	return l, ok
}

func (c *liveCache) put(sc LiveScope, at time.Time, l api.Live) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = make(map[liveKey]api.Live, liveCacheSize)
	}
	k := liveKey{sc, at.Unix()}
	if _, ok := c.entries[k]; ok {
		return
	}
	if len(c.ring) < liveCacheSize {
		c.ring = append(c.ring, k)
	} else {
		delete(c.entries, c.ring[c.next])
		c.ring[c.next] = k
		c.next = (c.next + 1) % liveCacheSize
	}
	c.entries[k] = l
}

func (c *liveCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
