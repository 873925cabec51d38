// Package boundcache is a cache with a bound on its size and a time to live
// per entry. The caches keyed by what callers send (credentials, model
// names, rate-limit keys) use it, so that a flood of distinct keys costs a
// bounded amount of memory: past the bound the least recently used entry
// goes, and the eviction is counted.
package boundcache

import (
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// Cache is safe for concurrent use. Expired entries are dropped when read,
// and otherwise age out of the LRU order; no goroutine sweeps them.
type Cache[K comparable, V any] struct {
	lru     *lru.Cache[K, entry[V]]
	onEvict func()
	now     func() time.Time
}

type entry[V any] struct {
	v       V
	expires time.Time
}

// New holds at most size entries (size < 1 is taken as 1). onEvict, when
// set, is called each time an entry is pushed out to make room.
func New[K comparable, V any](size int, onEvict func()) *Cache[K, V] {
	l, _ := lru.New[K, entry[V]](max(size, 1)) // errors only on size <= 0
	return &Cache[K, V]{lru: l, onEvict: onEvict, now: time.Now}
}

// Get returns the value under k while it has not expired.
func (c *Cache[K, V]) Get(k K) (V, bool) {
	e, ok := c.lru.Get(k)
	if ok && c.now().Before(e.expires) {
		return e.v, true
	}
	if ok {
		c.lru.Remove(k)
	}
	var zero V
	return zero, false
}

// Set stores v under k for ttl, as the most recently used entry.
func (c *Cache[K, V]) Set(k K, v V, ttl time.Duration) {
	if evicted := c.lru.Add(k, entry[V]{v: v, expires: c.now().Add(ttl)}); evicted && c.onEvict != nil {
		c.onEvict()
	}
}

// Len is the number of entries held, expired ones not yet dropped included.
func (c *Cache[K, V]) Len() int { return c.lru.Len() }
