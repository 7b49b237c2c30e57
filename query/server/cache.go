package server

import (
	"container/list"
	"sync"
	"time"
)

// Cache keeps encoded answers for TTL: a dashboard refreshed by many
// viewers at once costs ClickHouse one query. A nil Cache caches nothing.
//
// Bounds: the answers' and keys' bytes together stay within MaxBytes (the
// oldest go first), and an answer leaves when it expires, whether or not
// anything asks for it again (a timer sweeps the expired), so the memory
// it held is freed after TTL. The review's cache was bounded by entry count
// and freed expired entries only when full: 400 answers to requests
// carrying a 1 MB junk parameter held 640 MB past their TTL.
//
// Hand-written rather than a library LRU: every entry lives exactly TTL, so
// insertion order is expiry order and one list gives both the oldest to
// evict and the next to expire, in O(1); the libraries at hand bound
// entries, not bytes.
type Cache struct {
	TTL      time.Duration
	MaxBytes int64

	mu      sync.Mutex
	entries map[string]*list.Element // of *cacheEntry
	order   *list.List               // oldest first
	bytes   int64
	timer   *time.Timer // fires when the oldest entry expires; nil when empty
}

// answer is an endpoint's encoded answer.
type answer struct {
	body  []byte
	csv   bool
	table string
}

type cacheEntry struct {
	key     string
	ans     answer
	expires time.Time
	size    int64
}

// DefaultCacheBytes is `edgelog query`'s cache budget (--cache-bytes).
const DefaultCacheBytes = 64 << 20

// entryOverhead is what an entry costs besides its key and body (map slot,
// list element, entry struct), counted against MaxBytes.
const entryOverhead = 200

// NewCache returns a cache of answers kept for ttl, at most maxBytes of them.
func NewCache(ttl time.Duration, maxBytes int64) *Cache {
	return &Cache{TTL: ttl, MaxBytes: maxBytes, entries: map[string]*list.Element{}, order: list.New()}
}

func (c *Cache) get(key string) (answer, bool) {
	if c == nil {
		return answer{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		return answer{}, false
	}
	e := el.Value.(*cacheEntry)
	if time.Now().After(e.expires) {
		return answer{}, false
	}
	return e.ans, true
}

func (c *Cache) put(key string, a answer) {
	if c == nil {
		return
	}
	size := int64(len(key)+len(a.body)+len(a.table)) + entryOverhead
	if size > c.MaxBytes/4 {
		return // one answer may not push out most of the others
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	c.expireLocked(now)
	if el, ok := c.entries[key]; ok {
		c.removeLocked(el)
	}
	for c.bytes+size > c.MaxBytes {
		c.removeLocked(c.order.Front())
	}
	c.entries[key] = c.order.PushBack(&cacheEntry{key: key, ans: a, expires: now.Add(c.TTL), size: size})
	c.bytes += size
	if c.timer == nil {
		c.timer = time.AfterFunc(c.TTL, c.sweep)
	}
}

// sweep runs when the oldest entry expires: it drops the expired and waits
// for the next one.
func (c *Cache) sweep() {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	c.expireLocked(now)
	if front := c.order.Front(); front != nil {
		c.timer = time.AfterFunc(front.Value.(*cacheEntry).expires.Sub(now)+time.Millisecond, c.sweep)
	} else {
		c.timer = nil
	}
}

func (c *Cache) expireLocked(now time.Time) {
	for front := c.order.Front(); front != nil && now.After(front.Value.(*cacheEntry).expires); front = c.order.Front() {
		c.removeLocked(front)
	}
}

func (c *Cache) removeLocked(el *list.Element) {
	e := c.order.Remove(el).(*cacheEntry)
	delete(c.entries, e.key)
	c.bytes -= e.size
}

// Stats returns how many answers the cache holds and their bytes.
func (c *Cache) Stats() (entries int, bytes int64) {
	if c == nil {
		return 0, 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries), c.bytes
}
