package threads

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if any test leaves a goroutine behind (relays,
// registration loops, streams).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// go-cache's janitor (the authenticator's cache) stops only when its
		// cache is garbage-collected.
		goleak.IgnoreTopFunction("github.com/patrickmn/go-cache.(*janitor).Run"),
	)
}
