package oauth

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestMemoryStoreCodeIsSingleUseUnderRace(t *testing.T) {
	m := NewMemoryStore(time.Minute)
	ctx, now := context.Background(), time.Now()
	m.SaveCode(ctx, "h", Code{Expires: now.Add(time.Minute)})
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := m.RedeemCode(ctx, "h", "g"+string(rune('a'+i)), now); err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d redemptions of one code succeeded", wins)
	}
}

func TestMemoryStoreRotationAndExpiry(t *testing.T) {
	m := NewMemoryStore(time.Minute)
	ctx, now := context.Background(), time.Now()
	g := Grant{ID: "g", RefreshHash: "r1", RefreshExpires: now.Add(time.Hour)}
	if err := m.SaveGrant(ctx, g); err != nil {
		t.Fatal(err)
	}
	next := g
	next.RefreshHash = "r2"
	if _, err := m.Rotate(ctx, "r1", next, now); err != nil {
		t.Fatal(err)
	}
	// Two racing rotations of r2: one wins, the other is a reuse.
	n3, n4 := next, next
	n3.RefreshHash, n4.RefreshHash = "r3", "r4"
	_, e3 := m.Rotate(ctx, "r2", n3, now)
	_, e4 := m.Rotate(ctx, "r2", n4, now)
	if e3 != nil || !errors.Is(e4, ErrReused) || !m.Revoked(ctx, "g") {
		t.Fatalf("racing rotation: %v %v revoked=%v", e3, e4, m.Revoked(ctx, "g"))
	}
	if _, err := m.Lookup(ctx, "r3", now); !errors.Is(err, ErrNotFound) {
		t.Errorf("the winner's token after the reuse: %v", err)
	}
	// An expired refresh token is unknown.
	m.SaveGrant(ctx, Grant{ID: "h", RefreshHash: "x", RefreshExpires: now.Add(time.Minute)})
	if _, err := m.Lookup(ctx, "x", now.Add(2*time.Minute)); !errors.Is(err, ErrNotFound) {
		t.Errorf("expired: %v", err)
	}
	// Revocations are remembered for as long as an access token lives.
	m.sweep(now.Add(2 * time.Minute))
	if m.Revoked(ctx, "g") {
		t.Error("a revocation outlived what it must cover")
	}
}
