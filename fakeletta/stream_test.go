package fakeletta

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func streamBody(text string) map[string]any {
	return map[string]any{"messages": []any{map[string]any{"role": "user", "content": text}}}
}

func TestStreamFaults(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			h := newHarness(t, Options{Version: v})
			id := h.createAgent(map[string]any{})
			path := "/v1/agents/" + id + "/messages/stream"
			pattern := "/v1/agents/{agent_id}/messages/stream"
			offset := 0 // NEW starts with a ping event
			if v == VersionNew {
				offset = 1
			}

			// Cut after N events: no [DONE], no end events.
			h.fake.SetFault(Fault{Path: pattern, CutAfterEvents: 1 + offset})
			events := parseSSE(t, h.expect(200, "POST", path, streamBody("hello")).body)
			if types := messageTypes(t, events); len(types) != 1+offset || strings.Contains(fmt.Sprint(types), "[DONE]") {
				t.Errorf("cut stream %v", types)
			}

			// The fault was consumed: the next stream is complete.
			types := messageTypes(t, parseSSE(t, h.expect(200, "POST", path, streamBody("hello")).body))
			if types[len(types)-1] != "[DONE]" || types[len(types)-3] != "stop_reason" {
				t.Errorf("normal stream %v", types)
			}

			// Omit [DONE] only.
			h.fake.SetFault(Fault{Path: path, OmitDone: true})
			types = messageTypes(t, parseSSE(t, h.expect(200, "POST", path, streamBody("hello")).body))
			if types[len(types)-1] != "usage_statistics" {
				t.Errorf("omit-done stream %v", types)
			}

			// Mid-stream error frames.
			h.fake.SetFault(Fault{Method: "POST", Path: pattern, ErrorAfterEvents: 1 + offset, ErrorType: "llm_rate_limit", ErrorMessage: "429 from provider"})
			events = parseSSE(t, h.expect(200, "POST", path, streamBody("hello")).body)
			types = messageTypes(t, events)
			if v == VersionOld {
				if fmt.Sprint(types) != "[reasoning_message event:error]" {
					t.Fatalf("OLD error stream %v", types)
				}
				if events[1].Data != `{"error": "429 from provider", "code": "INTERNAL_SERVER_ERROR"}` {
					t.Errorf("OLD error frame %q", events[1].Data)
				}
			} else {
				if fmt.Sprint(types) != "[ping reasoning_message stop_reason event:error [DONE]]" {
					t.Fatalf("NEW error stream %v", types)
				}
				if events[2].obj(t)["stop_reason"] != "llm_api_error" {
					t.Errorf("stop reason %s", events[2].Data)
				}
				e := events[3].obj(t)
				if e["message_type"] != "error_message" || e["error_type"] != "llm_rate_limit" || e["detail"] != "429 from provider" ||
					e["message"] != "Rate limit exceeded for LLM model provider. Please wait before making another request." ||
					!strings.HasPrefix(e["run_id"].(string), "run-") {
					t.Errorf("NEW error frame %v", e)
				}
			}

			// Default OLD error text is Letta's wrapped stop_reason chunk.
			if v == VersionOld {
				h.fake.SetFault(Fault{Path: pattern, ErrorAfterEvents: 2})
				events = parseSSE(t, h.expect(200, "POST", path, streamBody("hello")).body)
				want := `{"error": "An exception occurred mid-stream with status code 500 with content b'data: {\"message_type\":\"stop_reason\",\"stop_reason\":\"error\"}\\n\\n'", "code": "INTERNAL_SERVER_ERROR"}`
				if last := events[len(events)-1]; last.Event != "error" || last.Data != want {
					t.Errorf("OLD default error frame %q", last.Data)
				}
			}

			// Status faults short-circuit the handler; FailNext is one-shot.
			h.fake.FailNext("POST", pattern, 503)
			r := h.expect(503, "POST", path, streamBody("hello"))
			if r.obj(t)["detail"] != "fault injected" {
				t.Errorf("fault body %s", r.body)
			}
			h.fake.SetFault(Fault{Path: "/v1/agents/", Status: 500, Body: `{"detail":"boom"}`, Times: 2})
			h.expect(500, "GET", "/v1/agents/", nil)
			h.expect(500, "POST", "/v1/agents/", map[string]any{})
			h.expect(200, "GET", "/v1/agents/", nil)
			h.fake.SetFault(Fault{Status: 502})
			h.fake.ClearFaults()
			h.expect(200, "GET", "/v1/agents/", nil)

			// Delay.
			h.fake.SetFault(Fault{Path: "/v1/health/", Delay: 50 * time.Millisecond})
			start := time.Now()
			h.expect(200, "GET", "/v1/health/", nil)
			if time.Since(start) < 50*time.Millisecond {
				t.Error("delay fault not applied")
			}

			// Abort resets the connection.
			h.fake.SetFault(Fault{Path: pattern, CutAfterEvents: 1, Abort: true})
			req, _ := http.NewRequestWithContext(t.Context(), "POST", h.srv.URL+path, strings.NewReader(`{"messages":[{"role":"user","content":"hi"}]}`))
			resp, err := h.client.Do(req)
			if err == nil {
				_, err = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			if err == nil {
				t.Error("aborted stream read without error")
			}
		})
	}
}

