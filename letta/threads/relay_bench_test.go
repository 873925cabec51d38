package threads

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/odoo-mcp/odoo-mcp/letta"
)

// BenchmarkRelayEvent measures what odoo-mcp adds per streamed event: parse
// one Letta SSE event, translate it, write and flush it to the caller.
func BenchmarkRelayEvent(b *testing.B) {
	const frag = `data: {"id":"message-1","date":"2026-01-01T00:00:00Z","message_type":"assistant_message","otid":"o-1","content":"Hello there, "}` + "\n\n"
	body := strings.Repeat(frag, b.N) + "data: [DONE]\n\n"
	rec := httptest.NewRecorder()
	out := newSSEWriter(rec, http.NewResponseController(rec))
	b.ReportAllocs()
	b.SetBytes(int64(len(frag)))
	b.ResetTimer()
	s := letta.ParseStream(strings.NewReader(body), time.Minute)
	relay(context.Background(), s, out, time.Hour)
	b.StopTimer()
	if got := bytes.Count(rec.Body.Bytes(), []byte("event: content")); got != b.N {
		b.Fatalf("%d content events for %d fragments", got, b.N)
	}
}

// blockedWriter is a caller that stopped reading: every write blocks.
type blockedWriter struct{ release chan struct{} }

func (w blockedWriter) Write(p []byte) (int, error) { <-w.release; return len(p), nil }
func (w blockedWriter) Header() http.Header         { return http.Header{} }
func (w blockedWriter) WriteHeader(int)             {}
func (w blockedWriter) Flush()                      {}

// TestSlowCallerHoldsABoundedNumberOfEvents: when the caller stops
// reading, odoo-mcp stops reading Letta after a few events instead of
// piling them up in memory.
func TestSlowCallerHoldsABoundedNumberOfEvents(t *testing.T) {
	pr, pw := io.Pipe()
	caller := blockedWriter{release: make(chan struct{})}
	out := newSSEWriter(caller, http.NewResponseController(caller))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		relay(ctx, letta.ParseStream(pr, time.Minute), out, time.Hour)
		close(done)
	}()
	var written atomic.Int64
	go func() {
		for range 1000 {
			frag := `data: {"message_type":"assistant_message","otid":"o-1","content":"x"}` + "\n\n"
			if _, err := io.WriteString(pw, frag); err != nil {
				return
			}
			written.Add(1)
		}
	}()
	// Let Letta push as much as odoo-mcp will take, then check it stopped.
	var last int64 = -1
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		n := written.Load()
		if n == last {
			break
		}
		last = n
	}
	if n := written.Load(); n > 4 {
		t.Fatalf("odoo-mcp took %d events from Letta while the caller read none", n)
	}
	cancel()
	close(caller.release)
	pw.CloseWithError(io.ErrClosedPipe)
	<-done
}
