package letta

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// BenchmarkStreamNext measures the parse of one Letta SSE event by
// Stream.Next: a token fragment (the common case), a large tool return, and
// a named error-free frame with pings between events.
func BenchmarkStreamNext(b *testing.B) {
	for _, bc := range []struct{ name, frame string }{
		{"fragment", `data: {"id":"message-1","date":"2026-01-01T00:00:00Z","message_type":"assistant_message","otid":"o-1","content":"Hello there, "}` + "\n\n"},
		{"tool_return_4KiB", `data: {"id":"message-2","message_type":"tool_return_message","otid":"o-2","status":"success","tool_call_id":"c1","tool_return":"` + strings.Repeat("x", 4<<10) + `"}` + "\n\n"},
		{"ping_between", ": ping\n\ndata: {\"message_type\":\"ping\"}\n\nevent: message\r\ndata: {\"message_type\":\"reasoning_message\",\"otid\":\"o-3\",\"reasoning\":\"hm\"}\r\n\r\n"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			body := strings.Repeat(bc.frame, b.N) + "data: [DONE]\n\n"
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.frame)))
			b.ResetTimer()
			s := ParseStream(strings.NewReader(body), time.Minute)
			n := 0
			for {
				_, err := s.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
			b.StopTimer()
			if n != b.N {
				b.Fatalf("%d events for %d frames", n, b.N)
			}
		})
	}
}
