package threads

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if any test leaves a goroutine behind (relays,
// registration loops, streams).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