func TestStreamPingsAndFilters(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			h := newHarness(t, Options{Version: v, PingInterval: 20 * time.Millisecond})
			id := h.createAgent(map[string]any{})
			path := "/v1/agents/" + id + "/messages/stream"
			h.fake.SetFault(Fault{Path: path, EventDelay: 60 * time.Millisecond})
			events := parseSSE(t, h.expect(200, "POST", path, streamBody("hello")).body)
			pings := 0
			for _, typ := range messageTypes(t, events) {
				if typ == "ping" {
					pings++
				}
			}
			if pings < 2 {
				t.Errorf("expected idle pings, got %v", messageTypes(t, events))
			}
			for _, e := range events {
				if e.Data != "[DONE]" && e.obj(t)["message_type"] == "ping" {
					if _, hasRun := e.obj(t)["run_id"]; hasRun != (v == VersionNew) {
						t.Errorf("ping shape %s", e.Data)
					}
				}
			}

			body := streamBody("hello")
			body["include_pings"] = false
			body["include_return_message_types"] = []any{"assistant_message"}
			types := messageTypes(t, parseSSE(t, h.expect(200, "POST", path, body).body))
			if fmt.Sprint(types) != "[assistant_message stop_reason usage_statistics [DONE]]" {
				t.Errorf("filtered stream %v", types)
			}
		})
	}
}

func TestMessagesRoute(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			h := newHarness(t, Options{Version: v})
			id := h.createAgent(map[string]any{})
			path := "/v1/agents/" + id + "/messages"
			resp := h.expect(200, "POST", path, streamBody("ping pong")).obj(t)
			msgs := resp["messages"].([]any)
			last := msgs[len(msgs)-1].(map[string]any)
			if last["message_type"] != "assistant_message" || last["content"] != "You said: ping pong" ||
				resp["stop_reason"].(map[string]any)["stop_reason"] != "end_turn" || resp["usage"].(map[string]any)["step_count"] != 1.0 {
				t.Errorf("response %v", resp)
			}
			h.expect(404, "POST", "/v1/agents/agent-00000000-0000-4000-8000-000000000000/messages", streamBody("x"))
			h.expect(404, "POST", "/v1/agents/agent-00000000-0000-4000-8000-000000000000/messages/stream", streamBody("x"))
			hist := h.expect(200, "GET", path, nil).list(t)
			if len(hist) != 3 {
				t.Errorf("history %d", len(hist))
			}
			if v == VersionOld {
				h.expect(422, "POST", path+"/stream", map[string]any{"input": "hi"})
				return
			}
			// NEW: input shorthand, streaming only for v1 callers.
			r := h.expect(200, "POST", path+"/stream", map[string]any{"input": "short"})
			if !strings.Contains(string(r.body), "You said: ") {
				t.Errorf("input stream %s", r.body)
			}
			r = h.expect(422, "POST", path, map[string]any{"input": "x", "streaming": true})
			if r.obj(t)["detail"] != "streaming=true is only supported for SDK v1.0+ clients." {
				t.Errorf("legacy streaming: %s", r.body)
			}
			r = h.expect(200, "POST", path, map[string]any{"input": "x", "streaming": true}, "X-Stainless-Package-Version", "1.12.1")
			if types := messageTypes(t, parseSSE(t, r.body)); types[len(types)-1] != "[DONE]" {
				t.Errorf("v1 streaming %v", types)
			}
			h.expect(422, "POST", path, map[string]any{"input": "x", "stream_tokens": true})
			h.expect(422, "POST", path, map[string]any{"input": "x", "messages": []any{}})
		})
	}
}

