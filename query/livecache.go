package query

import (
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

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

// liveCache keeps the ClickHouse part of recent live answers, the least
// recently used going first past liveCacheSize. An answer at a watermark
// is final: the watermark says every row before it has landed, so the
// figures of the seconds and minutes before it do not change (rows older
// than the watermark arriving later are its stated limit, see Watermark).
// The zero value is ready for use.
type liveCache struct {
	once    sync.Once
	entries *lru.Cache[liveKey, api.Live]
}

func (c *liveCache) cache() *lru.Cache[liveKey, api.Live] {
	c.once.Do(func() {
		var err error
		if c.entries, err = lru.New[liveKey, api.Live](liveCacheSize); err != nil {
			panic("BUG: " + err.Error()) // only for a size <= 0
		}
	})
	return c.entries
}

func (c *liveCache) get(sc LiveScope, at time.Time) (api.Live, bool) {
	return c.cache().Get(liveKey{sc, at.Unix()})
}

// put keeps l unless an answer for the same scope and second is kept.
func (c *liveCache) put(sc LiveScope, at time.Time, l api.Live) {
	c.cache().ContainsOrAdd(liveKey{sc, at.Unix()}, l)
}

func (c *liveCache) len() int { return c.cache().Len() }
