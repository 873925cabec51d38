package limits

import (
	"sync"
	"testing"
	"time"
)

func TestRateAllowsBurstThenRefusesWithRetryAfter(t *testing.T) {
	r := NewRate(1, 3)
	for i := range 3 {
		if ok, _ := r.Allow("alice"); !ok {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	ok, after := r.Allow("alice")
	if ok || after <= 0 || after > time.Second {
		t.Fatalf("fourth request: ok=%v retry after %v", ok, after)
	}
	if RetryAfterSeconds(after) != 1 {
		t.Fatalf("Retry-After %d", RetryAfterSeconds(after))
	}
	// Another caller is not affected.
	if ok, _ := r.Allow("bob"); !ok {
		t.Fatal("bob refused because of alice")
	}
	// A refused request does not consume a token: after the wait it passes.
	time.Sleep(after + 50*time.Millisecond)
	if ok, _ := r.Allow("alice"); !ok {
		t.Fatal("alice still refused after Retry-After")
	}
}

func TestRateOffWhenZero(t *testing.T) {
	var r *Rate = NewRate(0, 0)
	for range 1000 {
		if ok, _ := r.Allow("x"); !ok {
			t.Fatal("limiting is off but refused")
		}
	}
}

func TestStreamsCap(t *testing.T) {
	s := NewStreams(2)
	r1, ok1 := s.Acquire("k")
	r2, ok2 := s.Acquire("k")
	_, ok3 := s.Acquire("k")
	if !ok1 || !ok2 || ok3 {
		t.Fatalf("cap of 2: %v %v %v", ok1, ok2, ok3)
	}
	if _, ok := s.Acquire("other"); !ok {
		t.Fatal("another key refused")
	}
	r1()
	r1() // releasing twice counts once
	if _, ok := s.Acquire("k"); !ok {
		t.Fatal("slot not released")
	}
	if _, ok := s.Acquire("k"); ok {
		t.Fatal("double release freed two slots")
	}
	r2()
}

func TestConcurrentUse(t *testing.T) {
	r, s := NewRate(1000, 1000), NewStreams(5)
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			for range 100 {
				r.Allow("k")
				if rel, ok := s.Acquire("k"); ok {
					rel()
				}
			}
		})
	}
	wg.Wait()
	if len(s.open) != 0 {
		t.Fatalf("open streams left: %v", s.open)
	}
}

func TestAllowNTakesAllOrNone(t *testing.T) {
	r := NewRate(0.001, 5)
	if ok, _ := r.AllowN("alice", 4); !ok {
		t.Fatal("4 of a burst of 5 refused")
	}
	if ok, after := r.AllowN("alice", 2); ok || after <= 0 {
		t.Fatalf("2 with 1 left: ok=%v retry after %v", ok, after)
	}
	if ok, _ := r.Allow("alice"); !ok {
		t.Fatal("the last one was taken by a refused batch")
	}
	// More than the burst costs the whole burst, never an endless refusal.
	r = NewRate(1, 3)
	if ok, _ := r.AllowN("bob", 10); !ok {
		t.Fatal("a fresh bucket refused a batch larger than its burst")
	}
	if ok, _ := r.Allow("bob"); ok {
		t.Fatal("the burst was not spent")
	}
}
