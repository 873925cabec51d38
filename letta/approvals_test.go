package letta

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestMessageRequestBodies(t *testing.T) {
	for _, tc := range []struct {
		name string
		req  MessageRequest
		want string
	}{
		{"a user message", MessageRequest{Text: "hi"},
			`{"messages":[{"content":"hi","role":"user"}]}`},
		{"client tools", MessageRequest{Text: "hi", ClientTools: []ClientTool{{Name: "t", Parameters: json.RawMessage(`{"type":"object"}`)}}},
			`{"client_tools":[{"name":"t","parameters":{"type":"object"}}],"messages":[{"content":"hi","role":"user"}]}`},
		{"a resume", MessageRequest{Approvals: []ApprovalItem{ToolResult("call_1", `{"a":1}`, false), ToolResult("call_2", "boom", true)}},
			`{"messages":[{"approvals":[{"status":"success","tool_call_id":"call_1","tool_return":"{\"a\":1}","type":"tool"},{"status":"error","tool_call_id":"call_2","tool_return":"boom","type":"tool"}],"type":"approval"}]}`},
		{"decisions and a follow-up message", MessageRequest{Text: "next", Approvals: []ApprovalItem{Decision("call_1", true, ""), Decision("call_2", false, "no")}},
			`{"messages":[{"approvals":[{"approve":true,"tool_call_id":"call_1","type":"approval"},{"approve":false,"reason":"no","tool_call_id":"call_2","type":"approval"}],"type":"approval"},{"content":"next","role":"user"}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := json.Marshal(tc.req.body(false))
			if string(got) != tc.want {
				t.Errorf("body\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestAgentPendingApprovalAndRules(t *testing.T) {
	var a Agent
	raw := `{"id":"agent-1","tool_rules":[{"tool_name":"odoo_record_creator","type":"requires_approval"},{"tool_name":"x","type":"exit_loop"}],
	 "pending_approval":{"message_type":"approval_request_message","tool_call":{"name":"a","arguments":"{}","tool_call_id":"call_1"},
	 "tool_calls":[{"name":"a","arguments":"{}","tool_call_id":"call_1"},{"name":"b","arguments":"{\"x\":1}","tool_call_id":"call_2"}]}}`
	if err := json.Unmarshal([]byte(raw), &a); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.ApprovalTools, []string{"odoo_record_creator"}) {
		t.Errorf("approval tools %v", a.ApprovalTools)
	}
	if len(a.Pending) != 2 || a.Pending[1] != (ToolCall{Name: "b", Arguments: `{"x":1}`, ToolCallID: "call_2"}) {
		t.Errorf("pending %+v", a.Pending)
	}
	var none Agent
	_ = json.Unmarshal([]byte(`{"id":"agent-2","pending_approval":null,"tool_rules":[]}`), &none)
	if none.Pending != nil || none.ApprovalTools != nil {
		t.Errorf("empty agent %+v %+v", none.Pending, none.ApprovalTools)
	}
}
