// Package limits bounds what one caller may take from odoo-mcp: requests
// per second (token bucket per caller) and concurrent streams per caller.
package limits

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/odoo-mcp/odoo-mcp/internal/boundcache"
)

// Rate limits requests per key with a token bucket. Idle keys are forgotten
// after ten minutes, and at most MaxKeys are held (the least recently used
// goes first), so memory stays bounded whatever keys callers bring.
type Rate struct {
	limit rate.Limit
	burst int
	mu    sync.Mutex
	keys  *boundcache.Cache[string, *rate.Limiter]
}

// MaxKeys bounds the keys a Rate holds. A key pushed out starts again
// with a full bucket: with this many active callers that costs little.
const MaxKeys = 100_000

// idleKey is how long an unused key's bucket is kept.
const idleKey = 10 * time.Minute

// NewRate allows perSecond requests per key on average, burst at once. A
// perSecond of zero or less turns limiting off (nil).
func NewRate(perSecond float64, burst int) *Rate {
	if perSecond <= 0 {
		return nil
	}
	if burst < 1 {
		burst = int(math.Ceil(perSecond))
	}
	return &Rate{limit: rate.Limit(perSecond), burst: burst, keys: boundcache.New[string, *rate.Limiter](MaxKeys, nil)}
}

// CountEvictions has onEvict called for each key pushed out to make room
// (for metrics). It returns r; a nil Rate stays nil.
func (r *Rate) CountEvictions(onEvict func()) *Rate {
	if r != nil {
		r.keys = boundcache.New[string, *rate.Limiter](MaxKeys, onEvict)
	}
	return r
}

// Allow takes one request for key. When refused, it says how long until a
// request would be allowed (for Retry-After).
func (r *Rate) Allow(key string) (ok bool, retryAfter time.Duration) { return r.AllowN(key, 1) }

// AllowN takes n requests for key at once (a JSON-RPC batch), all or none;
// n above the burst costs the whole burst, so that it is never refused
// for ever.
func (r *Rate) AllowN(key string, n int) (ok bool, retryAfter time.Duration) {
	if r == nil {
		return true, 0
	}
	r.mu.Lock()
	l, found := r.keys.Get(key)
	if !found {
		l = rate.NewLimiter(r.limit, r.burst)
	}
	// Touch on every use: the entry expires only after ten idle minutes.
	r.keys.Set(key, l, idleKey)
	r.mu.Unlock()
	now := time.Now()
	res := l.ReserveN(now, min(max(n, 1), r.burst))
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}

// Streams caps concurrent long-lived streams per key.
type Streams struct {
	max  int
	mu   sync.Mutex
	open map[string]int
}

// NewStreams allows max concurrent streams per key; zero or less is no cap (nil).
func NewStreams(max int) *Streams {
	if max <= 0 {
		return nil
	}
	return &Streams{max: max, open: map[string]int{}}
}

// Acquire opens a stream for key; release must be called when it ends.
func (s *Streams) Acquire(key string) (release func(), ok bool) {
	if s == nil {
		return func() {}, true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.open[key] >= s.max {
		return nil, false
	}
	s.open[key]++
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.open[key]--; s.open[key] <= 0 {
				delete(s.open, key)
			}
		})
	}, true
}

// RetryAfterSeconds rounds a delay up to whole seconds, at least one, as
// the Retry-After header wants.
func RetryAfterSeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}
