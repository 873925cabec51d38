package boundcache

import (
	"strconv"
	"testing"
	"time"
)

func TestBoundAndEvictions(t *testing.T) {
	evictions := 0
	c := New[string, int](3, func() { evictions++ })
	for i := range 10 {
		c.Set(strconv.Itoa(i), i, time.Hour)
	}
	if c.Len() != 3 || evictions != 7 {
		t.Fatalf("len %d, evictions %d; want 3 and 7", c.Len(), evictions)
	}
	// The most recent entries stay; the oldest went.
	if _, ok := c.Get("0"); ok {
		t.Error("entry 0 should have been evicted")
	}
	if v, ok := c.Get("9"); !ok || v != 9 {
		t.Errorf("entry 9 = %d, %v", v, ok)
	}
}

func TestRecentlyUsedStays(t *testing.T) {
	c := New[string, int](2, nil)
	c.Set("a", 1, time.Hour)
	c.Set("b", 2, time.Hour)
	c.Get("a") // a is now the most recent
	c.Set("c", 3, time.Hour)
	if _, ok := c.Get("a"); !ok {
		t.Error("a was used last and should stay")
	}
	if _, ok := c.Get("b"); ok {
		t.Error("b was the least recently used and should be gone")
	}
}

func TestExpiry(t *testing.T) {
	now := time.Unix(1000, 0)
	c := New[string, string](10, nil)
	c.now = func() time.Time { return now }
	c.Set("short", "x", time.Second)
	c.Set("long", "y", time.Minute)
	now = now.Add(2 * time.Second)
	if _, ok := c.Get("short"); ok {
		t.Error("an expired entry was returned")
	}
	if c.Len() != 1 {
		t.Errorf("the expired entry was not dropped on read: len %d", c.Len())
	}
	if v, ok := c.Get("long"); !ok || v != "y" {
		t.Errorf("long = %q, %v", v, ok)
	}
}

func TestSizeBelowOne(t *testing.T) {
	c := New[int, int](0, nil)
	c.Set(1, 1, time.Hour)
	if v, ok := c.Get(1); !ok || v != 1 {
		t.Fatal("a cache of size 0 holds one entry")
	}
}
