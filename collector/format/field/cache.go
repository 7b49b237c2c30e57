package field

import "bytes"

// Canonical cache statuses: nginx's $upstream_cache_status words, which the
// rollups count as hits (HIT, STALE, UPDATING, REVALIDATED) or misses (MISS,
// EXPIRED), plus ERROR and REDIRECT for CloudFront's non-cache outcomes.
var (
	cacheHit         = []byte("HIT")
	cacheMiss        = []byte("MISS")
	cacheExpired     = []byte("EXPIRED")
	cacheStale       = []byte("STALE")
	cacheUpdating    = []byte("UPDATING")
	cacheRevalidated = []byte("REVALIDATED")
	cacheBypass      = []byte("BYPASS")
	cacheDynamic     = []byte("DYNAMIC")
	cacheError       = []byte("ERROR")
	cacheRedirect    = []byte("REDIRECT")
)

// cacheWords maps lower-case cache words of nginx, Cloudflare
// (cf-cache-status), Varnish/Fastly (X-Cache) and CloudFront
// (x-edge-result-type, X-Cache "Hit from cloudfront") to the canonical
// statuses.
var cacheWords = map[string][]byte{
	"hit":              cacheHit,
	"miss":             cacheMiss,
	"expired":          cacheExpired,
	"stale":            cacheStale,
	"updating":         cacheUpdating,
	"revalidated":      cacheRevalidated,
	"bypass":           cacheBypass,
	"dynamic":          cacheDynamic,
	"refreshhit":       cacheRevalidated, // CloudFront: cached, revalidated with the origin
	"originshieldhit":  cacheMiss,        // CloudFront: an edge miss served by the shield
	"error":            cacheError,
	"limitexceeded":    cacheError, // CloudFront: refused, over a limit
	"capacityexceeded": cacheError, // CloudFront: 503, no capacity
	"redirect":         cacheRedirect,
}

// CacheStatus maps a cache status word in any of the common spellings to
// the canonical upper-case form, looking only at the first word ("Hit from
// cloudfront" is HIT). Unknown values are returned unchanged and "-" as nil.
// The returned canonical slices are shared and must not be modified.
func CacheStatus(v []byte) []byte {
	v = Dash(v)
	if len(v) == 0 {
		return nil
	}
	w := v
	if i := bytes.IndexByte(w, ' '); i >= 0 {
		w = w[:i]
	}
	if len(w) > 16 {
		return v
	}
	var low [16]byte
	for i, c := range w {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		low[i] = c
	}
	if c, ok := cacheWords[string(low[:len(w)])]; ok {
		return c
	}
	return v
}