// TestAgentDeletedMidRun: the agent disappears while its tool runs; the
// stream ends with the version's error frames.
func TestAgentDeletedMidRun(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			h := newHarness(t, Options{Version: v, AllowPrivateURLs: true})
			var agentID string
			srv := mcp.NewServer(&mcp.Implementation{Name: "x", Version: "1"}, nil)
			mcp.AddTool(srv, &mcp.Tool{Name: "vanish"}, func(_ context.Context, _ *mcp.CallToolRequest, in echoIn) (*mcp.CallToolResult, echoOut, error) {
				h.fake.DeleteAgentBehindBack(agentID)
				return nil, echoOut{Echo: in.Text}, nil
			})
			url, _ := serveMCP(t, srv)
			ids := registerOdoo(t, h, url, "vanish")
			agentID = h.createAgent(map[string]any{"tool_ids": []any{ids["vanish"]}})
			events := parseSSE(t, h.expect(200, "POST", "/v1/agents/"+agentID+"/messages/stream", streamBody(`call vanish {"text":"x"}`)).body)
			types := messageTypes(t, events)
			want := "[event:error]"
			if v == VersionNew {
				want = "[ping stop_reason event:error [DONE]]"
			}
			if fmt.Sprint(types) != want {
				t.Errorf("stream after deletion %v, want %s", types, want)
			}
			if _, ok := h.fake.Agent(agentID); ok {
				t.Error("agent still exists")
			}
		})
	}
}

type panicValidator struct{}

func (panicValidator) ValidateRequest(*http.Request) error { panic("validator exploded") }

type issueErr struct{}

func (issueErr) Error() string { return "bad" }
func (issueErr) ValidationIssues() []ValidationIssue {
	return []ValidationIssue{{Type: "missing", Loc: []any{"body", "messages"}, Msg: "Field required", Input: map[string]any{}}}
}

type errValidator struct{ err error }

func (e errValidator) ValidateRequest(r *http.Request) error {
	b, _ := io.ReadAll(r.Body)
	if strings.Contains(string(b), "bad") {
		return e.err
	}
	return nil
}

func TestValidatorHookAndPanics(t *testing.T) {
	h := newHarness(t, Options{Version: VersionOld, Validator: panicValidator{}})
	r := h.expect(500, "GET", "/v1/agents/", nil)
	if r.obj(t)["detail"] != "An internal server error occurred" {
		t.Errorf("panic answer %s", r.body)
	}
	for _, v := range versions {
		h := newHarness(t, Options{Version: v, Validator: errValidator{issueErr{}}})
		h.expect(200, "POST", "/v1/agents/", map[string]any{"model": "letta/letta-free", "embedding": "letta/letta-free"})
		r := h.expect(422, "POST", "/v1/agents/", map[string]any{"name": "bad", "model": "letta/letta-free", "embedding": "letta/letta-free"})
		if v == VersionOld {
			if got := fmt.Sprint(r.obj(t)["detail"]); got != "[map[input:map[] loc:[body messages] msg:Field required type:missing]]" {
				t.Errorf("OLD 422 %s", got)
			}
		} else if r.obj(t)["detail"] != "[{'type': 'missing', 'loc': ('body', 'messages'), 'msg': 'Field required', 'input': {}}]" {
			t.Errorf("NEW 422 %s", r.body)
		}
		plain := newHarness(t, Options{Version: v, Validator: errValidator{errors.New(`request body has an error: doesn't match schema: property "model" is missing`)}})
		r = plain.expect(422, "POST", "/v1/agents/", map[string]any{"name": "bad"})
		if v == VersionOld {
			issue := r.obj(t)["detail"].([]any)[0].(map[string]any)
			if issue["type"] != "missing" || fmt.Sprint(issue["loc"]) != "[body model]" {
				t.Errorf("derived issue %v", issue)
			}
		}
	}
}

