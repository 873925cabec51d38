package httpapp

import (
	"runtime/debug"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// idleRelease hands memory back to the operating system once the server
// has had no request in flight for a while. After a burst the Go runtime
// keeps its heap for reuse and returns it only slowly, and kept-alive
// connections to Odoo hold buffers and goroutines; a server that idles most
// of the day should not sit at its peak size.
type idleRelease struct {
	after    time.Duration
	onIdle   []func()
	mu       sync.Mutex
	inflight int
	timer    *time.Timer
}

func newIdleRelease(after time.Duration, onIdle ...func()) *idleRelease {
	r := &idleRelease{after: after, onIdle: onIdle}
	r.timer = time.AfterFunc(time.Hour, r.release)
	r.timer.Stop()
	return r
}

func (r *idleRelease) release() {
	r.mu.Lock()
	busy := r.inflight > 0
	r.mu.Unlock()
	if !busy {
		for _, f := range r.onIdle {
			f()
		}
		debug.FreeOSMemory()
	}
}

func (r *idleRelease) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r.mu.Lock()
		r.inflight++
		r.timer.Stop()
		r.mu.Unlock()
		defer func() {
			r.mu.Lock()
			if r.inflight--; r.inflight == 0 {
				r.timer.Reset(r.after)
			}
			r.mu.Unlock()
		}()
		return next(c)
	}
}
