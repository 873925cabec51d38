package fakeletta

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

var retrieverTool = map[string]any{
	"name": "odoo_record_retriever", "description": "Read records",
	"parameters": map[string]any{"type": "object", "properties": map[string]any{"model": map[string]any{"type": "string"}}},
}

func clientBody(text string, tokens bool) map[string]any {
	b := streamBody(text)
	b["client_tools"] = []any{retrieverTool}
	b["stream_tokens"] = tokens
	return b
}

func approvalBody(items ...map[string]any) map[string]any {
	list := make([]any, len(items))
	for i, it := range items {
		list[i] = it
	}
	return map[string]any{
		"messages":     []any{map[string]any{"type": "approval", "approvals": list}},
		"client_tools": []any{retrieverTool},
	}
}

func clientReturn(id, text string) map[string]any {
	return map[string]any{"type": "tool", "tool_call_id": id, "tool_return": text, "status": "success"}
}

// pausedCalls returns the calls of the stream's approval request (joined
// fragments by tool_call_id) and the stream's stop reason.
func pausedCalls(t *testing.T, evs []sseEvent) (map[string][2]string, []string, string) {
	t.Helper()
	calls := map[string][2]string{}
	var order []string
	stop := ""
	for _, e := range evs {
		if e.Event != "" || e.Data == "[DONE]" {
			continue
		}
		m := e.obj(t)
		switch m["message_type"] {
		case "approval_request_message":
			var list []any
			switch tc := m["tool_calls"].(type) {
			case []any:
				list = tc
			case map[string]any:
				list = []any{tc}
			}
			for _, x := range list {
				c := x.(map[string]any)
				id := c["tool_call_id"].(string)
				cur, seen := calls[id]
				if !seen {
					order = append(order, id)
				}
				if n, _ := c["name"].(string); n != "" {
					cur[0] = n
				}
				cur[1] += c["arguments"].(string)
				calls[id] = cur
			}
		case "stop_reason":
			stop = m["stop_reason"].(string)
		}
	}
	return calls, order, stop
}

func TestClientToolPauseAndResume(t *testing.T) {
	for _, tokens := range []bool{false, true} {
		t.Run(fmt.Sprintf("tokens=%v", tokens), func(t *testing.T) {
			h := newHarness(t, Options{})
			id := h.createAgent(map[string]any{})
			path := "/v1/agents/" + id + "/messages/stream"
			r := h.expect(200, "POST", path, clientBody(`call odoo_record_retriever {"model":"res.partner"}`, tokens))
			evs := parseSSE(t, r.body)
			calls, order, stop := pausedCalls(t, evs)
			if stop != "requires_approval" || len(order) != 1 {
				t.Fatalf("stop %q calls %v: %s", stop, calls, r.body)
			}
			callID := order[0]
			if c := calls[callID]; c[0] != "odoo_record_retriever" || c[1] != `{"model":"res.partner"}` {
				t.Errorf("call %v", c)
			}
			if types := compact(messageTypes(t, evs)); !slices.Equal(types[len(types)-3:], []string{"stop_reason", "usage_statistics", "[DONE]"}) {
				t.Errorf("types %v", types)
			}

			// The pause is visible on the agent, with include only.
			ag := h.expect(200, "GET", "/v1/agents/"+id+"?include=agent.pending_approval", nil).obj(t)
			pa, _ := ag["pending_approval"].(map[string]any)
			if pa == nil || pa["message_type"] != "approval_request_message" || pa["tool_calls"].([]any)[0].(map[string]any)["tool_call_id"] != callID {
				t.Errorf("pending_approval %v", ag["pending_approval"])
			}
			if ag := h.expect(200, "GET", "/v1/agents/"+id, nil).obj(t); ag["pending_approval"] != nil {
				t.Errorf("pending_approval without include: %v", ag["pending_approval"])
			}

			// A new user message is refused: 200 with error frames on the
			// stream, 409 on the plain route.
			r = h.expect(200, "POST", path, clientBody("hello", tokens))
			types := messageTypes(t, parseSSE(t, r.body))
			if !slices.Equal(types, []string{"ping", "stop_reason", "event:error", "[DONE]"}) || !strings.Contains(string(r.body), `"message":"CONFLICT: Cannot send a new message`) {
				t.Errorf("conflict stream %v: %s", types, r.body)
			}
			r = h.expect(409, "POST", "/v1/agents/"+id+"/messages", streamBody("hello"))
			if d, _ := r.obj(t)["detail"].(string); !strings.HasPrefix(d, "CONFLICT: Cannot send a new message") {
				t.Errorf("409 body %s", r.body)
			}

			// The wrong ids are refused; the run stays paused.
			r = h.expect(200, "POST", path, approvalBody(clientReturn("call_other", "x")))
			if !strings.Contains(string(r.body), "Invalid tool call IDs") {
				t.Errorf("wrong ids: %s", r.body)
			}
			h.expect(400, "POST", "/v1/agents/"+id+"/messages", approvalBody(clientReturn("call_other", "x")))

			// The right answer resumes the run.
			body := approvalBody(clientReturn(callID, `{"records":[]}`))
			body["stream_tokens"] = tokens
			r = h.expect(200, "POST", path, body)
			evs = parseSSE(t, r.body)
			types = compact(messageTypes(t, evs))
			hasReturn := slices.Contains(types, "tool_return_message")
			if hasReturn == tokens {
				t.Errorf("tool_return_message streamed=%v with tokens=%v: %v", hasReturn, tokens, types)
			}
			if assistantText(t, evs) != `odoo_record_retriever returned: {"records":[]}` || !strings.Contains(string(r.body), `"stop_reason":"end_turn"`) {
				t.Errorf("resume: %s", r.body)
			}

			// Sending the same approval again is a keep-alive.
			r = h.expect(200, "POST", path, approvalBody(clientReturn(callID, `{"records":[]}`)))
			if !strings.Contains(string(r.body), `"stop_reason":"end_turn"`) {
				t.Errorf("keep-alive: %s", r.body)
			}
			// An approval with nothing pending and nothing answered is refused.
			r = h.expect(200, "POST", path, approvalBody(clientReturn("call_never", "x")))
			if !strings.Contains(string(r.body), "No tool call is currently awaiting approval") {
				t.Errorf("nothing pending: %s", r.body)
			}
		})
	}
}