func TestRequestsAndConcurrency(t *testing.T) {
	h := newHarness(t, Options{})
	h.fake.ResetRequests()
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			id := h.createAgent(map[string]any{"name": fmt.Sprintf("c%d", i), "tags": []any{"conc"}})
			h.expect(200, "POST", "/v1/agents/"+id+"/messages/stream", streamBody("hi"))
			h.expect(200, "GET", "/v1/agents/?tags=conc", nil)
		}(i)
	}
	wg.Wait()
	reqs := h.fake.Requests()
	if len(reqs) != 24 {
		t.Fatalf("recorded %d requests", len(reqs))
	}
	var creates int
	for _, r := range reqs {
		if r.Method == "POST" && r.Path == "/v1/agents/" {
			creates++
			if r.Status != 200 || !strings.Contains(string(r.Body), `"tags":["conc"]`) {
				t.Errorf("recorded create %+v", r)
			}
		}
	}
	if creates != 8 || len(h.fake.Agents()) != 8 {
		t.Errorf("creates %d agents %d", creates, len(h.fake.Agents()))
	}
	h.fake.ResetRequests()
	if len(h.fake.Requests()) != 0 {
		t.Error("ResetRequests kept requests")
	}
}

// TestHistoryListing: GET …/messages answers windows of stored messages
// (a step's reasoning and answer share one id and count once), oldest
// first in both versions and for both of NEW's orders, with before/after
// cursors and a 404 for an unknown one, as get_agent_recall_async does.
func TestHistoryListing(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			h := newHarness(t, Options{Version: v})
			id := h.createAgent(map[string]any{})
			path := "/v1/agents/" + id + "/messages"
			for _, m := range []string{"one", "two", "three"} {
				h.expect(200, "POST", path, streamBody(m))
			}
			// rows: the stored messages as (id, types) in order.
			type row struct {
				id    string
				types []string
			}
			rows := func(list []any) []row {
				var out []row
				for _, x := range list {
					m := x.(map[string]any)
					if n := len(out); n > 0 && out[n-1].id == m["id"] {
						out[n-1].types = append(out[n-1].types, m["message_type"].(string))
						continue
					}
					out = append(out, row{m["id"].(string), []string{m["message_type"].(string)}})
				}
				return out
			}
			all := rows(h.expect(200, "GET", path+"?limit=100", nil).list(t))
			if len(all) != 6 || all[0].types[0] != "user_message" || all[5].types[len(all[5].types)-1] != "assistant_message" {
				t.Fatalf("whole history, oldest first: %v", all)
			}
			for _, order := range []string{"", "&order=desc"} {
				got := rows(h.expect(200, "GET", path+"?limit=2"+order, nil).list(t))
				if len(got) != 2 || got[0].id != all[4].id || got[1].id != all[5].id {
					t.Errorf("limit=2%s: %v, want the newest two stored messages oldest first", order, got)
				}
			}
			got := rows(h.expect(200, "GET", path+"?limit=2&before="+all[4].id, nil).list(t))
			if len(got) != 2 || got[0].id != all[2].id || got[1].id != all[3].id {
				t.Errorf("before: %v", got)
			}
			got = rows(h.expect(200, "GET", path+"?limit=10&after="+all[3].id, nil).list(t))
			if len(got) != 2 || got[0].id != all[4].id {
				t.Errorf("after: %v", got)
			}
			if v == VersionNew {
				got = rows(h.expect(200, "GET", path+"?limit=2&order=asc", nil).list(t))
				if len(got) != 2 || got[0].id != all[0].id || got[1].id != all[1].id {
					t.Errorf("order=asc: %v, want the oldest two, oldest first", got)
				}
			}
			r := h.expect(404, "GET", path+"?before=message-00000000-0000-4000-8000-000000000000", nil)
			if d, _ := r.obj(t)["detail"].(string); !strings.Contains(d, "No message found with id") {
				t.Errorf("unknown cursor: %s", r.body)
			}
		})
	}
}
