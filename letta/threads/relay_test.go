package threads

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/odoo-mcp/odoo-mcp/fakeletta"
	"github.com/odoo-mcp/odoo-mcp/sse"
)

// TestRelayFlushesEachEvent: Letta sends a tool call and then waits; the
// caller must already have the tool_call event (no buffering). Then the
// caller leaves, and Letta sees its request canceled.
func TestRelayFlushesEachEvent(t *testing.T) {
	e := newEnv(t, fakeletta.VersionNew, func(o *envOptions) { o.orch = func(opts *Options) { opts.KeepAlive = 10 * time.Millisecond } })
	e.declare(admin, "f", Spec{Model: chatModel}, http.StatusCreated)

	proceed, canceled := make(chan struct{}), make(chan struct{})
	inner := e.lettaSrv.Config.Handler
	e.lettaSrv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/messages/stream") {
			inner.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		send := func(s string) { fmt.Fprintf(w, "data: %s\n\n", s); w.(http.Flusher).Flush() }
		send(`{"message_type":"ping"}`)
		send(`{"id":"message-1","otid":"o-1","message_type":"tool_call_message","tool_call":{"name":"odoo_record_retriever","arguments":"{\"model\": ","tool_call_id":"call_1"}}`)
		send(`{"id":"message-1","otid":"o-1","message_type":"tool_call_message","tool_call":{"name":null,"arguments":"\"res.partner\"}","tool_call_id":null}}`)
		select {
		case <-proceed:
		case <-r.Context().Done():
			close(canceled)
			return
		}
		send(`{"id":"message-2","otid":"o-2","message_type":"tool_return_message","tool_return":"[]","status":"success","tool_call_id":"call_1"}`)
		send(`{"id":"message-3","otid":"o-3","message_type":"assistant_message","content":"Nothing."}`)
		send(`{"message_type":"stop_reason","stop_reason":"end_turn"}`)
		send(`{"message_type":"usage_statistics","completion_tokens":1,"prompt_tokens":2,"total_tokens":3,"step_count":2}`)
		fmt.Fprint(w, "data: [DONE]\n\n")
	})

	for _, leave := range []bool{false, true} {
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.appSrv.URL+"/api/v1/threads/f/messages", strings.NewReader(`{"content":"go"}`))
		req.Header.Set("Authorization", admin)
		resp, err := e.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		events := sse.NewReader(resp.Body, sse.Options{Comments: true})
		var sawKeepAlive bool
		// next returns the next event or comment, failing the test at the end.
		next := func() sse.Event {
			t.Helper()
			ev, err := events.Next()
			if err != nil || ev.Unterminated {
				t.Fatalf("stream ended: %v", err)
			}
			if string(ev.Comment) == "keep-alive" {
				sawKeepAlive = true
			}
			return ev
		}
		readEvent := func() (string, map[string]any) {
			t.Helper()
			for {
				if ev := next(); !ev.IsComment() {
					var d map[string]any
					_ = json.Unmarshal(ev.Data, &d)
					return ev.Type, d
				}
			}
		}
		name, d := readEvent() // Letta is now waiting for proceed
		args, _ := d["arguments"].(map[string]any)
		if name != EventToolCall || d["name"] != "odoo_record_retriever" || d["id"] != "call_1" || args["model"] != "res.partner" {
			t.Fatalf("first event %s %v", name, d)
		}
		if leave {
			cancel()
			select {
			case <-canceled:
			case <-time.After(10 * time.Second):
				t.Fatal("the upstream request was not canceled when the caller left")
			}
			resp.Body.Close()
			continue
		}
		// Letta stays silent a while: keep-alive comments flow meanwhile.
		for !sawKeepAlive {
			next()
		}
		proceed <- struct{}{}
		var got []string
		for {
			name, d = readEvent()
			got = append(got, name)
			if name == EventToolReturn && d["name"] != "odoo_record_retriever" {
				t.Errorf("tool_return %v", d)
			}
			if name == EventDone {
				break
			}
		}
		if want := []string{EventToolReturn, EventContent, EventUsage, EventDone}; !slices.Equal(got, want) {
			t.Errorf("events %v, want %v", got, want)
		}
		resp.Body.Close()
		cancel()
	}
}

// The translator's cases (a Letta stream in, the caller's events out) are
// transcripts in testdata/relay, run by TestRelayTranscripts.

func TestWantsJSON(t *testing.T) {
	for accept, want := range map[string]bool{
		"":                                    false,
		"*/*":                                 false,
		"text/event-stream":                   false,
		"application/json":                    true,
		"application/json; charset=utf-8":     true,
		"application/json, text/event-stream": false,
		"text/html, application/json;q=0.9":   true,
	} {
		if wantsJSON(accept) != want {
			t.Errorf("wantsJSON(%q) = %v", accept, !want)
		}
	}
}

func TestRedact(t *testing.T) {
	tok := "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJraW5kIjoidGhyZWFkIn0.abc_DEF-123"
	if got := redact("input {'secrets': {'ODOO_MCP_TOKEN': '" + tok + "'}}"); strings.Contains(got, tok) || !strings.Contains(got, "[redacted token]") {
		t.Errorf("redact: %s", got)
	}
}
