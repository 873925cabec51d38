package lockedbuf

import (
	"sync"
	"testing"
)

func TestConcurrentWritesAndTheBound(t *testing.T) {
	var b Buffer
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				b.Write([]byte("x"))
				_ = b.String()
			}
		})
	}
	wg.Wait()
	if got := len(b.String()); got != 800 {
		t.Fatalf("kept %d bytes, want 800", got)
	}

	bounded := Buffer{Max: 4}
	for _, s := range []string{"abc", "de", "fgh"} {
		if n, err := bounded.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write(%q) = %d, %v: a dropped write still reports it all written", s, n, err)
		}
	}
	if got := bounded.String(); got != "abcde" {
		t.Fatalf("bounded buffer kept %q, want %q (writes stop once past Max)", got, "abcde")
	}
}
