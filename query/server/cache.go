package server

import (
	"sync"
	"time"
)

// Cache keeps answers for a few seconds: a dashboard refreshed by many
// viewers at once costs ClickHouse one query. A nil Cache caches nothing.
type Cache struct {
	TTL     time.Duration
	MaxSize int

	mu      sync.Mutex
	entries map[string]cacheEntry
}

type cacheEntry struct {
	res     result
	expires time.Time
}

// NewCache returns a cache of at most size answers kept for ttl.
func NewCache(ttl time.Duration, size int) *Cache {
	return &Cache{TTL: ttl, MaxSize: size, entries: map[string]cacheEntry{}}
}

func (c *Cache) get(key string) (result, bool) {
	if c == nil {
		return result{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || time.Now().After(e.expires) {
		return result{}, false
	}
	return e.res, true
}

func (c *Cache) put(key string, res result) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if len(c.entries) >= c.MaxSize {
		for k, e := range c.entries { // drop the expired, then anything
			if now.After(e.expires) {
				delete(c.entries, k)
			}
		}
		for k := range c.entries {
			if len(c.entries) < c.MaxSize {
				break
			}
			delete(c.entries, k)
		}
	}
	c.entries[key] = cacheEntry{res: res, expires: now.Add(c.TTL)}
}
