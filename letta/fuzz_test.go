package letta

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"
)

// FuzzParseStream: any byte stream ends with io.EOF after [DONE] or a typed
// error, never a panic or a hang, and yields a bounded number of events.
func FuzzParseStream(f *testing.F) {
	for _, seed := range []string{
		"data: {\"message_type\":\"assistant_message\",\"otid\":\"o1\",\"content\":\"Hel\"}\n\ndata: {\"message_type\":\"assistant_message\",\"otid\":\"o1\",\"content\":\"lo\"}\n\ndata: {\"message_type\":\"stop_reason\",\"stop_reason\":\"end_turn\"}\n\ndata: [DONE]\n\n",
		": ping\n\ndata: {\"message_type\":\"ping\"}\n\ndata: [DONE]\n\n",
		"event: error\ndata: {\"error\": \"boom\", \"code\": \"INTERNAL_SERVER_ERROR\"}\n\n",
		"data: {\"message_type\":\"tool_call_message\",\"otid\":\"t\",\"tool_call\":{\"name\":\"x\",\"arguments\":\"{\\\"a\\\"\"}}\n\n",
		"data: {\"message_type\":\"assistant_message\"",
		"data: not json\n\n", "\r\n\r\n", "data: [DONE]",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := ParseStream(bytes.NewReader(data), time.Second)
		defer s.Close()
		for n := 0; ; n++ {
			if n > len(data)+1 {
				t.Fatalf("more events (%d) than input bytes", n)
			}
			_, err := s.Next()
			if err == nil {
				continue
			}
			var se *StreamError
			if err != io.EOF && !errors.Is(err, ErrStreamTruncated) && !errors.As(err, &se) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
	})
}
