package threads

import (
	"context"
	"sync"
)

// keyedMutex serialises work per key (a thread) without one lock for all:
// each key gets a one-slot semaphore, dropped when nobody holds or waits.
type keyedMutex struct {
	mu sync.Mutex
	m  map[string]*keyedSlot
}

type keyedSlot struct {
	ch   chan struct{}
	refs int
}

// lock waits for key (or for ctx to end) and returns its unlock function.
func (k *keyedMutex) lock(ctx context.Context, key string) (func(), error) {
	k.mu.Lock()
	if k.m == nil {
		k.m = map[string]*keyedSlot{}
	}
	s := k.m[key]
	if s == nil {
		s = &keyedSlot{ch: make(chan struct{}, 1)}
		k.m[key] = s
	}
	s.refs++
	k.mu.Unlock()

	release := func() {
		k.mu.Lock()
		s.refs--
		if s.refs == 0 {
			delete(k.m, key)
		}
		k.mu.Unlock()
	}
	select {
	case s.ch <- struct{}{}:
	case <-ctx.Done():
		release()
		return nil, ctx.Err()
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			<-s.ch
			release()
		})
	}, nil
}