func TestClientToolsParallelAndFollowUp(t *testing.T) {
	h := newHarness(t, Options{})
	id := h.createAgent(map[string]any{})
	path := "/v1/agents/" + id + "/messages/stream"
	// Without parallel_tool_calls (Letta's default) the calls come one
	// pause each.
	r0 := h.expect(200, "POST", path, clientBody("call odoo_record_retriever {\"model\":\"a\"}\nalso odoo_record_retriever {\"model\":\"b\"}", true))
	_, order0, _ := pausedCalls(t, parseSSE(t, r0.body))
	if len(order0) != 1 {
		t.Fatalf("%d calls in one step without parallel_tool_calls", len(order0))
	}
	r0 = h.expect(200, "POST", path, approvalBody(clientReturn(order0[0], "A")))
	if _, order0, stop := pausedCalls(t, parseSSE(t, r0.body)); len(order0) != 1 || stop != "requires_approval" {
		t.Fatalf("second call: %v %q", order0, stop)
	} else {
		h.expect(200, "POST", path, approvalBody(clientReturn(order0[0], "B")))
	}
	h.fake.SetParallelToolCalls(id, true)
	r := h.expect(200, "POST", path, clientBody("call odoo_record_retriever {\"model\":\"a\"}\nalso odoo_record_retriever {\"model\":\"b\"}", true))
	calls, order, stop := pausedCalls(t, parseSSE(t, r.body))
	if stop != "requires_approval" || len(order) != 2 || calls[order[1]][1] != `{"model":"b"}` {
		t.Fatalf("stop %q calls %v", stop, calls)
	}
	// The whole set is required.
	r = h.expect(200, "POST", path, approvalBody(clientReturn(order[0], "A")))
	if !strings.Contains(string(r.body), "Invalid tool call IDs") {
		t.Errorf("partial answer: %s", r.body)
	}
	// An approval may carry a user message after it: both in one request.
	body := approvalBody(clientReturn(order[0], "A"), map[string]any{"type": "tool", "tool_call_id": order[1], "tool_return": "B", "status": "error"})
	body["messages"] = append(body["messages"].([]any), map[string]any{"role": "user", "content": "thanks"})
	r = h.expect(200, "POST", path, body)
	if assistantText(t, parseSSE(t, r.body)) != "odoo_record_retriever returned: A\nodoo_record_retriever failed: B" {
		t.Errorf("resume: %s", r.body)
	}
}

