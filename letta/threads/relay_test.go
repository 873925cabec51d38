package threads

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/odoo-mcp/odoo-mcp/fakeletta"
	"github.com/odoo-mcp/odoo-mcp/letta"
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
		br := bufio.NewReader(resp.Body)
		var sawKeepAlive bool
		readEvent := func() (string, map[string]any) {
			t.Helper()
			name := ""
			for {
				line, err := br.ReadString('\n')
				if err != nil {
					t.Fatalf("stream ended: %v", err)
				}
				line = strings.TrimRight(line, "\n")
				switch {
				case line == ": keep-alive":
					sawKeepAlive = true
				case strings.HasPrefix(line, "event: "):
					name = line[len("event: "):]
				case strings.HasPrefix(line, "data: "):
					var d map[string]any
					_ = json.Unmarshal([]byte(line[len("data: "):]), &d)
					return name, d
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
			line, err := br.ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			sawKeepAlive = line == ": keep-alive\n"
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

// translate runs a recorded Letta stream through the translator.
func translate(t *testing.T, sse string) []Event {
	t.Helper()
	s := letta.ParseStream(strings.NewReader(sse), 0)
	tr := newTranslator()
	var out []Event
	for {
		ev, err := s.Next()
		if err != nil {
			return append(out, tr.end(err, s.StopReason())...)
		}
		out = append(out, tr.next(ev)...)
	}
}

func TestTranslator(t *testing.T) {
	const end = "data: {\"message_type\":\"stop_reason\",\"stop_reason\":\"end_turn\"}\n\ndata: [DONE]\n\n"
	frame := func(s string) string { return "data: " + s + "\n\n" }
	for _, tc := range []struct {
		name string
		sse  string
		want string // events as name:json, one per line
	}{
		{"assistant fragments and two messages joined by a newline",
			frame(`{"id":"m1","otid":"a","message_type":"assistant_message","content":"Hel"}`) +
				frame(`{"id":"m1","otid":"a","message_type":"assistant_message","content":"lo"}`) +
				frame(`{"id":"m2","otid":"b","message_type":"assistant_message","content":[{"type":"text","text":"Bye"}]}`) + end,
			`content:{"text":"Hel"}
content:{"text":"lo"}
content:{"text":"\nBye"}
done:{"finish_reason":"stop","stop_reason":"end_turn"}`},
		{"arguments that never become JSON are announced when the next message starts",
			frame(`{"id":"m1","otid":"c","message_type":"tool_call_message","tool_call":{"name":"t","arguments":"{oops","tool_call_id":"c1"}}`) +
				frame(`{"id":"m2","otid":"r","message_type":"tool_return_message","tool_return":"bad","status":"error","tool_call_id":"c1"}`) + end,
			`tool_call:{"id":"c1","name":"t","arguments":"{oops"}
tool_return:{"id":"c1","name":"t","status":"error","content":"bad"}
done:{"finish_reason":"stop","stop_reason":"end_turn"}`},
		{"a full NEW message with two calls",
			frame(`{"id":"m1","otid":"c","message_type":"tool_call_message","tool_call":{"name":"a","arguments":"{}","tool_call_id":"x"},"tool_calls":[{"name":"a","arguments":"{}","tool_call_id":"x"},{"name":"b","arguments":"{\"k\":1}","tool_call_id":"y"}]}`) + end,
			`tool_call:{"id":"x","name":"a","arguments":{}}
tool_call:{"id":"y","name":"b","arguments":{"k":1}}
done:{"finish_reason":"stop","stop_reason":"end_turn"}`},
		{"an OLD step-streamed call: Letta's request_heartbeat is not the tool's argument (real 0.11.7)",
			frame(`{"id":"m1","otid":"c","message_type":"tool_call_message","tool_call":{"name":"a","arguments":"{\"model\":\"res.partner\",\"request_heartbeat\":true}","tool_call_id":"x"}}`) + end,
			`tool_call:{"id":"x","name":"a","arguments":{"model":"res.partner"}}
done:{"finish_reason":"stop","stop_reason":"end_turn"}`},
		{"reasoning, pings and unknown types are not shown",
			frame(`{"message_type":"ping"}`) + frame(`{"id":"m","otid":"r","message_type":"reasoning_message","reasoning":"hmm"}`) +
				frame(`{"message_type":"hidden_reasoning_message"}`) + frame(`{"message_type":"something_new"}`) + end,
			`done:{"finish_reason":"stop","stop_reason":"end_turn"}`},
		{"OLD error frame", frame(`{"message_type":"stop_reason","stop_reason":"error"}`) +
			"event: error\ndata: {\"error\": \"boom\", \"code\": \"INTERNAL_SERVER_ERROR\"}\n\n",
			`error:{"source":"letta","type":"INTERNAL_SERVER_ERROR","message":"boom"}
done:{"finish_reason":"error","stop_reason":"error"}`},
		{"NEW error frame", frame(`{"message_type":"stop_reason","stop_reason":"llm_api_error"}`) +
			"event: error\ndata: {\"message_type\":\"error_message\",\"error_type\":\"llm_timeout\",\"message\":\"slow\",\"detail\":\"very\"}\n\ndata: [DONE]\n\n",
			`error:{"source":"letta","type":"llm_timeout","message":"slow: very"}
done:{"finish_reason":"error","stop_reason":"llm_api_error"}`},
		{"cut off", frame(`{"id":"m1","otid":"a","message_type":"assistant_message","content":"Hel"}`),
			`content:{"text":"Hel"}
error:{"source":"letta","type":"stream_truncated","message":"Letta's stream ended before the run was complete"}
done:{"finish_reason":"error","stop_reason":"error"}`},
		{"max steps", frame(`{"message_type":"stop_reason","stop_reason":"max_steps"}`) + "data: [DONE]\n\n",
			`done:{"finish_reason":"max_steps","stop_reason":"max_steps"}`},
		{"a token in an error is redacted", "event: error\ndata: {\"error\": \"bad header eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl\"}\n\n",
			`error:{"source":"letta","type":"letta_error","message":"bad header [redacted token]"}
done:{"finish_reason":"error","stop_reason":"error"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var lines []string
			for _, ev := range translate(t, tc.sse) {
				b, _ := json.Marshal(ev.Data)
				lines = append(lines, ev.Name+":"+string(b))
			}
			if got := strings.Join(lines, "\n"); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

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
