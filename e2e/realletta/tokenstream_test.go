package realletta_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/odoo-mcp/odoo-mcp/e2e/realletta"
	"github.com/odoo-mcp/odoo-mcp/fakellm"
	"github.com/odoo-mcp/odoo-mcp/letta"
)

// TestLettaTokenStreamedToolArguments looks at Letta's own token stream
// (POST /v1/agents/{id}/messages/stream with stream_tokens) for a tool call
// whose arguments are not all strings, and records whether the joined
// tool_call_message fragments are the call's JSON (letta.md "Predicted" 2:
// 0.11.7 quotes every non-string argument; confirmed, and worse: the joined
// fragments are not JSON at all).
func TestLettaTokenStreamedToolArguments(t *testing.T) {
	for _, version := range loopbackVersions {
		t.Run(version, func(t *testing.T) {
			l := realletta.Shared(t, version)
			p := startOdooMCP(t, newOdoo(t).URL, l)
			waitForLog(t, p, "registered with Letta", 2*time.Minute)
			id := "ts-" + strings.ReplaceAll(version, ".", "-")
			th := declare(t, p, id, `{"model":"`+realletta.Model+`","tools":["odoo_record_retriever"]}`, http.StatusCreated)
			t.Cleanup(func() { do(t, http.MethodDelete, p.URL+"/api/v1/threads/"+id, admin, "") })

			key := "token stream arguments " + version
			args := map[string]any{"model": "res.partner", "fields": []any{"name"}, "limit": 2}
			l.LLM.Script(key, fakellm.CallTool("odoo_record_retriever", args), fakellm.Say("done"))
			status, body := do(t, http.MethodPost, l.URL+"/v1/agents/"+th.AgentID+"/messages/stream", "",
				`{"messages":[{"role":"user","content":"`+key+`"}],"stream_tokens":true}`)
			if status != http.StatusOK {
				t.Fatalf("Letta stream: %d %s", status, body)
			}
			joined := map[string]string{}
			var order, seq []string
			for _, ev := range parseSSE(t, body) {
				mt, _ := ev.data["message_type"].(string)
				if ev.name != "" || mt == "" {
					mt = ev.name + mt
				}
				if n := len(seq); n == 0 || seq[n-1] != mt {
					seq = append(seq, mt)
				}
				if ev.data["message_type"] != "tool_call_message" {
					continue
				}
				var tc map[string]any
				switch v := ev.data["tool_call"].(type) {
				case map[string]any:
					tc = v
				}
				if tc == nil {
					if list, ok := ev.data["tool_calls"].([]any); ok && len(list) > 0 {
						tc, _ = list[0].(map[string]any)
					} else if one, ok := ev.data["tool_calls"].(map[string]any); ok {
						tc = one
					}
				}
				if tc == nil {
					continue
				}
				k, _ := ev.data["otid"].(string)
				if _, ok := joined[k]; !ok {
					order = append(order, k)
				}
				a, _ := tc["arguments"].(string)
				joined[k] += a
			}
			t.Logf("Letta %s token stream (repeats folded): %v", version, seq)
			t.Logf("Letta %s tool_call_message fragments joined: %q", version, joined)
			if len(order) == 0 {
				t.Fatalf("no tool_call_message in Letta's token stream:\n%s", body)
			}
			var got map[string]any
			whole := joined[order[0]]
			ok := json.Unmarshal([]byte(whole), &got) == nil
			delete(got, "request_heartbeat")
			delete(got, "thinking")
			ok = ok && sameJSON(got, args)
			v, err := letta.ParseVersion(version)
			if err != nil {
				t.Fatal(err)
			}
			// odoo-mcp token-streams only where this holds (letta.StreamMessage).
			if want := v.TokenStreamsWholeToolArguments(); ok != want {
				t.Errorf("Letta %s: joined fragments %q are the call's arguments: %v; letta.Version.TokenStreamsWholeToolArguments says %v", version, whole, ok, want)
			}
		})
	}
}