func TestRequiresApprovalServerTool(t *testing.T) {
	h := newHarness(t, Options{})
	id := h.createAgent(map[string]any{})
	r := h.expect(200, "PATCH", "/v1/agents/"+id+"/tools/approval/conversation_search", map[string]any{"requires_approval": true})
	rules, _ := r.obj(t)["tool_rules"].([]any)
	if len(rules) != 1 || rules[0].(map[string]any)["type"] != "requires_approval" {
		t.Fatalf("tool_rules %v", r.obj(t)["tool_rules"])
	}
	h.expect(422, "PATCH", "/v1/agents/"+id+"/tools/approval/conversation_search", map[string]any{"requires_approval": true, "x": 1})
	path := "/v1/agents/" + id + "/messages/stream"
	for _, approve := range []bool{true, false} {
		r = h.expect(200, "POST", path, map[string]any{"messages": []any{map[string]any{"role": "user", "content": `call conversation_search {"query":"x"}`}}})
		_, order, stop := pausedCalls(t, parseSSE(t, r.body))
		if stop != "requires_approval" || len(order) != 1 {
			t.Fatalf("stop %q", stop)
		}
		r = h.expect(200, "POST", path, map[string]any{"messages": []any{map[string]any{"type": "approval", "approvals": []any{
			map[string]any{"type": "approval", "tool_call_id": order[0], "approve": approve, "reason": "not now"}}}}})
		want := "conversation_search returned: None"
		if !approve {
			want = "conversation_search failed: Error: request to call tool denied. User reason: not now"
		}
		if assistantText(t, parseSSE(t, r.body)) != want {
			t.Errorf("approve=%v: %s", approve, r.body)
		}
	}
	h.expect(200, "PATCH", "/v1/agents/"+id+"/tools/approval/conversation_search", map[string]any{"requires_approval": false})
	r = h.expect(200, "POST", path, streamBody(`call conversation_search {"query":"x"}`))
	if !strings.Contains(string(r.body), `"stop_reason":"end_turn"`) {
		t.Errorf("after the switch is off: %s", r.body)
	}
}

func TestLoopAndMaxSteps(t *testing.T) {
	h := newHarness(t, Options{})
	id := h.createAgent(map[string]any{})
	path := "/v1/agents/" + id + "/messages/stream"
	b := streamBody(`loop conversation_search {"query":"x"}`)
	b["max_steps"] = 3
	r := h.expect(200, "POST", path, b)
	if !strings.Contains(string(r.body), `"stop_reason":"max_steps"`) || strings.Count(string(r.body), `"message_type":"tool_return_message"`) != 3 {
		t.Errorf("loop: %s", r.body)
	}
	// With a client tool, each request is one round and pauses again.
	for range 3 {
		r = h.expect(200, "POST", path, clientBody(`loop odoo_record_retriever {"model":"x"}`, false))
		_, order, stop := pausedCalls(t, parseSSE(t, r.body))
		if stop != "requires_approval" {
			t.Fatalf("stop %q", stop)
		}
		r = h.expect(200, "POST", path, approvalBody(clientReturn(order[0], "{}")))
		if _, _, stop := pausedCalls(t, parseSSE(t, r.body)); stop != "requires_approval" {
			t.Fatalf("looping model did not pause again: %s", r.body)
		}
		// leave it paused: the next message conflicts
		r = h.expect(200, "POST", path, clientBody("hi", false))
		if !strings.Contains(string(r.body), "CONFLICT") {
			t.Fatalf("no conflict: %s", r.body)
		}
		ag := h.expect(200, "GET", "/v1/agents/"+id+"?include=agent.pending_approval", nil).obj(t)
		pid := ag["pending_approval"].(map[string]any)["tool_calls"].([]any)[0].(map[string]any)["tool_call_id"].(string)
		deny := map[string]any{"type": "tool", "tool_call_id": pid, "tool_return": "abandoned", "status": "error"}
		body := approvalBody(deny)
		body["messages"] = append(body["messages"].([]any), map[string]any{"role": "user", "content": "stop"})
		delete(body, "client_tools") // without client tools the loop ends: the tool is unknown
		r = h.expect(200, "POST", path, body)
		if !strings.Contains(string(r.body), `"stop_reason":"end_turn"`) {
			t.Fatalf("resolve: %s", r.body)
		}
	}
}

func TestClientReturnClamped(t *testing.T) {
	long := strings.Repeat("x", 6000)
	if got := clampClientReturn(long, 5000); len(got) != 5000+len("... [truncated 1000 chars]") {
		t.Errorf("raw cut %d", len(got))
	}
	js, _ := json.Marshal(map[string]any{"records": []string{long}})
	if got := clampClientReturn(string(js), 5000); json.Valid([]byte(got)) {
		t.Errorf("a long JSON result stays valid JSON; Letta cuts it raw")
	}
	msg, _ := json.Marshal(map[string]any{"message": long})
	if got := clampClientReturn(string(msg), 5000); !json.Valid([]byte(got)) {
		t.Errorf("the message field is cut inside the JSON: %s", got[:100])
	}
	if c := clientReturnCap(map[string]any{"context_window": 128000.0}); c != 102400 {
		t.Errorf("cap %d", c)
	}
}

// assistantText joins the assistant content of a stream.
func assistantText(t *testing.T, evs []sseEvent) string {
	t.Helper()
	var b strings.Builder
	for _, e := range evs {
		if e.Event != "" || e.Data == "[DONE]" {
			continue
		}
		if m := e.obj(t); m["message_type"] == "assistant_message" {
			b.WriteString(m["content"].(string))
		}
	}
	return b.String()
}
